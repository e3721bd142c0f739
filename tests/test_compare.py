"""Comparing scenarios and paths; golden outputs for the bundled 2025 paths."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator import load_scenario, simulate
from simulator.analysis.compare import compare
from simulator.bundled import SCENARIOS, TRADE_TABLE
from simulator.cli import cli
from simulator.output.comparison import compare_dict
from simulator.output.result import to_dict

PATHS = SCENARIOS / "paths"
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TARIFFSIM_UPDATE_GOLDEN") == "1"


def test_self_comparison_has_zero_differences() -> None:
    s = load_scenario(PATHS / "china_on_us_escalation.yaml")
    c = compare([s, s])
    assert (c.differences.drop(columns=["label", "direction"]).to_numpy() == 0).all()
    assert c.parting == {c.labels[1]: None}
    assert c.labels == ("china_on_us_escalation", "china_on_us_escalation #2")


def test_paths_part_where_they_should() -> None:
    esc, de, none = (
        load_scenario(PATHS / f"china_on_us_{n}.yaml") for n in ("escalation", "deescalation", "no_exemptions")
    )
    c = compare([esc, de, none])
    assert c.parting == {"china_on_us_deescalation": date(2025, 5, 14), "china_on_us_no_exemptions": date(2025, 4, 25)}
    steps = c.timeline.pivot(index="date", columns="label", values="duty_relief_usd")
    assert steps.loc[date(2025, 4, 12)].max() == 0  # before the exemptions
    exempted = c.timeline.pivot(index="date", columns="label", values="exempted_value_usd")
    # every exemption waives the whole April layer: relief is that layer's rate on the exempted value
    assert steps.loc[date(2025, 4, 25), "china_on_us_escalation"] == pytest.approx(
        1.25 * exempted.loc[date(2025, 4, 25), "china_on_us_escalation"]
    )
    assert steps.loc[date(2025, 5, 14), "china_on_us_deescalation"] == pytest.approx(
        0.10 * exempted.loc[date(2025, 5, 14), "china_on_us_deescalation"]
    )


def test_dated_path_at_each_date_equals_the_constant_scenario(write: Callable[..., Path]) -> None:
    """A dated scenario at date D equals the constant-rate scenario with the rates in force at D."""
    dated = load_scenario(
        write(
            "d.yaml",
            f"""
            name: d
            importer: USA
            exporter: CHN
            trade: {TRADE_TABLE.as_posix()}
            layers:
              - {{name: fentanyl, rate: {{2025-02-04: 10%, 2025-03-04: 20%, 2025-11-10: 10%}}}}
              - {{name: reciprocal, rate: {{2025-04-05: 10%, 2025-04-09: 84%, 2025-04-10: 125%, 2025-05-14: 10%}}}}
            exemptions:
              - {{name: electronics, layers: [reciprocal], hs: ["8471", "851713", "8542"], share: {{2025-04-11: 100%}}}}
              - {{name: half, hs: ["94"], share: {{2025-03-01: 50%, 2025-06-01: 25%}}}}
            """,
        )
    )
    for when in dated.change_dates:
        layers = "\n".join(f"  - {{name: {x.name}, rate: {x.rate.at(when) * 100:.10g}%}}" for x in dated.layers)
        text = (
            f"importer: USA\nexporter: CHN\ntrade: {TRADE_TABLE.as_posix()}\nlayers:\n{layers}\nexemptions:\n"
            f'  - {{name: electronics, layers: [reciprocal], hs: ["8471", "851713", "8542"], '
            f"share: {dated.exemptions[0].share.at(when) * 100:.10g}%}}\n"
            f'  - {{name: half, hs: ["94"], share: {dated.exemptions[1].share.at(when) * 100:.10g}%}}\n'
        )
        constant = simulate(load_scenario(write("c.yaml", text)))
        assert simulate(dated, date=when).totals == pytest.approx(constant.totals, rel=1e-12)


def test_different_directions_are_labelled() -> None:
    c = compare(
        [load_scenario(PATHS / "us_on_china_escalation.yaml"), load_scenario(PATHS / "china_on_us_escalation.yaml")]
    )
    assert c.labels == ("us_on_china_escalation (USA on CHN)", "china_on_us_escalation (CHN on USA)")
    assert not c.same_direction and c.parting == {}
    assert "Smartphones" in c.rates.index and "Soybeans" in c.rates.index


def test_constant_scenarios_say_nothing_of_parting_and_directions_say_what_compares() -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["compare", "china_125", "exempt_131"]).stdout
    assert "parts from" not in out and "never" not in out and "same duty" not in out
    assert "Note:" not in out
    assert "-$" in out  # the difference is there, and nothing says there is none
    out = runner.invoke(cli, ["compare", "china_125", "us_145"]).stdout
    assert "Note: These scenarios tax different trade (CHN on USA and USA on CHN)" in out
    assert "not as a change" in out
    md = runner.invoke(cli, ["compare", "china_125", "us_145", "--format", "markdown"]).stdout
    assert "> These scenarios tax different trade" in md
    same = runner.invoke(cli, ["compare", "paths/china_on_us_escalation", "paths/china_on_us_escalation"]).stdout
    assert "[2] levies the same duty as [1] on every change date" in same


def test_compare_cli_formats(tmp_path: Path) -> None:
    args = [str(PATHS / "china_on_us_escalation.yaml"), str(PATHS / "china_on_us_deescalation.yaml")]
    runner = CliRunner()
    result = runner.invoke(cli, ["compare", *args])
    assert result.exit_code == 0, result.output
    assert "[2] parts from [1] on 2025-05-14" in result.stdout
    assert "Step by step" in result.stdout and "<- [2] parts" in result.stdout
    result = runner.invoke(cli, ["compare", *args, "--format", "json", "--charts", str(tmp_path)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"date", "comparability_note", "scenarios", "by_category", "by_partner", "timeline"}
    assert data["date"] == "2025-11-10"
    assert data["scenarios"][1]["parts_from_first_on"] == "2025-05-14"
    pair = "compare_china_on_us_escalation_vs_china_on_us_deescalation"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{pair}_duty.png",
        f"{pair}_rates.png",
        f"{pair}_timeline.png",
    ]
    other = runner.invoke(cli, ["compare", "exempt_chips", "china_125", "--charts", str(tmp_path)])
    assert other.exit_code == 0 and len(list(tmp_path.iterdir())) == 5  # another comparison's charts beside them
    for fmt in ("csv", "markdown"):
        assert runner.invoke(cli, ["compare", *args, "--format", fmt]).exit_code == 0


def test_compare_charts_plot_every_path() -> None:
    charts = pytest.importorskip("simulator.output.charts")
    c = compare(
        [load_scenario(PATHS / "us_on_china_escalation.yaml"), load_scenario(PATHS / "us_on_china_deescalation.yaml")]
    )
    fig = charts.plot_compare_timeline(c)
    labels = [
        str(line.get_label()).replace("\n", " ")
        for line in fig.axes[0].get_lines()
        if not str(line.get_label()).startswith("_")
    ]
    assert labels == [  # the scenarios' own names, not their file names
        "[1] US on Chinese goods, 2025 escalation (rates stay)",
        "[2] US on Chinese goods, 2025 de-escalation (Geneva, then Busan)",  # whole, wrapped: never cut
    ]
    fig = charts.plot_compare_rates(c)
    assert len(fig.axes[0].patches) == 2 * 12  # a slide: the 12 largest categories
    values = [t.get_text() for t in fig.axes[0].texts]
    assert len([v for v in values if v.endswith("%")]) == 2 * 12  # every bar says its value, 0% included


def _approx(value: Any, key: str = "") -> Any:
    """Floats to 1e-9 relative; money also to a dollar, since a difference of sums in trillions (trade
    diverted, which nets to zero) carries float noise of a thousandth of a dollar."""
    if isinstance(value, dict):
        return {k: _approx(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_approx(v, key) for v in value]
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1.0 if key.endswith("_usd") else 1e-6)
    return value


GOLDEN_CASES = sorted(PATHS.glob("*.yaml"))


@pytest.mark.parametrize("path", GOLDEN_CASES, ids=[p.stem for p in GOLDEN_CASES])
def test_golden_path_outputs(path: Path) -> None:
    """Bundled path results are pinned; regenerate on purpose with `make golden`."""
    data = to_dict(simulate(load_scenario(path)))
    golden = GOLDEN / f"{path.stem}.json"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(data, indent=2) + "\n")
    assert golden.is_file(), f"missing {golden}; run `make golden`"
    assert data == _approx(json.loads(golden.read_text()))


def test_golden_comparison() -> None:
    names = ["china_on_us_escalation", "china_on_us_deescalation", "us_on_china_escalation", "us_on_china_deescalation"]
    data = compare_dict(compare([load_scenario(PATHS / f"{n}.yaml") for n in names]))
    golden = GOLDEN / "compare_paths.json"
    if UPDATE:
        golden.write_text(json.dumps(data, indent=2) + "\n")
    assert data == _approx(json.loads(golden.read_text()))
