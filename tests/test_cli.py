"""The command line: exit codes, formats, identical numbers to the API, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import load_flows, load_scenario, simulate
from simulator.bundled import SCENARIOS
from simulator.cli import cli
from simulator.units import usd

CHIPS = str(SCENARIOS / "exempt_chips.yaml")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_run_table_headline_first() -> None:
    code, out, _ = invoke("run", CHIPS)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "China exempts US chips from its 125% tariff"
    assert "Effective rate" in lines[3]
    exports = load_flows().query("importer == 'CHN'")["value_usd"].sum()
    assert "Semiconductors" in out and f"{usd(exports)} of imports" in out


def test_run_json_matches_api() -> None:
    code, out, _ = invoke("run", CHIPS, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "scenario",
        "importer",
        "exporter",
        "date",
        "base",
        "totals",
        "ranges",
        "by_category",
        "by_partner",
        "by_layer",
        "timeline",
        "shifts",
        "warnings",
        "notes",
    }
    api = simulate(load_scenario(CHIPS))
    assert data["totals"] == pytest.approx(api.totals)
    assert data["ranges"] == {k: pytest.approx(list(v)) for k, v in api.ranges.items()}
    assert data["importer"] == "CHN" and data["exporter"] == "USA" and data["date"] is None
    assert {"category", "import_value_usd", "duty_usd", "effective_rate", "exempted_value_usd"} <= set(
        data["by_category"][0]
    )
    assert [row["layer"] for row in data["by_layer"]] == ["base_rate", "retaliation"]
    assert set(data["by_layer"][0]) == {"layer", "duty_usd", "exempted_value_usd", "duty_relief_usd"}


def test_run_csv_and_markdown(tmp_path: Path) -> None:
    out_file = tmp_path / "r.csv"
    code, _, err = invoke("run", CHIPS, "--format", "csv", "--output", str(out_file))
    assert code == 0 and "wrote" in err
    text = out_file.read_text()
    assert text.splitlines()[0].startswith("scenario,date,base,category,import_value_usd,duty_usd,effective_rate")
    assert text.splitlines()[-1].startswith("China exempts US chips from its 125% tariff,,collected,Total,")
    code, out, _ = invoke("run", CHIPS, "--format", "markdown")
    assert code == 0 and out.startswith("# China exempts") and "| Semiconductors |" in out


def test_dated_run_has_timeline(write: Callable[..., Path]) -> None:
    path = write(
        "d.yaml", "importer: CHN\ntrade: tiny.csv\nlayers: [{name: a, rate: {2025-04-10: 84%, 2025-04-12: 125%}}]\n"
    )
    code, out, _ = invoke("run", str(path), "--date", "2025-04-11", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["date"] == "2025-04-11"
    assert [r["date"] for r in data["timeline"]] == ["2025-04-10", "2025-04-12"]
    code, out, _ = invoke("run", str(path))
    assert code == 0
    assert "Timeline" in out and "2025-04-12" in out


def test_bad_scenario_exit_1_no_traceback(write: Callable[..., Path]) -> None:
    path = write("bad.yaml", "importer: CHN\ntrade: tiny.csv\nlayers: [{name: a, rate: 125}]\n")
    code, out, err = invoke("run", str(path))
    assert code == 1
    assert "bad.yaml:3: layers[0].rate" in err and "Traceback" not in err + out


def test_usage_errors_exit_2() -> None:
    assert invoke("run", CHIPS, "--date", "April")[0] == 2
    assert invoke("run", CHIPS, "--format", "xml")[0] == 2
    assert invoke("run")[0] == 2


def test_missing_scenario_file_exit_1(tmp_path: Path) -> None:
    code, _, err = invoke("run", str(tmp_path / "nope.yaml"))
    assert code == 1 and "no such scenario file" in err


def test_validate_reports_every_file(write: Callable[..., Path]) -> None:
    good = write("good.yaml", "importer: CHN\ntrade: tiny.csv\nexemptions: [{name: x, hs: ['9999']}]\n")
    bad = write(
        "bad.yaml",
        "importer: CHN\ntrade: tiny.csv\nlayers: [{name: a, rate: 1}]\nexemptions: [{name: e, categories: [Soybean]}]\n",
    )
    code, out, err = invoke("validate", str(good), str(bad))
    assert code == 1
    assert "ok   " in out and "warning: x: HS prefix '9999' matches no line" in out
    assert "FAIL" in err and "1 of 2 scenarios failed" in err


def test_list_and_version() -> None:
    code, out, _ = invoke("list")
    assert code == 0 and "exempt_chips " in out and "China exempts US chips" in out
    assert "paths/us_on_china_escalation " in out
    code, out, _ = invoke("--version")
    assert code == 0 and "tariffsim" in out


def test_flows_summary() -> None:
    code, out, _ = invoke("flows")
    assert code == 0
    table = load_flows()
    part = table[table.importer == "CHN"]
    assert (
        f"CHN from USA: {len(part):,} lines, {part.category.nunique()} categories, {usd(part.value_usd.sum())}" in out
    )
    us = table[table.importer == "USA"]
    assert f"USA from 198 partners: {len(us):,} lines, {us.category.nunique()} categories, $3,251.2B" in out
    china = us[us.exporter == "CHN"]
    assert f"  CHN China: {len(china):,} lines, {usd(china.value_usd.sum())}" in out
    assert "  EUN European Union (27 members):" in out
    assert "188 other partners:" in out
    assert "sources: census_hs10 " in out and "census_hs2 " in out  # which lines are statistics, which estimates
    assert "estimate_2017_shares 3,931 lines" in out


def test_output_not_left_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", boom)
    code, _, err = invoke("run", CHIPS, "--format", "json", "--output", str(target))
    monkeypatch.undo()
    assert code == 1 and "No space left" in err
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_csv_round_trips_to_the_json_numbers() -> None:
    import csv
    import io

    _, as_csv, _ = invoke("run", CHIPS, "--format", "csv")
    _, as_json, _ = invoke("run", CHIPS, "--format", "json")
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    data = json.loads(as_json)
    assert "e+" not in as_csv
    by_name = {r["category"]: r for r in rows}
    for expected in data["by_category"]:
        got = by_name[expected["category"]]
        for key, value in expected.items():
            if isinstance(value, float):
                assert float(got[key]) == value, (expected["category"], key)


def test_a_plain_run_says_it_grants_every_uncertain_exemption() -> None:
    result = CliRunner().invoke(cli, ["run", "exempt_131_uncertain"])
    assert result.exit_code == 0 and "this run grants them all. --draws 10000 shows the spread" in result.stderr
    result = CliRunner().invoke(cli, ["run", "exempt_131_uncertain", "--draws", "50"])
    assert "grants them all" not in result.stderr


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["run", "--help"], ["explore", "--help"]])
def test_version_and_help_import_no_heavy_library(args: list[str]) -> None:
    """They answer in tens of milliseconds only if pandas, numpy, pyarrow, matplotlib and shiny stay unloaded."""
    code = (
        "import sys\nfrom simulator.cli import main\n"
        f"sys.argv = ['tariffsim', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'numpy', 'pyarrow', 'matplotlib', 'shiny') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stderr


def test_tidy_csv_stacks_runs_of_several_scenarios_and_dates() -> None:
    import csv
    import io

    frames = []
    for args in (["exempt_chips"], ["paths/china_on_us_deescalation", "--date", "2025-05-14"]):
        code, out, _ = invoke("run", *args, "--format", "tidy")
        assert code == 0
        frames.append(list(csv.DictReader(io.StringIO(out))))
    rows = frames[0] + frames[1]
    assert set(rows[0]) == {"scenario", "date", "base", "breakdown", "item", "measure", "value"}
    assert {r["date"] for r in frames[1]} == {"2025-05-14"}
    _, as_json, _ = invoke("run", "paths/china_on_us_deescalation", "--date", "2025-05-14", "--format", "json")
    data = json.loads(as_json)
    total = {r["measure"]: float(r["value"]) for r in frames[1] if r["breakdown"] == "total"}
    bounds = {
        f"{k}_{end}": v for k, pair in data["ranges"].items() for end, v in zip(("low", "high"), pair, strict=True)
    }
    assert bounds and total == {k: v for k, v in data["totals"].items() if isinstance(v, float)} | bounds
    soy = {r["measure"]: float(r["value"]) for r in frames[1] if r["item"] == "Soybeans"}
    expected = next(c for c in data["by_category"] if c["category"] == "Soybeans")
    assert soy == {k: v for k, v in expected.items() if isinstance(v, float)}
