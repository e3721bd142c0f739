"""Trade response, rate sweeps, uncertainty draws and rankings."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import ScenarioError, load_scenario, simulate
from simulator.analysis.draws import draw
from simulator.analysis.rank import rank
from simulator.analysis.sweep import sweep
from simulator.bundled import SCENARIOS
from simulator.cli import cli
from simulator.engine.batch import batch_totals
from simulator.engine.evaluate import rates_at, shares_at, totals_at
from simulator.engine.prepare import prepare
from simulator.engine.response import DEFAULT_ELASTICITY, responded_value
from simulator.output.analyses import ranking_table
from simulator.scenario.load import with_rates

HEAD = "importer: CHN\nexporter: USA\ntrade: tiny.csv\n"


def test_response_hand_computed(write: Callable[..., Path]) -> None:
    path = write("r.yaml", HEAD + "layers: [{name: a, rate: 100%}]\nresponse: {elasticity: -1.0}\n")
    t = simulate(load_scenario(path)).totals
    # each line: V1 = V0 (1 + t0) / (1 + t0 + 1); duty = V1 (t0 + 1)
    lines = [(100, 0.0), (50, 0.0), (200, 0.03), (10, 0.2)]
    v1 = [v * (1 + b) / (2 + b) for v, b in lines]
    assert t["import_value_usd"] == pytest.approx(sum(v1))
    assert t["duty_usd"] == pytest.approx(sum(x * (b + 1) for x, (_, b) in zip(v1, lines, strict=True)))
    assert t["baseline_import_value_usd"] == pytest.approx(360)
    assert t["trade_change_usd"] == pytest.approx(sum(v1) - 360)


def test_elasticity_zero_equals_static_exactly(write: Callable[..., Path]) -> None:
    body = "layers: [{name: a, rate: 125%}, {name: b, rate: 10%, categories: [Soybeans]}]\nexemptions: [{name: c, hs: ['8542'], share: 60%}]\n"
    static = simulate(load_scenario(write("s.yaml", HEAD + body)))
    responding = simulate(load_scenario(write("r.yaml", HEAD + body + "response: {elasticity: 0}\n")))
    for key, value in static.totals.items():
        assert responding.totals[key] == value
    pd.testing.assert_frame_equal(static.by_category, responding.by_category[static.by_category.columns])


def test_elasticity_precedence(write: Callable[..., Path], tmp_path: Path) -> None:
    table = pd.read_csv(tmp_path / "tiny.csv", dtype=str)
    table["elasticity"] = ["-1", "", "-3", "-1", "-1"]
    table.to_csv(tmp_path / "e.csv", index=False)
    text = "importer: CHN\ntrade: e.csv\nlayers: [{name: a, rate: 50%}]\nresponse: {categories: {Meat: -0.5}}\n"
    prepared = prepare(load_scenario(write("p.yaml", text)))
    eps = dict(zip(prepared.flows["hs"].astype(str), prepared.elasticity, strict=True))  # type: ignore[arg-type]
    assert eps == {"854231": -1.0, "854232": DEFAULT_ELASTICITY, "1201": -3.0, "0201": -0.5}
    scenario = load_scenario(write("q.yaml", text.replace("{categories: {Meat: -0.5}}", "{elasticity: -2}")))
    assert set(prepare(scenario).elasticity) == {-2.0}  # type: ignore[arg-type]


def test_unknown_response_category(write: Callable[..., Path]) -> None:
    scenario = load_scenario(write("r.yaml", HEAD + "response: {categories: {Soybean: -2}}\n"))
    with pytest.raises(ScenarioError, match=r"unknown category 'Soybean'.*did you mean 'Soybeans'"):
        simulate(scenario)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0, 1e9),
    st.floats(0, 1),
    st.floats(0, 5),
    st.floats(0, 5),
    st.floats(-10, 0),
)
def test_higher_tariff_never_raises_imports(v0: float, t0: float, a1: float, a2: float, eps: float) -> None:
    low, high = sorted((a1, a2))
    v = [float(responded_value(np.array(v0), np.array(t0), np.array(x), np.array(eps))) for x in (low, high)]
    assert v[1] <= v[0] * (1 + 1e-12) + 1e-9
    assert v[0] <= v0 * (1 + 1e-12) + 1e-9


@pytest.mark.parametrize("name", ["exempt_131.yaml", "china_125_response.yaml", "us_electronics_exemption.yaml"])
def test_sweep_at_a_rate_equals_run_at_that_rate(name: str) -> None:
    scenario = load_scenario(SCENARIOS / name)
    layer = scenario.layers[-1].name
    table = sweep(scenario, layer, 0.0, 2.0, 41)
    for rate in (0.0, 0.5, 1.25, 2.0):
        row = table.iloc[int(np.argmin(np.abs(table["rate"] - rate)))]
        run = simulate(with_rates(scenario, {layer: float(row["rate"])})).totals
        for key, value in run.items():
            assert row[key] == pytest.approx(value, rel=1e-12, abs=1e-3)


def test_sweep_revenue_peaks_with_response_and_imports_fall() -> None:
    table = sweep(load_scenario(SCENARIOS / "china_125_response.yaml"), "retaliation", 0.0, 2.0, 201)
    top = int(np.argmax(table["duty_usd"]))
    assert 0 < top < len(table) - 1
    assert (np.diff(table["import_value_usd"]) <= 1e-3).all()


def test_sweep_unknown_layer() -> None:
    with pytest.raises(ScenarioError, match=r"no layer 'retalation' to sweep; did you mean 'retaliation'"):
        sweep(load_scenario(SCENARIOS / "china_125.yaml"), "retalation", 0, 1, 3)


def test_batch_matches_single_evaluation_along_a_path() -> None:
    for name in ("paths/china_on_us_deescalation.yaml", "china_125_response.yaml"):
        scenario = load_scenario(SCENARIOS / name)
        prepared = prepare(scenario)
        dates = scenario.change_dates or (None,)
        for d in dates:  # rate tables change on dates too, so a batch is at one date
            rates = np.array([rates_at(scenario, d), rates_at(scenario, d) * 0.5])
            batch = batch_totals(prepared, rates, shares_at(scenario, d), when=d)
            single = totals_at(prepared, d)
            for key, value in single.items():
                assert batch[key][0] == pytest.approx(value, rel=1e-12, abs=1e-3), (name, d, key)
            half = totals_at(
                replace(prepared, scenario=with_rates(scenario, {x.name: x.rate.at(d) * 0.5 for x in scenario.layers})),
                d,
            )
            assert batch["duty_usd"][1] == pytest.approx(half["duty_usd"], rel=1e-12, abs=1e-3)


def test_draws_all_certain_equal_the_plain_run_and_none_equal_no_exemptions() -> None:
    base = load_scenario(SCENARIOS / "exempt_131_uncertain.yaml")
    certain = replace(base, exemptions=tuple(replace(x, probability=1.0) for x in base.exemptions))
    never = replace(base, exemptions=tuple(replace(x, probability=0.0) for x in base.exemptions))
    plain = simulate(base).totals
    d = draw(certain, 50, 1).samples
    assert d["duty_usd"].to_numpy() == pytest.approx(np.full(50, plain["duty_usd"]), rel=1e-12)
    d0 = draw(never, 50, 1).samples
    assert d0["duty_usd"].to_numpy() == pytest.approx(np.full(50, plain["duty_without_exemptions_usd"]), rel=1e-12)
    assert (d0["exempted_value_usd"] == 0).all()


def test_same_seed_same_numbers_and_sensible_spread() -> None:
    scenario = load_scenario(SCENARIOS / "exempt_131_uncertain.yaml")
    a, b = draw(scenario, 2000, 42), draw(scenario, 2000, 42)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert not draw(scenario, 2000, 43).samples.equals(a.samples)
    p = a.percentiles()
    assert p.loc["exempted_value_usd", "p5"] <= p.loc["exempted_value_usd", "p50"] <= p.loc["exempted_value_usd", "p95"]
    assert p.loc["exempted_value_usd", "p95"] <= simulate(scenario).totals["exempted_value_usd"] + 1
    granted = a.samples["granted:industrial_chemicals"].mean()
    assert granted == pytest.approx(0.5, abs=0.05)


def test_rank_alone_and_dropping_with_overlap(write: Callable[..., Path]) -> None:
    path = write(
        "k.yaml",
        HEAD
        + """
layers: [{name: a, rate: 100%}]
exemptions:
  - {name: semis, categories: [Semiconductors]}
  - {name: logic, hs: ["854231"]}
  - {name: soy, categories: [Soybeans], share: 50%}
""",
    )
    r = rank(load_scenario(path))
    x = r.exemptions.set_index("exemption")
    assert x.loc["semis", "alone_relief_usd"] == pytest.approx(150)
    assert x.loc["logic", "alone_relief_usd"] == pytest.approx(100)
    assert x.loc["semis", "dropping_costs_usd"] == pytest.approx(50)  # logic still covers 854231
    assert x.loc["logic", "dropping_costs_usd"] == pytest.approx(0)
    assert x.loc["soy", "alone_relief_usd"] == pytest.approx(100)
    assert r.total_relief == pytest.approx(250)
    c = r.candidates.set_index("category")
    assert c.loc["Soybeans", "relief_if_exempted_usd"] == pytest.approx(100)  # the other half
    assert c.loc["Meat", "relief_if_exempted_usd"] == pytest.approx(10)
    assert "Semiconductors" not in c.index  # already fully exempt
    text = ranking_table(r, 5)  # 150 + 100 + 100 of 250: the shares sum to 140%, and the table says why
    assert "It sums to 140.0%, not 100%" in text and "exemptions overlap" in text


def test_cli_sweep_rank_and_draws(tmp_path: Path) -> None:
    runner = CliRunner()
    path = str(SCENARIOS / "china_125_response.yaml")
    result = runner.invoke(cli, ["sweep", path, "--layer", "retaliation", "--steps", "11", "--charts", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "<- most duty" in result.stdout and (tmp_path / "china_125_response_sweep_retaliation.png").is_file()
    data = json.loads(runner.invoke(cli, ["sweep", path, "--layer", "retaliation", "--format", "json"]).stdout)
    assert len(data["steps"]) == 101 and 0 < data["peak_rate"] < 2
    bad = runner.invoke(cli, ["sweep", path, "--layer", "retaliation", "--to", "150"])
    assert bad.exit_code == 2 and "not a percentage" in bad.stderr
    bad = runner.invoke(cli, ["sweep", path, "--layer", "nope"])
    assert bad.exit_code == 1 and "no layer 'nope'" in bad.stderr
    result = runner.invoke(cli, ["rank", str(SCENARIOS / "exempt_131.yaml"), "--top", "3"])
    assert (
        result.exit_code == 0 and "What each exemption is worth" in result.stdout and "pharmaceuticals" in result.stdout
    )
    uncertain = str(SCENARIOS / "exempt_131_uncertain.yaml")
    result = runner.invoke(cli, ["run", uncertain, "--draws", "500", "--seed", "3", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["uncertainty"]["draws"] == 500 and set(data["uncertainty"]["percentiles"]["duty_usd"]) == {
        "p5",
        "p50",
        "p95",
        "mean",
    }
    again = json.loads(
        runner.invoke(cli, ["run", uncertain, "--draws", "500", "--seed", "3", "--format", "json"]).stdout
    )
    assert again["uncertainty"] == data["uncertainty"]
    result = runner.invoke(cli, ["run", uncertain, "--draws", "200", "--charts", str(tmp_path)])
    assert "5th pct" in result.stdout and (tmp_path / "exempt_131_uncertain_draws.png").is_file()
    assert "drawing" not in result.stderr  # no progress bar when stderr is not a terminal
