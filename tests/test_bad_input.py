"""Bad input, tried the way users and attackers try it: every case names the fix and exits 1 (2 for usage).

Each case writes its files into a fresh directory, runs the command in-process and checks the exit
code, that no traceback escaped, and that the message carries the fragment a user needs.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator import FlowsError, ScenarioError, load_flows, load_scenario, simulate
from simulator.bundled import TRADE_TABLE
from simulator.cli import cli

HEADER = "exporter,importer,hs,category,value_usd,base_rate\n"
OK_TABLE = HEADER + "USA,CHN,1201,Soybeans,100,0.03\nUSA,CHN,8542,Chips,50,0\n"
OK_SCENARIO = "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rate: 125%}]\n"


def scenario(extra: str = "", trade: str = "t.csv") -> str:
    return f"name: s\nimporter: CHN\ntrade: {trade}\nlayers: [{{name: r, rate: 125%}}]\n{extra}"


def table(rows: str, header: str = HEADER) -> str:
    return header + rows


# (id, files {name: text or bytes}, command args, exit code, fragments of the message)
CASES: list[tuple[str, dict[str, str | bytes], list[str], int, list[str]]] = [
    # --- messages that say what happened (issue 25)
    (
        "extends shadowed by a local file",
        {"x.yaml": "name: x\nextends: exempt_chips\n", "exempt_chips.yaml": "name: e\nimporter: CHN\n"},
        ["validate", "x.yaml"],
        1,
        ["could mean exempt_chips.yaml beside this file or the bundled scenario", "extends: bundled/exempt_chips"],
    ),
    (
        "compare charts of too many scenarios",
        {f"s{i}.yaml": f"name: s{i}\nextends: bundled/exempt_chips\n" for i in range(9)},
        ["compare", *[f"s{i}.yaml" for i in range(9)], "--charts", "ch"],
        2,
        ["--charts draws at most 8 scenarios side by side (9 given"],
    ),
    (
        "sweep of a table layer is a scale",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n",
            "t.csv": OK_TABLE,
            "r.csv": "hs,rate\n8542,25%\n",
        },
        ["sweep", "s.yaml", "--steps", "3"],
        0,
        ["Sweep of layer r's table rates, scaled", "r scale", "of the listed rates"],
    ),
    (
        "sweep needs --layer only when there are several",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: a, rate: 5%}, {name: b, rate: 5%}]\n",
            "t.csv": OK_TABLE,
        },
        ["sweep", "s.yaml"],
        2,
        ["has 2 layers; name one with --layer (a, b)"],
    ),
    # --- rate tables and code lists (issue 25)
    (
        "rate table column twice",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n",
            "t.csv": OK_TABLE,
            "r.csv": "hs,rate,rate\n8542,0,25\n",
        },
        ["run", "s.yaml"],
        1,
        ["'rate' appear twice in the header"],
    ),
    (
        "rate table fields beyond the header",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n",
            "t.csv": OK_TABLE,
            "r.csv": "hs,rate\n8542,0,25\n1201,10%\n",
        },
        ["run", "s.yaml"],
        1,
        ["row 2: has 3 fields but the header names 2", "quote the value"],
    ),
    (
        "rate table row short of its rate",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n",
            "t.csv": OK_TABLE,
            "r.csv": "hs,rate\n8542\n1201,10%\n",
        },
        ["run", "s.yaml"],
        1,
        ["r.csv", "row 2: rate '' is not a number"],
    ),
    (
        "code list fields beyond the header",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rate: 10%}]\nexemptions: [{name: e, hs_list: l.csv}]\n",
            "t.csv": OK_TABLE,
            "l.csv": "hs\n8542,1201\n",
        },
        ["run", "s.yaml"],
        1,
        ["row 2: has 2 fields but the header names 1"],
    ),
    (
        "rate table with only its header",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n",
            "t.csv": OK_TABLE,
            "r.csv": "hs,rate\n",
        },
        ["validate", "s.yaml"],
        1,
        ["holds only its header"],
    ),
    (
        "rate table with only its header, run",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n",
            "t.csv": OK_TABLE,
            "r.csv": "hs,rate\n",
        },
        ["explain", "s.yaml"],
        1,
        ["holds only its header"],
    ),
    (
        "rate table stray quote",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n",
            "t.csv": OK_TABLE,
            "r.csv": "hs,rate\n" + "".join(f"{1000 + i},10%\n" for i in range(300)) + '8542,"25%\n' + "1201,5%\n" * 50,
        },
        ["run", "s.yaml"],
        1,
        ["cannot be read as CSV from row 302 on", "stray or unclosed double quote"],
    ),
    (
        "rate table is a folder",
        {
            "s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rates: r.csv}]\n".replace("r.csv", "."),
            "t.csv": OK_TABLE,
        },
        ["run", "s.yaml"],
        1,
        ["is a folder; name the CSV file inside it"],
    ),
    (
        "yields_to cycle",
        {
            "s.yaml": "name: s\nimporter: CHN\nlayers: [{name: a, rate: 10%}, {name: b, rate: 20%}]\nstacking: [{layer: a, yields_to: [b]}, {layer: b, yields_to: [a]}]\n"
        },
        ["validate", "s.yaml"],
        1,
        ["yields_to rules form a cycle (a yields to b yields to a)"],
    ),
    (
        "layer in yields_to and higher_of",
        {
            "s.yaml": "name: s\nimporter: CHN\nlayers: [{name: a, rate: 10%}, {name: b, rate: 20%}, {name: c, rate: 5%}]\nstacking: [{layer: a, yields_to: [b]}, {higher_of: [a, c]}]\n"
        },
        ["run", "s.yaml"],
        1,
        ["layer 'a' yields to another layer and is in this higher_of"],
    ),
    # --- scenarios: silently wrong numbers first
    (
        "empty hs list",
        {"s.yaml": scenario("exemptions: [{name: e, hs: []}]\n"), "t.csv": OK_TABLE},
        ["run", "s.yaml"],
        1,
        ["exemptions[0].hs: is empty", "cover every line"],
    ),
    (
        "empty categories",
        {"s.yaml": scenario("exemptions: [{name: e, categories: []}]\n"), "t.csv": OK_TABLE},
        ["run", "s.yaml"],
        1,
        ["exemptions[0].categories: is empty"],
    ),
    (
        "selector key without value",
        {"s.yaml": scenario("exemptions:\n  - name: e\n    hs:\n"), "t.csv": OK_TABLE},
        ["validate", "s.yaml"],
        1,
        ["exemptions[0].hs: is empty"],
    ),
    (
        "empty layer hs",
        {"s.yaml": "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rate: 10%, hs: []}]\n", "t.csv": OK_TABLE},
        ["run", "s.yaml"],
        1,
        ["layers[0].hs: is empty", "remove the key to cover everything"],
    ),
    (
        "empty except_hs",
        {"s.yaml": scenario('exemptions: [{name: e, hs: ["12"], except_hs: []}]\n'), "t.csv": OK_TABLE},
        ["run", "s.yaml"],
        1,
        ["except_hs: is empty", "remove the key"],
    ),
    (
        "bare rate above 1",
        {"s.yaml": "name: s\nimporter: CHN\nlayers: [{name: r, rate: 1.25}]\n"},
        ["validate", "s.yaml"],
        1,
        ["write 125% if 1.25 is a fraction or 1.25% if you mean 1.25 percent"],
    ),
    (
        "bare share",
        {"s.yaml": scenario('exemptions: [{name: e, hs: ["12"], share: 0.5}]\n'), "t.csv": OK_TABLE},
        ["validate", "s.yaml"],
        1,
        ["like 50% or 100%", "write 50% if 0.5 is a fraction"],
    ),
    (
        "bare probability",
        {"s.yaml": scenario('exemptions: [{name: e, hs: ["12"], probability: 0.5}]\n'), "t.csv": OK_TABLE},
        ["validate", "s.yaml"],
        1,
        ["probabilities are written with one"],
    ),
    (
        "tab indent",
        {"s.yaml": "name: s\nimporter: CHN\nlayers:\n\t- name: r\n"},
        ["validate", "s.yaml"],
        1,
        ["indent with spaces, not tabs"],
    ),
    (
        "layers not a list, one error",
        {"s.yaml": scenario('exemptions: [{name: e, hs: ["12"], layers: r}]\n'), "t.csv": OK_TABLE},
        ["validate", "s.yaml"],
        1,
        ["expected a list, got the text 'r'"],
    ),
    (
        "alias bomb",
        {
            "s.yaml": "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
            + "name: s\nimporter: CHN\n"
        },
        ["validate", "s.yaml"],
        1,
        ["expands to more than 100,000 values"],
    ),
    (
        "huge scenario file",
        {"s.yaml": "name: s\nimporter: CHN\n# " + "x" * 1_200_000 + "\n"},
        ["validate", "s.yaml"],
        1,
        ["scenario files are a few kB"],
    ),
    ("empty file", {"s.yaml": ""}, ["validate", "s.yaml"], 1, ["the file is empty"]),
    (
        "not UTF-8 scenario",
        {"s.yaml": b"name: caf\xe9\nimporter: CHN\n"},
        ["validate", "s.yaml"],
        1,
        ["cannot read the file"],
    ),
    (
        "python tag",
        {"s.yaml": "name: !!python/object:os.system x\nimporter: CHN\n"},
        ["validate", "s.yaml"],
        1,
        ["is not allowed"],
    ),
    (
        "duplicate key",
        {"s.yaml": "name: a\nname: b\nimporter: CHN\n"},
        ["validate", "s.yaml"],
        1,
        ["duplicate key 'name'"],
    ),
    (
        "extends cycle",
        {"a.yaml": "name: a\nimporter: CHN\nextends: b.yaml\n", "b.yaml": "name: b\nimporter: CHN\nextends: a.yaml\n"},
        ["validate", "a.yaml"],
        1,
        ["extends makes a cycle"],
    ),
    ("missing scenario", {}, ["run", "nope.yaml"], 1, ["no such scenario file or bundled scenario name"]),
    ("unknown bundled name", {}, ["run", "exempt_chip"], 1, ["tariffsim list shows the bundled names"]),
    # --- trade tables
    (
        "missing category column",
        {"s.yaml": OK_SCENARIO, "t.csv": "exporter,importer,hs,value_usd\nUSA,CHN,1201,1\n"},
        ["run", "s.yaml"],
        1,
        ["missing column(s) category"],
    ),
    (
        "blank category",
        {"s.yaml": OK_SCENARIO, "t.csv": table("USA,CHN,1201,,100,0\n")},
        ["run", "s.yaml"],
        1,
        ["row 2: category '' is empty"],
    ),
    (
        "duplicate header",
        {"s.yaml": OK_SCENARIO, "t.csv": "exporter,importer,hs,category,value_usd,value_usd\nUSA,CHN,1201,S,1,2\n"},
        ["run", "s.yaml"],
        1,
        ["appear twice in the header"],
    ),
    (
        "base rate as percent numbers",
        {"s.yaml": OK_SCENARIO, "t.csv": table("USA,CHN,1201,S,100,3\nUSA,CHN,1202,S,100,0\nUSA,CHN,1203,S,100,4\n")},
        ["run", "s.yaml"],
        1,
        ["looks like a percent", "0.03 for 3%"],
    ),
    (
        "NaN value",
        {"s.yaml": OK_SCENARIO, "t.csv": table("USA,CHN,1201,S,nan,0\n")},
        ["run", "s.yaml"],
        1,
        ["value_usd 'nan' is not a number"],
    ),
    (
        "inf value",
        {"s.yaml": OK_SCENARIO, "t.csv": table("USA,CHN,1201,S,inf,0\n")},
        ["run", "s.yaml"],
        1,
        ["is not finite"],
    ),
    (
        "sum overflows",
        {"s.yaml": OK_SCENARIO, "t.csv": table("USA,CHN,1201,S,1e308,0\nUSA,CHN,1202,S,1e308,0\n")},
        ["run", "s.yaml"],
        1,
        ["total past", "check the units"],
    ),
    (
        "thousands separators",
        {"s.yaml": OK_SCENARIO, "t.csv": table('USA,CHN,1201,S,"1,234,567",0\n')},
        ["run", "s.yaml"],
        1,
        ["has thousands separators"],
    ),
    (
        "odd hs",
        {"s.yaml": OK_SCENARIO, "t.csv": table("USA,CHN,201,S,1,0\n")},
        ["run", "s.yaml"],
        1,
        ["odd number of digits", "leading zero"],
    ),
    (
        "excel workbook",
        {"s.yaml": scenario(trade="t.xlsx"), "t.xlsx": b"PK\x03\x04\x14\x00binary"},
        ["run", "s.yaml"],
        1,
        ["is an Excel workbook", "CSV UTF-8"],
    ),
    ("utf-16", {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE.encode("utf-16")}, ["run", "s.yaml"], 1, ["UTF-16"]),
    ("empty table file", {"s.yaml": OK_SCENARIO, "t.csv": ""}, ["run", "s.yaml"], 1, ["cannot read as CSV"]),
    (
        "header only",
        {"s.yaml": OK_SCENARIO, "t.csv": HEADER},
        ["run", "s.yaml"],
        1,
        ["no line of t.csv has importer CHN"],
    ),
    (
        "bad parquet",
        {"s.yaml": scenario(trade="t.parquet"), "t.parquet": b"not parquet"},
        ["run", "s.yaml"],
        1,
        ["cannot read as Parquet"],
    ),
    (
        "trade path missing",
        {"s.yaml": scenario(trade="gone.csv")},
        ["run", "s.yaml"],
        1,
        ["no such trade-flow table 'gone.csv'"],
    ),
    (
        "--trade missing",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["run", "s.yaml", "--trade", "nope.csv"],
        1,
        ["nope.csv: no such trade-flow table"],
    ),
    # --- command-line values
    (
        "draws too many",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["run", "s.yaml", "--draws", "100000000"],
        2,
        ["1<=x<=1000000"],
    ),
    (
        "negative seed",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["run", "s.yaml", "--draws", "5", "--seed", "-1"],
        2,
        ["x>=0"],
    ),
    (
        "steps too many",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["sweep", "s.yaml", "--layer", "r", "--steps", "10000000"],
        2,
        ["2<=x<=100001"],
    ),
    (
        "sweep rate without %",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["sweep", "s.yaml", "--layer", "r", "--to", "2"],
        2,
        ["is not a percentage"],
    ),
    (
        "bad date",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["run", "s.yaml", "--date", "2025-13-01"],
        2,
        ["is not a date"],
    ),
    (
        "unknown format",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["run", "s.yaml", "--format", "xml"],
        2,
        ["'xml' is not one of"],
    ),
    (
        "dask on csv",
        {"s.yaml": OK_SCENARIO, "t.csv": OK_TABLE},
        ["run", "s.yaml", "--engine", "dask"],
        1,
        ["the dask engine reads Parquet"],
    ),
    # --- data imports
    (
        "import missing columns",
        {"c.csv": "a,b\n1,2\n"},
        ["data", "import", "--from", "comtrade", "c.csv", "--out", "o.csv"],
        1,
        ["c.csv"],
    ),
]


@pytest.mark.parametrize(("files", "args", "code", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str | bytes],
    args: list[str],
    code: int,
    fragments: list[str],
) -> None:
    for name, content in files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == code, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


def test_case_count() -> None:
    """The corpus counted in the closing note: CLI cases here plus the API and process cases below."""
    assert len(CASES) >= 40


def test_fifo_as_table_and_scenario_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "t.csv")
    os.mkfifo(tmp_path / "f.yaml")
    (tmp_path / "s.yaml").write_text(OK_SCENARIO)
    monkeypatch.chdir(tmp_path)
    for args, fragment in (
        (["run", "s.yaml"], "is not a regular file"),
        (["flows", "t.csv"], "is not a regular file"),
        (["run", "exempt_chips", "--trade", "t.csv"], "is not a regular file"),
        (["validate", "f.yaml"], "is not a regular file"),
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and fragment in result.output, result.output


def test_symlink_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "a.yaml"])
    assert result.exit_code == 1 and "loops" in result.output


def test_long_extends_chain_is_refused_not_recursed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(500):
        (tmp_path / f"c{i}.yaml").write_text(
            f"name: c{i}\nimporter: CHN\n" + (f"extends: c{i + 1}.yaml\n" if i < 499 else "")
        )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "c0.yaml"])
    assert result.exit_code == 1 and "files deep" in result.output


@pytest.mark.parametrize(
    ("sep", "encoding", "value"),
    [(";", "utf-8", "1234,5"), ("\t", "utf-8", "1234.5"), (",", "cp1252", "1234.5"), (",", "utf-8-sig", "1234.5")],
    ids=["semicolon and decimal comma", "tab", "windows-1252", "byte-order mark"],
)
def test_spreadsheet_exports_are_read(tmp_path: Path, sep: str, encoding: str, value: str) -> None:
    text = sep.join(["exporter", "importer", "hs", "category", "value_usd"]) + "\r\n"
    text += sep.join(["USA", "CHN", "0201", "Bœuf", value]) + "\r\n"
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    flows = load_flows(path)
    assert flows.loc[0, "value_usd"] == 1234.5 and flows.loc[0, "hs"] == "0201" and flows.loc[0, "category"] == "Bœuf"


# --- the Python API gives the guarantees the CLI gives
def good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "exporter": ["USA", "USA"],
            "importer": ["CHN", "CHN"],
            "hs": ["1201", "8542"],
            "category": ["Soybeans", "Chips"],
            "value_usd": [100.0, 50.0],
            "base_rate": [0.03, 0.0],
        }
    )


BAD_FRAMES: list[tuple[str, Callable[[pd.DataFrame], None], str]] = [
    ("NaN value", lambda f: f.__setitem__("value_usd", [np.nan, 1.0]), "is empty"),
    ("inf value", lambda f: f.__setitem__("value_usd", [np.inf, 1.0]), "is not finite"),
    ("negative value", lambda f: f.__setitem__("value_usd", [-1.0, 1.0]), "is negative"),
    ("rate out of range", lambda f: f.__setitem__("base_rate", [11.0, 0.0]), "outside 0-10"),
    ("percent rates", lambda f: f.__setitem__("base_rate", [3.0, 4.0]), "looks like a percent"),
    ("bad hs", lambda f: f.__setitem__("hs", ["12a1", "8542"]), "is not 2-10 digits"),
    ("full-width hs", lambda f: f.__setitem__("hs", ["\uff18\uff15\uff14\uff12", "8542"]), "is not 2-10 digits"),
    ("missing category", lambda f: f.__setitem__("category", [None, "Chips"]), "is empty"),
    (
        "missing category in a categorical",
        lambda f: f.__setitem__("category", pd.Categorical([None, "Chips"])),
        "is empty",
    ),
    ("numeric hs", lambda f: f.__setitem__("hs", [1201, 8542]), "holds numbers"),
    ("bad country", lambda f: f.__setitem__("exporter", ["US", "USA"]), "ISO alpha-3"),
    ("overflowing sum", lambda f: f.__setitem__("value_usd", [1e308, 1e308]), "check the units"),
    ("boolean values", lambda f: f.__setitem__("value_usd", [True, False]), "true/false"),
]


@pytest.mark.parametrize(("mutate", "fragment"), [c[1:] for c in BAD_FRAMES], ids=[c[0] for c in BAD_FRAMES])
def test_api_validates_dataframes(mutate: Callable[[pd.DataFrame], None], fragment: str) -> None:
    frame = good_frame()
    mutate(frame)
    scenario = load_scenario(TRADE_TABLE.parent / "scenarios" / "china_125.yaml")
    with pytest.raises(FlowsError, match=fragment):
        simulate(scenario, flows=frame)


def test_api_blank_base_rate_is_zero_like_a_blank_csv_cell() -> None:
    frame = good_frame()
    frame["base_rate"] = [np.nan, 0.0]
    scenario = load_scenario(TRADE_TABLE.parent / "scenarios" / "china_125.yaml")
    result = simulate(scenario, flows=frame)
    totals = result.totals
    assert totals["duty_usd"] == pytest.approx(1.25 * 150) and np.isfinite(list(totals.values())).all()
    assert any("1 row of the DataFrame has no base_rate (NaN), read as 0%" in w for w in result.warnings)
    frame["base_rate"] = [0.0, 0.0]
    assert not any("base_rate" in w for w in simulate(scenario, flows=frame).warnings)


def test_categories_that_print_alike_are_one_category() -> None:
    import unicodedata

    frame = good_frame()
    composed, decomposed = unicodedata.normalize("NFC", "Café"), unicodedata.normalize("NFD", "Café")
    frame["category"] = [composed, decomposed]
    for name in (composed, decomposed):
        scenario = load_scenario(TRADE_TABLE.parent / "scenarios" / "china_125.yaml")
        from dataclasses import replace

        from simulator.scenario.model import Exemption, Schedule, Selector

        exemption = Exemption(
            name="cafe",
            selector=Selector(categories=(unicodedata.normalize("NFC", name),)),
            share=Schedule.constant(1.0),
        )
        result = simulate(replace(scenario, exemptions=(exemption,)), flows=frame)
        assert result.totals["exempted_value_usd"] == pytest.approx(150)
        assert len(result.by_category) == 1


def test_api_empty_selector_refused(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: s\nimporter: CHN\nlayers: [{name: r, rate: 1%}]\nexemptions: [{name: e, hs: []}]\n"
    )
    with pytest.raises(ScenarioError, match="is empty"):
        load_scenario(tmp_path / "s.yaml")


def test_api_dates_as_text_or_timestamps_or_a_clear_error() -> None:
    """A notebook passes '2025-05-01' or a pandas Timestamp as often as a date: each is read as the date,
    by every function that takes one; anything else is refused by name, not by a comparison deep inside."""
    from datetime import date

    from simulator import compare, explain, rank, sweep

    scenario = load_scenario("paths/us_on_china_deescalation")
    expected = simulate(scenario, date=date(2025, 5, 1)).totals
    for when in ("2025-05-01", pd.Timestamp("2025-05-01 13:00")):
        assert simulate(scenario, date=when).totals == expected
        assert compare([scenario], date=when).results[0].totals == expected
    assert explain(scenario, "2025-05-01") == explain(scenario, date(2025, 5, 1))
    layer = scenario.layers[0].name
    assert sweep(scenario, layer, 0, 1, 2, when="2025-05-01").equals(
        sweep(scenario, layer, 0, 1, 2, when=date(2025, 5, 1))
    )
    assert rank(scenario, when="2025-05-01").exemptions.equals(rank(scenario, when=date(2025, 5, 1)).exemptions)
    for bad in ("2025-5-1", "May 2025", 20250501, "2025-02-30"):
        with pytest.raises(ValueError, match=r"^date=.* is not a date; pass datetime\.date"):
            simulate(scenario, date=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^when='May 2025' is not a date"):
        explain(scenario, "May 2025")


# --- whole processes: pipes, stdout, warnings, atomic writes
def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_closed_pipe_is_not_an_error() -> None:
    shell = f"{sys.executable} -m simulator list | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Error" not in done.stderr and done.stdout.count("\n") == 1


def test_dash_output_is_stdout(tmp_path: Path) -> None:
    done = run_process("run", "exempt_chips", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0 and "Effective rate" in done.stdout and not (tmp_path / "-").exists()


def test_csv_output_surfaces_warnings(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(
        'name: w\nimporter: CHN\nlayers: [{name: r, rate: 10%}]\nexemptions: [{name: e, hs: ["0101999999"]}]\n'
    )
    done = run_process("run", "w.yaml", "--format", "csv", cwd=tmp_path)
    assert done.returncode == 0 and "warning: e: HS prefix '0101999999' matches no line" in done.stderr


def test_interrupted_write_leaves_no_partial_file(tmp_path: Path) -> None:
    """Kill the process while it writes a large CSV: the target is either absent or complete."""
    target = tmp_path / "out.csv"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "sweep",
            "exempt_chips",
            "--layer",
            "retaliation",
            "--steps",
            "100001",
            "--format",
            "csv",
            "-o",
            str(target),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=1.5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if target.exists():
        assert target.read_text().count("\n") == 100002  # header + every step: complete, never partial


# --- the table cache is never a way in


def cache_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cache = tmp_path / "cache"
    monkeypatch.setenv("TARIFFSIM_CACHE_DIR", str(cache))
    monkeypatch.delenv("TARIFFSIM_CACHE", raising=False)
    table = tmp_path / "t.csv"
    table.write_text(OK_TABLE, encoding="utf-8")
    return cache, table


def test_a_planted_cache_entry_never_runs_nor_changes_a_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    cache, table = cache_setup(tmp_path, monkeypatch)
    honest = load_flows(table)
    entries = list(cache.glob("flows-*"))
    assert len(entries) == 1 and entries[0].suffix == ".npz"
    proof = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {proof}",))

    # a pickle under every name the cache could use, and a forged entry with values x1000
    (cache / entries[0].with_suffix(".pkl").name).write_bytes(pickle.dumps(Payload()))
    import zipfile

    with zipfile.ZipFile(entries[0]) as signed:  # the entry's own arrays, values x1000, re-zipped unsigned
        members = {n: signed.read(n) for n in signed.namelist()}
    values = next(n for n in members if n.endswith(".numbers.npy"))
    array = np.load(io.BytesIO(members[values]), allow_pickle=False)
    buffer = io.BytesIO()
    np.save(buffer, array * 1000)
    members[values] = buffer.getvalue()
    with zipfile.ZipFile(entries[0], "w") as forged:
        for n, data in members.items():
            forged.writestr(n, data)
    with open(entries[0], "ab") as f:
        f.write(pickle.dumps(Payload()))
    again = load_flows(table)
    assert not proof.exists()
    pd.testing.assert_frame_equal(again, honest)


def test_the_cache_folder_is_private_whatever_the_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, table = cache_setup(tmp_path, monkeypatch)
    old = os.umask(0)
    try:
        load_flows(table)
    finally:
        os.umask(old)
    assert (cache.stat().st_mode & 0o777) == 0o700
    assert all((p.stat().st_mode & 0o077) == 0 for p in cache.iterdir())


def test_a_cache_folder_others_can_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache, table = cache_setup(tmp_path, monkeypatch)
    cache.mkdir()
    os.chmod(cache, 0o777)
    assert load_flows(table)["value_usd"].sum() == 150
    assert "open to other users" in capsys.readouterr().err
    assert list(cache.iterdir()) == []  # nothing written into a shared folder


def test_edits_of_one_table_keep_one_cache_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, table = cache_setup(tmp_path, monkeypatch)
    for i in range(6):
        table.write_text(OK_TABLE.replace(",100,", f",{100 + i},"), encoding="utf-8")
        assert load_flows(table)["value_usd"].iloc[0] == 100 + i
    assert len(list(cache.glob("flows-*"))) == 1


# --- the explorer answers only its own page, loads only what it offered, and never destroys a file


def test_save_never_replaces_the_scenario_it_extends_nor_a_file_unasked(tmp_path: Path) -> None:
    pytest.importorskip("shiny", reason="the explore extra is not installed")
    from simulator.explore.app import save
    from simulator.explore.settings import Settings, apply

    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nextends: exempt_chips\n", encoding="utf-8")
    base = load_scenario(mine)
    changed = apply(base, Settings(None, rates={"retaliation": 0.5}))
    before = mine.read_bytes()
    said = str(save(base, changed, mine, None, replace_file=True))
    assert "being explored" in said and mine.read_bytes() == before
    other = tmp_path / "other.yaml"
    other.write_text("# someone's notes\n", encoding="utf-8")
    said = str(save(base, changed, other, None))
    assert "already exists" in said and other.read_text() == "# someone's notes\n"
    said = str(save(base, changed, other, None, replace_file=True))
    assert "Saved" in said and load_scenario(other).layers[0].rate.steps == ((None, 0.5),)
    fresh = tmp_path / "fresh.yaml"
    assert "Saved" in str(save(base, changed, fresh, None)) and load_scenario(fresh).layers[0].rate.steps == (
        (None, 0.5),
    )


def http_status(port: int, request: bytes) -> str:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        return conn.recv(4096).split(b"\r\n", 1)[0].decode()


def test_the_explorer_refuses_other_origins_and_hosts(tmp_path: Path) -> None:
    pytest.importorskip("shiny", reason="the explore extra is not installed")
    from tests.browser import explorer

    with explorer(cwd=tmp_path) as address:
        port = int(address.rstrip("/").rsplit(":", 1)[1])
        own = f"127.0.0.1:{port}"
        get = "GET / HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
        assert " 200 " in http_status(port, get.format(host=own, extra="").encode())
        assert " 403 " in http_status(port, get.format(host="evil.example", extra="").encode())
        assert " 403 " in http_status(port, get.format(host=own, extra="Origin: http://evil.example\r\n").encode())
        upgrade = (
            "GET /websocket/ HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}\r\n"
        )
        evil = upgrade.format(host=own, origin="Origin: http://evil.example\r\n")
        assert " 403 " in http_status(port, evil.encode())
        assert " 403 " in http_status(port, upgrade.format(host=own, origin="").encode())
        mine = upgrade.format(host=own, origin=f"Origin: http://{own}\r\n")
        assert " 101 " in http_status(port, mine.encode())


def test_the_explorer_loads_only_the_scenarios_it_offered(tmp_path: Path) -> None:
    from tests.browser import DESKTOP, chromium, explorer

    pytest.importorskip("shiny", reason="the explore extra is not installed")
    secret = tmp_path / "secret.yaml"
    secret.write_text("top secret first line\n", encoding="utf-8")
    with chromium() as browser, explorer(cwd=tmp_path) as address:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(address)
        page.wait_for_selector("#fig-effective_rate", timeout=30_000)
        before = page.get_attribute("#fig-effective_rate", "data-value")
        slider_id = page.evaluate("document.querySelector('input[id$=_layer_0]').id")
        for forged in (1e9, -5, "NaN"):  # no slider sends these: no figure is computed from them
            page.evaluate("([id, v]) => Shiny.setInputValue(id, v)", [slider_id, forged])
            page.wait_for_timeout(500)
            shown = page.locator("#fig-effective_rate")
            assert shown.count() == 0 or shown.get_attribute("data-value") == before
        page.get_by_role("button", name="Reset to the scenario").click()
        page.wait_for_selector("#fig-effective_rate", timeout=10_000)
        assert page.get_attribute("#fig-effective_rate", "data-value") == before
        for ref in (str(secret), "/etc/passwd"):
            page.evaluate("ref => Shiny.setInputValue('scenario', ref)", ref)
            page.wait_for_selector("[role=alert]", timeout=10_000)
            text = page.inner_text("body")
            assert "not one this page offers" in text
            assert "top secret" not in text and "root:" not in text


# --- Parquet datasets: every reader sees the rows a CSV of the same rows would give


def parquet(path: Path, frame: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def rows_of(text: str) -> pd.DataFrame:
    import io

    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).astype(
        {"value_usd": float, "base_rate": float}
    )


def run_json(tmp_path: Path, *args: str) -> tuple[int, str]:
    (tmp_path / "s.yaml").write_text("name: s\nimporter: CHN\nexporter: USA\nlayers: [{name: r, rate: 125%}]\n")
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "s.yaml"), "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


ENGINES = [[], ["--engine", "dask"]]


@pytest.mark.parametrize("engine", ENGINES, ids=["pandas", "dask"])
def test_parquet_year_folders_are_never_summed(tmp_path: Path, engine: list[str]) -> None:
    if engine:
        pytest.importorskip("dask")
    rows = rows_of(OK_TABLE)
    parquet(tmp_path / "d" / "year=2023" / "a.parquet", rows)
    parquet(tmp_path / "d" / "year=2024" / "a.parquet", rows.assign(value_usd=rows["value_usd"] * 2))
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "d"), *engine)
    assert code == 1 and "holds several years (2023, 2024) that must not be summed" in out
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "d"), "--year", "2024", *engine)
    assert code == 0 and json.loads(out)["totals"]["import_value_usd"] == 300
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "d"), "--year", "2020", *engine)
    assert code == 1 and "no rows for year 2020" in out


def test_year_is_honoured_for_csv_and_refused_where_there_is_none(tmp_path: Path) -> None:
    (tmp_path / "y.csv").write_text("year," + HEADER + "2023,USA,CHN,0201,Meat,10,0\n2024,USA,CHN,0201,Meat,11,0\n")
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "y.csv"))
    assert code == 1 and "several years" in out
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "y.csv"), "--year", "2024")
    assert code == 0 and json.loads(out)["totals"]["import_value_usd"] == 11
    (tmp_path / "t.csv").write_text(OK_TABLE)
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "t.csv"), "--year", "2024")
    assert code == 1 and "has no year column" in out


@pytest.mark.parametrize("engine", ENGINES, ids=["pandas", "dask"])
def test_a_column_missing_from_the_first_file_is_kept_from_the_others(
    tmp_path: Path, engine: list[str], reducer: str
) -> None:
    if engine:
        pytest.importorskip("dask")
    rows = rows_of(OK_TABLE)
    parquet(tmp_path / "d" / "a.parquet", rows.drop(columns=["base_rate"]).iloc[[0]])
    parquet(tmp_path / "d" / "b.parquet", rows.iloc[[0]].assign(base_rate=0.5))
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "d"), *engine)
    assert code == 0 and json.loads(out)["totals"]["base_duty_usd"] == pytest.approx(50)


@pytest.mark.parametrize("engine", ENGINES, ids=["pandas", "dask"])
def test_parquet_and_csv_of_the_same_rows_agree_or_refuse_alike(
    tmp_path: Path, engine: list[str], reducer: str
) -> None:
    if engine:
        pytest.importorskip("dask")
    padded = rows_of(OK_TABLE)
    padded.loc[0, "importer"], padded.loc[1, "exporter"], padded.loc[1, "category"] = "CHN ", " USA", "Chips "
    padded.to_csv(tmp_path / "p.csv", index=False)
    parquet(tmp_path / "p.parquet", padded)
    totals = [json.loads(run_json(tmp_path, "--trade", str(tmp_path / "p.csv"))[1])["totals"]]
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "p.parquet"), *engine)
    assert code == 0 and json.loads(out)["totals"] == totals[0]
    assert totals[0]["import_value_usd"] == 150
    lower = padded.assign(importer=["CHN", "chn"])
    parquet(tmp_path / "l.parquet", lower)
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "l.parquet"), *engine)
    assert code == 1 and "importer 'chn' is not an ISO alpha-3 code" in out
    flows = CliRunner().invoke(cli, ["flows", str(tmp_path / "l.parquet")])
    assert flows.exit_code == 1 and "'chn'" in flows.output


def test_a_hive_folder_of_an_impossible_country_is_named_not_skipped(tmp_path: Path) -> None:
    rows = rows_of(OK_TABLE).drop(columns=["importer"]).iloc[[0]]
    parquet(tmp_path / "d" / "importer=%00" / "a.parquet", rows)
    parquet(tmp_path / "d" / "importer=CHN" / "a.parquet", rows)
    code, out = run_json(tmp_path, "--trade", str(tmp_path / "d"))
    assert code == 1 and "is not an ISO alpha-3 code" in out


# --- rank: memory grows with the exemptions, not with their square


def many_exemptions(tmp_path: Path, n: int) -> Path:
    codes = ["8542", "1201", "8471", "3004", "2709", "8802", "2901"]
    path = tmp_path / "many.yaml"
    path.write_text(
        "name: s\nimporter: CHN\nlayers: [{name: r, rate: 10%}]\nexemptions:\n"
        + "".join(f'  - {{name: e{i}, hs: ["{codes[i % 7]}"], share: {1 + i % 99}%}}\n' for i in range(n))
    )
    return path


def test_rank_in_slices_gives_the_same_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import simulator.analysis.rank as ranking

    scenario = load_scenario(many_exemptions(tmp_path, 40))
    whole = ranking.rank(scenario)
    monkeypatch.setattr(ranking, "VARIANT_CELLS", 7)  # one variant per slice
    sliced = ranking.rank(scenario)
    pd.testing.assert_frame_equal(whole.exemptions, sliced.exemptions)
    pd.testing.assert_frame_equal(whole.candidates, sliced.candidates)


def test_rank_of_thousands_of_exemptions_stays_small(tmp_path: Path) -> None:
    import tracemalloc

    from simulator.analysis.rank import rank

    scenario = load_scenario(many_exemptions(tmp_path, 2000))
    rank(scenario)  # the table is read and cached first
    tracemalloc.start()
    try:
        ranked = rank(scenario)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(ranked.exemptions) == 2000
    assert peak < 200e6, f"{peak / 1e6:.0f} MB"  # one matrix of all variants took 306 MB here, 6 GiB at 20,000


def test_comparing_hundreds_of_scenarios_warns_of_nothing(tmp_path: Path) -> None:
    import warnings

    from simulator.analysis.compare import compare
    from simulator.output.comparison import COMPARE_RENDERERS

    base = load_scenario("exempt_chips")
    from simulator.scenario.load import with_rates

    scenarios = [with_rates(base, {"retaliation": i / 100}) for i in range(150)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comparison = compare(scenarios)
        for render in COMPARE_RENDERERS.values():
            render(comparison)


def test_messages_name_bundled_files_by_name_not_by_their_installed_path(tmp_path: Path) -> None:
    from simulator.bundled import SCENARIOS, shown

    assert shown(SCENARIOS / "exempt_chips.yaml") == "exempt_chips (bundled)"
    assert shown(SCENARIOS / "paths" / "us_on_china_escalation.yaml") == "paths/us_on_china_escalation (bundled)"
    assert shown(SCENARIOS / "measures" / "us_section232_copper.csv") == "measures/us_section232_copper.csv (bundled)"
    assert shown(tmp_path / "mine.yaml") == str(tmp_path / "mine.yaml")
    with pytest.raises(ScenarioError) as caught:  # a bundled scenario's error, as a broken install would give it
        from simulator.scenario.reader import Reader

        reader = Reader(SCENARIOS / "exempt_chips.yaml")
        reader.fail(None, "layers[0].rate", "example", line=3)
        raise ScenarioError(reader.problems)
    assert str(caught.value).startswith("exempt_chips (bundled):3: layers[0].rate")
