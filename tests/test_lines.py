"""The line export: every line with its rates, exemptions and duty, summing to the run's totals."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator import load_scenario, simulate
from simulator.analysis.lines import lines
from simulator.cli import cli
from simulator.errors import ProblemsError


@pytest.mark.parametrize(
    "name", ["exempt_131", "china_125_response", "paths/us_on_china_escalation", "paths/us_ieepa_all_partners_2025"]
)
def test_the_lines_sum_to_the_runs_totals(name: str) -> None:
    scenario = load_scenario(name)
    table = lines(scenario)
    totals = simulate(scenario).totals
    for column, key in (
        ("duty_usd", "duty_usd"),
        ("exempted_value_usd", "exempted_value_usd"),
        ("duty_without_exemptions_usd", "duty_without_exemptions_usd"),
        ("duty_relief_usd", "duty_relief_usd"),
    ):
        assert table[column].sum() == pytest.approx(totals[key], rel=1e-9, abs=1e-3), column
    assert table["value_usd"].sum() == pytest.approx(
        totals.get("baseline_import_value_usd", totals["import_value_usd"])
    )


def test_a_hand_computed_line(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        "exporter,importer,hs,category,value_usd,base_rate\nUSA,CHN,854231,Chips,100,0.02\nUSA,CHN,1201,Soy,50,0.03\n"
    )
    (tmp_path / "s.yaml").write_text(
        "name: s\nimporter: CHN\ntrade: t.csv\nlayers: [{name: r, rate: 125%}, {name: x, rate: 10%}]\n"
        'exemptions: [{name: chips, layers: [r], hs: ["8542"], share: 40%}]\n'
    )
    table = lines(load_scenario(tmp_path / "s.yaml")).set_index("hs")
    chip = table.loc["854231"]
    assert chip["rate:r"] == 1.25 and chip["waived:r"] == 0.4 and chip["waived:x"] == 0
    assert chip["exemptions"] == "chips"
    assert chip["duty_usd"] == pytest.approx(100 * (0.02 + 1.25 * 0.6 + 0.10))
    assert chip["exempted_value_usd"] == pytest.approx(40)
    assert chip["duty_relief_usd"] == pytest.approx(100 * 1.25 * 0.4)
    assert table.loc["1201", "exemptions"] == "" and table.loc["1201", "duty_usd"] == pytest.approx(50 * 1.38)
    assert list(table.index) == ["854231", "1201"]  # largest relief first


def test_filters_and_unknown_names() -> None:
    scenario = load_scenario("paths/us_ieepa_all_partners_2025")
    vietnam = lines(scenario, partners=["VNM"], hs=["8517"])
    assert set(vietnam["partner"]) == {"VNM"} and vietnam["hs"].str.startswith("8517").all()
    only = lines(load_scenario("exempt_131"), exempted=True)
    assert (only["exempted_value_usd"] > 0).all() and len(only) < 4438
    with pytest.raises(ProblemsError, match="did you mean 'Semiconductors'"):
        lines(load_scenario("exempt_chips"), categories=["Semiconductor"])


def test_lines_cli_writes_csv_parquet_and_xlsx(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["lines", "exempt_chips", "--exempted"])
    assert out.exit_code == 0
    frame = pd.read_csv(io.StringIO(out.stdout), dtype={"hs": str})
    assert set(frame["exemptions"]) == {"chips"} and frame["hs"].str.startswith("8542").all()
    for suffix in ("parquet", "xlsx", "csv"):
        target = tmp_path / f"l.{suffix}"
        done = runner.invoke(cli, ["lines", "exempt_chips", "--category", "Semiconductors", "-o", str(target)])
        assert done.exit_code == 0 and target.is_file(), done.output
    assert len(pd.read_parquet(tmp_path / "l.parquet")) == len(pd.read_csv(tmp_path / "l.csv"))
    pytest.importorskip("openpyxl")
    book = pd.read_excel(tmp_path / "l.xlsx", sheet_name=None)
    assert list(book) == ["lines"] and pd.api.types.is_float_dtype(book["lines"]["duty_usd"])
    refused = runner.invoke(cli, ["lines", "exempt_chips", "--format", "xlsx"])
    assert refused.exit_code == 2 and "-o FILE.xlsx" in refused.output


def test_run_and_compare_write_workbooks_with_numbers_as_numbers(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    runner = CliRunner()
    done = runner.invoke(
        cli, ["run", "paths/china_on_us_deescalation", "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")]
    )
    assert done.exit_code == 0, done.output
    book = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert {"totals", "by_category", "by_layer", "timeline"} <= set(book)
    result = simulate(load_scenario("paths/china_on_us_deescalation"))
    assert book["totals"]["duty_usd"].iloc[0] == pytest.approx(result.totals["duty_usd"])
    done = runner.invoke(
        cli, ["compare", "exempt_chips", "china_125", "--format", "xlsx", "-o", str(tmp_path / "c.xlsx")]
    )
    assert done.exit_code == 0
    assert "rates_by_category" in pd.read_excel(tmp_path / "c.xlsx", sheet_name=None)
