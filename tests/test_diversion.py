"""Trade diversion between partners (response.substitution): exact special cases, a hand-computed case,
and the property that diversion only moves trade between partners."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import ScenarioError, load_scenario, simulate
from simulator.analysis.sweep import sweep
from simulator.cli import cli
from simulator.scenario.model import Layer, Response, Scenario, Schedule, Selector

# Two products (0101, 0202) from two partners (XXX, YYY); a 100% layer on XXX only.
TABLE = pd.DataFrame(
    {
        "exporter": ["XXX", "YYY", "XXX", "YYY"],
        "importer": "USA",
        "hs": ["0101", "0101", "0202", "0202"],
        "category": ["A", "A", "B", "B"],
        "value_usd": [100.0, 100.0, 50.0, 150.0],
        "base_rate": 0.0,
    }
)


def _scenario(response: Response | None, rate: float = 1.0) -> Scenario:
    return Scenario(
        name="t",
        importer="USA",
        exporter=None,
        layers=(Layer("x", Schedule.constant(rate), Selector(partners=("XXX",))),),
        exemptions=(),
        response=response,
    )


def test_a_hand_computed_case() -> None:
    result = simulate(_scenario(Response(elasticity=-1.0, substitution=2.0)), TABLE)
    # creation: XXX's price doubles, so its lines halve: 0101 50 and 100, 0202 25 and 150.
    # diversion in 0101: weights 50 * 2**-2 = 12.5 and 100; the 150 shared: XXX 16.667, YYY 133.333.
    # in 0202: weights 6.25 and 150; the 175 shared: XXX 7, YYY 168.
    by = result.by_partner.set_index("partner")
    assert by.loc["XXX", "import_value_usd"] == pytest.approx(150 / 9 + 7)
    assert by.loc["YYY", "import_value_usd"] == pytest.approx(400 / 3 + 168)
    assert by.loc["XXX", "trade_creation_usd"] == pytest.approx(-75)
    assert by.loc["YYY", "trade_creation_usd"] == pytest.approx(0)
    assert by.loc["XXX", "trade_diversion_usd"] == pytest.approx((150 / 9 - 50) + (7 - 25))
    assert by.loc["YYY", "trade_diversion_usd"] == pytest.approx(-by.loc["XXX", "trade_diversion_usd"])
    t = result.totals
    assert t["import_value_usd"] == pytest.approx(325) and t["trade_creation_usd"] == pytest.approx(-75)
    assert t["trade_diversion_usd"] == pytest.approx(0, abs=1e-9)
    assert t["duty_usd"] == pytest.approx((150 / 9 + 7) * 1.0)
    shifts = result.shifts
    assert list(shifts[["from", "to"]].itertuples(index=False, name=None)) == [("XXX", "YYY")]
    assert shifts["value_usd"].iloc[0] == pytest.approx(50 - 150 / 9 + 25 - 7)


def test_zero_substitution_is_the_constant_elasticity_response_exactly() -> None:
    alone = simulate(_scenario(Response(elasticity=-2.0)), TABLE)
    diverting = simulate(_scenario(Response(elasticity=-2.0, substitution=0.0)), TABLE)
    for key, value in alone.totals.items():
        assert diverting.totals[key] == value
    assert diverting.totals["trade_diversion_usd"] == 0
    columns = list(alone.by_partner.columns)
    pd.testing.assert_frame_equal(alone.by_partner, diverting.by_partner[columns])


def test_both_zero_is_the_static_result_exactly() -> None:
    static = simulate(_scenario(None), TABLE)
    both = simulate(_scenario(Response(elasticity=0.0, substitution=0.0)), TABLE)
    for key, value in static.totals.items():
        assert both.totals[key] == value


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["0101", "0202", "0303"]), st.sampled_from(["AAA", "BBB", "CCC"]), st.floats(1, 1e6)),
        min_size=1,
        max_size=9,
        unique_by=lambda r: (r[0], r[1]),
    ),
    rates=st.tuples(st.floats(0, 2), st.floats(0, 2), st.floats(0, 2)),
    eps=st.floats(-4, 0),
    sigma=st.floats(0, 6),
)
def test_diversion_moves_trade_between_partners_and_never_changes_the_total(
    rows: list[tuple[str, str, float]], rates: tuple[float, float, float], eps: float, sigma: float
) -> None:
    frame = pd.DataFrame(
        {
            "exporter": [p for _, p, _ in rows],
            "importer": "USA",
            "hs": [h for h, _, _ in rows],
            "category": "A",
            "value_usd": [v for *_, v in rows],
            "base_rate": 0.05,
        }
    )
    layers = tuple(
        Layer(f"l{i}", Schedule.constant(r), Selector(partners=(p,)))
        for i, (p, r) in enumerate(zip(("AAA", "BBB", "CCC"), rates, strict=True))
    )
    scenario = replace(_scenario(Response(elasticity=eps, substitution=sigma)), layers=layers)
    result = simulate(scenario, frame)
    t = result.totals
    plain = simulate(replace(scenario, response=Response(elasticity=eps)), frame).totals
    # the total is what creation alone gives: diversion only moves trade between partners
    assert t["import_value_usd"] == pytest.approx(plain["import_value_usd"], rel=1e-9)
    assert t["trade_creation_usd"] == pytest.approx(plain["trade_change_usd"], rel=1e-9, abs=1e-6)
    assert abs(t["trade_diversion_usd"]) <= 1e-9 * t["baseline_import_value_usd"]
    # and in each product: the partner whose price rose least never loses by it
    by = result.by_partner.set_index("partner")
    rate = dict(zip(("AAA", "BBB", "CCC"), rates, strict=True))
    products = {h for h, _, _ in rows}
    if len(products) == 1:
        cheapest = min({p for _, p, _ in rows}, key=lambda p: rate[p])
        assert by.loc[cheapest, "trade_diversion_usd"] >= -1e-9 * t["baseline_import_value_usd"]
    assert np.isfinite(result.shifts["value_usd"]).all()


def test_a_sweep_diverts_as_a_run_does() -> None:
    scenario = _scenario(Response(elasticity=-1.5, substitution=1.5))
    table = sweep(scenario, "x", 0.0, 2.0, 5, flows=TABLE)
    for _, row in table.iterrows():
        run = simulate(_scenario(scenario.response, rate=float(row["rate"])), TABLE).totals
        for key in ("import_value_usd", "duty_usd", "trade_creation_usd", "trade_diversion_usd", "duty_relief_usd"):
            assert row[key] == pytest.approx(run[key], rel=1e-9, abs=1e-9)


def test_yaml_and_its_errors(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    TABLE.to_csv(folder / "t.csv", index=False)
    head = "importer: USA\ntrade: t.csv\nlayers: [{name: x, rate: 100%, partners: [XXX]}]\n"
    good = folder / "g.yaml"
    good.write_text(head + "response: {elasticity: -1, substitution: 0.5, categories: {A: {substitution: 2}, B: -3}}\n")
    scenario = load_scenario(good)
    assert scenario.response is not None and scenario.response.substitution == 0.5
    assert scenario.response.substitution_categories == (("A", 2.0),) and scenario.response.categories == (("B", -3.0),)
    bad = folder / "b.yaml"
    bad.write_text(head + "response: {substitution: -1}\n")
    with pytest.raises(ScenarioError, match=r"response\.substitution.*0 to 20"):
        load_scenario(bad)
    bad.write_text(head + "response: {categories: {A: {sigma: 2}}}\n")
    with pytest.raises(ScenarioError, match="unknown key 'sigma'"):
        load_scenario(bad)


def test_every_format_says_what_moved() -> None:
    runner = CliRunner()
    args = ["run", "paths/us_all_partners_diversion", "--date", "2025-05-01"]
    text = runner.invoke(cli, args).output
    assert "diversion moves" in text and "Trade moved between partners" in text and "Largest shifts" in text
    data = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    assert data["shifts"][0]["from"] == "CHN" and data["shifts"][0]["value_usd"] > 0
    assert abs(data["totals"]["trade_diversion_usd"]) < 1e-6 * data["totals"]["baseline_import_value_usd"]
    china = next(p for p in data["by_partner"] if p["partner"] == "CHN")
    assert (
        china["trade_diversion_usd"]
        < 0
        < next(p for p in data["by_partner"] if p["partner"] == "VNM")["trade_diversion_usd"]
    )
    assert (
        "trade_diversion_usd" in runner.invoke(cli, [*args, "--format", "csv", "--by", "partner"]).output.split("\n")[0]
    )


def test_the_docs_figures_are_the_engines() -> None:
    """docs/diversion.md quotes the world path's shifts at three dates: they must be current."""
    import datetime
    import re
    from pathlib import Path

    from simulator.engine.evaluate import evaluate
    from simulator.engine.prepare import prepare

    text = (Path(__file__).resolve().parent.parent / "docs" / "diversion.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| (2025-\d\d-\d\d) \| ([A-Z]{3}) \| ([\d.]+) \| ([-+\d.]+) \| ([-+\d.]+) \| ([-+\d.]+)% \|$", text, re.M
    )
    assert len(rows) == 5
    prepared = prepare(load_scenario("paths/us_all_partners_diversion"))
    for when, partner, before, creation, diversion, change in rows:
        p = (
            evaluate(prepared, datetime.date.fromisoformat(when), timeline=False)
            .by_partner.set_index("partner")
            .loc[partner]
        )
        assert f"{p['baseline_import_value_usd'] / 1e9:.1f}" == before
        assert f"{p['trade_creation_usd'] / 1e9:.1f}" == creation
        assert (
            f"{p['trade_diversion_usd'] / 1e9:+.1f}".replace("+-", "-") == diversion
            or f"{p['trade_diversion_usd'] / 1e9:.1f}" == diversion
        )
        assert f"{(p['import_value_usd'] / p['baseline_import_value_usd'] - 1) * 100:.1f}" == change


def test_the_explorers_slider_sets_the_substitution() -> None:
    from simulator.explore.figures import diversion_line
    from simulator.explore.settings import apply, controls, initial

    scenario = _scenario(Response(elasticity=-1.0, substitution=2.0))
    start = controls(scenario, None)
    assert start.several and start.substitution == 2.0 and apply(scenario, initial(scenario, None)) == scenario
    moved = apply(scenario, replace(initial(scenario, None), substitution=0.0))
    assert moved.response == Response(elasticity=-1.0, substitution=0.0)
    alone = simulate(_scenario(Response(elasticity=-1.0)), TABLE).totals
    assert simulate(moved, TABLE).totals["import_value_usd"] == alone["import_value_usd"]
    hand = simulate(scenario, TABLE)
    line = diversion_line(hand)
    assert "diversion moves $51" in line and "most from XXX" in line and "most to YYY" in line
    none = _scenario(None)
    assert controls(none, None).substitution == 0.0 and apply(none, initial(none, None)) == none
    assert not controls(replace(none, exporter="XXX"), None).several  # one partner: nothing to divert between


def test_the_chart_of_what_moved_is_drawn_only_where_partners_compete() -> None:
    from simulator.output import charts

    result = simulate(_scenario(Response(elasticity=-1.0, substitution=2.0)), TABLE)
    fig = charts.figures(result)["diversion"]
    texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "Trade moved between partners: $51" in texts and "XXX" in texts and "YYY" in texts
    bars = sorted(b.get_width() for b in fig.axes[0].patches)
    assert bars == pytest.approx(sorted([-(50 - 150 / 9 + 25 - 7) / 1e9, (50 - 150 / 9 + 25 - 7) / 1e9]))
    assert "diversion" not in charts.figures(simulate(_scenario(Response(elasticity=-1.0)), TABLE))


@pytest.mark.parametrize("response", ["", "response: {elasticity: -1, substitution: 2}\n"])
def test_a_parquet_table_keeps_partners_apart_when_rules_tell_them_apart(
    tmp_path: pytest.TempPathFactory, response: str
) -> None:
    """The Parquet reducer sums exporters together: a scenario naming partners (or diverting between
    them) reads the lines whole, and gets the CSV's figures; the dask engine, which sums, refuses."""
    from pathlib import Path

    folder = Path(str(tmp_path))
    table = TABLE.assign(exporter=["CHN", "VNM", "CHN", "VNM"])
    table.to_csv(folder / "t.csv", index=False)
    table.to_parquet(folder / "t.parquet", index=False)
    body = "importer: USA\nlayers: [{name: x, rate: 100%, partners: [CHN]}]\n" + response
    results = []
    for name in ("t.csv", "t.parquet"):
        (folder / f"{name}.yaml").write_text(f"trade: {name}\n" + body)
        results.append(simulate(load_scenario(folder / f"{name}.yaml")))
    assert results[1].totals == pytest.approx(results[0].totals)
    assert results[1].totals["duty_usd"] > 0
    pd.testing.assert_frame_equal(results[0].by_partner, results[1].by_partner)
    dask = pytest.importorskip("dask")
    assert dask is not None
    from simulator.engine.dask_runner import simulate_dask
    from simulator.errors import FlowsError

    with pytest.raises(FlowsError, match="the dask engine sums every exporter together"):
        simulate_dask(load_scenario(folder / "t.parquet.yaml"), folder / "t.parquet")


def test_a_saved_experiment_keeps_its_substitution(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from simulator.scenario.extension import extension_yaml

    folder = Path(str(tmp_path))
    TABLE.to_csv(folder / "t.csv", index=False)
    base_file = folder / "base.yaml"
    base_file.write_text(
        "importer: USA\ntrade: t.csv\nlayers: [{name: x, rate: 100%, partners: [XXX]}]\n"
        "response: {elasticity: -1, categories: {A: {elasticity: -2, substitution: 3}}}\n"
    )
    base = load_scenario(base_file)
    assert base.response is not None
    changed = replace(base, response=replace(base.response, substitution=0.5))
    saved = folder / "saved.yaml"
    saved.write_text(extension_yaml(base, changed, saved, name="saved"))
    again = load_scenario(saved)
    assert again.response == replace(changed.response, where=again.response.where if again.response else "")
    assert simulate(again).totals == pytest.approx(simulate(changed, TABLE).totals)
