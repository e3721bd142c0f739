"""Rate tables, HS lists and stacking rules: hand-computed cases, loader errors, and an independent check.

The independent check recomputes duty line by line in plain Python (RateTable.rate_of for each code,
the rules applied per line, the largest exemption share per layer) and compares it with the engine
on random tables, rules and dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import ScenarioError, load_scenario, simulate
from simulator.analysis.explain import explain
from simulator.data.validate import validate_flows
from simulator.engine.evaluate import layer_sums, rates_at, shares_at, waived_share
from simulator.engine.prepare import prepare
from simulator.engine.rates import in_play, over_layers
from simulator.scenario.json_schema import scenario_schema
from simulator.scenario.model import Exemption, Layer, RateTable, Scenario, Schedule, Selector, Stacking

DEMO = """
name: stacking demo
importer: CHN
exporter: USA
trade: tiny.csv
layers:
  - {name: tiers, rates: tiers.csv}
  - {name: metals, rate: 50%, hs: ["8542"]}
  - {name: recip, rate: 20%}
exemptions:
  - {name: beef, hs_list: beef.csv, layers: [recip]}
stacking:
  - {layer: recip, yields_to: [metals]}
  - {higher_of: [tiers, metals]}
"""
TIERS = "hs,rate,from\n85,10%,\n854232,25%,\n12,5%,\n12,15%,2025-03-10\n"


@pytest.fixture
def demo(write: Callable[..., Path]) -> Path:
    write("tiers.csv", TIERS)
    write("beef.csv", "hs,note\n0201,beef\n")
    return write("s.yaml", DEMO)


def test_hand_computed_tables_rules_and_lists(demo: Path) -> None:
    # tiny table, CHN from USA: 854231 $100, 854232 $50 (base 0), 1201 $200 (base 3%), 0201 $10 (base 20%)
    # 854231: tiers 10%, metals 50%, recip 20% -> recip yields to metals; higher of 10%/50% -> 50%: $50
    # 854232: tiers 25%, metals 50% -> 50%: $25
    # 1201: tiers 5% + recip 20% + base 3% = 28% of $200: $56
    # 0201: recip 20% waived by the beef list; base 20% of $10: $2 (relief $2)
    t = simulate(load_scenario(demo), date=date(2025, 1, 1)).totals
    assert t["duty_usd"] == pytest.approx(50 + 25 + 56 + 2)
    assert t["exempted_value_usd"] == pytest.approx(10) and t["duty_relief_usd"] == pytest.approx(2)
    # from 2025-03-10 the dated row for 12 gives 15%: +10 points on $200
    assert simulate(load_scenario(demo)).totals["duty_usd"] == pytest.approx(133 + 20)


def test_table_dates_are_change_dates_and_explain_states_the_rules(demo: Path) -> None:
    scenario = load_scenario(demo)
    assert scenario.change_dates == (date(2025, 3, 10),)
    text = explain(scenario, date(2025, 1, 1))
    assert "rates by HS code from tiers.csv (4 rows, longest prefix wins)" in text
    assert "trade-weighted rate 2.9% after stacking" in text  # $200 x 5% / $350
    assert "recip is not levied where metals is in force\n    applies to 2 lines, $150" in text
    assert "where tiers or metals meet, only the highest applies" in text
    assert "the 1 HS code of beef.csv" in text


def test_a_zero_row_makes_a_line_subject_to_the_measure(write: Callable[..., Path]) -> None:
    """Steel already paying Section 232 in the base: listed at 0%, it still does not pay the reciprocal duty."""
    write("s232.csv", "hs,rate\n8542,0%\n")
    path = write(
        "s.yaml",
        "name: s\nimporter: CHN\ntrade: tiny.csv\nlayers: [{name: s232, rates: s232.csv}, {name: recip, rate: 10%}]\n"
        "stacking: [{layer: recip, yields_to: [s232]}]\n",
    )
    t = simulate(load_scenario(path)).totals
    assert t["duty_usd"] == pytest.approx(0.1 * (200 + 10) + 0.03 * 200 + 0.2 * 10)  # chips pay neither


def test_a_dated_prefix_does_not_exist_before_its_date() -> None:
    table = RateTable("t", (("84", None, 0.25), ("8471", date(2025, 4, 11), 0.0)))
    assert table.rate_of("847130", date(2025, 4, 10)) == 0.25  # the shorter prefix until then
    assert table.rate_of("847130", date(2025, 4, 11)) == 0.0
    assert table.rate_of("9403", None) is None


def test_the_schema_accepts_what_the_loader_accepts(demo: Path) -> None:
    jsonschema.validate(yaml.safe_load(demo.read_text()), scenario_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "importer": "CHN", "stacking": [{"layer": "a"}]}, scenario_schema())


@pytest.mark.parametrize(
    ("table", "extra", "fragments"),
    [
        ("hs,rate\n8542,25%\n", "", []),
        (
            "hs,rate\n201,25%\n12a,1\n8542,x\n85,-1%\n",
            "",
            [
                "row 2: hs '201' has an odd number of digits",
                "row 3: hs '12a' is not an HS code",
                "row 4: rate 'x' is not a number",
                "row 5: rate '-1%' is outside",
            ],
        ),
        (
            "hs,rate,from\n8542,25%,2025-02-30\n8542,25%,\n8542,30%,\n",
            "",
            ["row 2: from '2025-02-30' is not a date", "row 4: hs 8542 appears twice (first on row 3)"],
        ),
        ("hs,rate\n8542,25\n1201,3\n", "", ["looks like a percent"]),
        ("code,rate\n8542,25%\n", "", ["missing column(s) hs", "unknown column(s) 'code'"]),
        ("hs,rate\n8542,25%\n", "rate: 10%\n", ["give rate (one for every line) or rates (a table), not both"]),
    ],
    ids=["good", "bad rows", "dates and duplicates", "percents without a sign", "header", "rate and rates"],
)
def test_rate_table_errors(write: Callable[..., Path], table: str, extra: str, fragments: list[str]) -> None:
    write("r.csv", table)
    path = write(
        "s.yaml", f"name: s\nimporter: CHN\ntrade: tiny.csv\nlayers:\n  - name: a\n    rates: r.csv\n    {extra}"
    )
    if not fragments:
        assert load_scenario(path).layers[0].table is not None
        return
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("stacking", "fragment"),
    [
        ("[{layer: a, yields_to: [c]}]", "unknown layer 'c'"),
        ("[{layer: a, yields_to: [a]}]", "cannot yield to itself"),
        ("[{higher_of: [a]}]", "needs two or more different layers"),
        ("[{layer: a}]", "write either {layer: A, yields_to: [B, C]}"),
        ("[{layer: a, yields_to: []}]", "is empty"),
    ],
)
def test_stacking_errors(write: Callable[..., Path], stacking: str, fragment: str) -> None:
    path = write(
        "s.yaml",
        f"name: s\nimporter: CHN\ntrade: tiny.csv\nlayers: [{{name: a, rate: 1%}}, {{name: b, rate: 2%}}]\nstacking: {stacking}\n",
    )
    with pytest.raises(ScenarioError, match=fragment.replace("[", r"\[").replace("{", r"\{")):
        load_scenario(path)


def test_removing_a_layer_drops_it_from_the_rules(write: Callable[..., Path]) -> None:
    write(
        "p.yaml",
        "name: p\nimporter: CHN\ntrade: tiny.csv\nlayers: [{name: a, rate: 10%}, {name: b, rate: 20%, hs: ['8542']}]\n"
        "stacking: [{layer: a, yields_to: [b]}]\n",
    )
    child = load_scenario(write("c.yaml", "name: c\nimporter: CHN\nextends: p.yaml\nremove: [b]\n"))
    assert child.stacking == ()
    assert simulate(child).totals["duty_usd"] == pytest.approx(0.1 * 360 + 0.03 * 200 + 0.2 * 10)


def test_hs_list_errors(write: Callable[..., Path]) -> None:
    write("l.csv", "hs\n")
    path = write(
        "s.yaml",
        "name: s\nimporter: CHN\ntrade: tiny.csv\nlayers: [{name: a, rate: 1%}]\nexemptions: [{name: e, hs_list: l.csv}]\n",
    )
    with pytest.raises(ScenarioError, match="lists no code"):
        load_scenario(path)
    path = write(
        "t.yaml", "name: s\nimporter: CHN\nlayers: [{name: a, rate: 1%}]\nexemptions: [{name: e, hs_list: nope.csv}]\n"
    )
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(path)


# --- the independent check
CODES = ["0201", "1201", "120190", "8471", "847130", "8542", "854231", "854232", "9403"]
PREFIXES = ["01", "02", "12", "1201", "84", "8471", "847130", "85", "8542", "854232", "94"]
DATES = [date(2025, 1, 1), date(2025, 4, 10), date(2025, 6, 1)]


def brute_force(scenario: Scenario, flows: pd.DataFrame, when: date) -> float:
    """Duty line by line, without the engine: rates, rules and exemptions applied to each row in Python."""
    duty = 0.0
    for row in flows.itertuples():
        hs, category, value, base = str(row.hs), str(row.category), float(row.value_usd), float(row.base_rate)

        def matches(sel: Selector, hs: str = hs, category: str = category) -> bool:
            hit = sel.covers_all or category in sel.categories or any(hs.startswith(p) for p in sel.hs)
            return hit and not (category in sel.except_categories or any(hs.startswith(p) for p in sel.except_hs))

        raw, subject = {}, {}
        for layer in scenario.layers:
            rate, listed = 0.0, False
            if matches(layer.selector):
                found = layer.table.rate_of(hs, when) if layer.table else None
                listed = found is not None  # a table row at 0% still makes the line subject to the measure
                rate = (found or 0.0) if layer.table else layer.rate.at(when)
            raw[layer.name] = rate
            subject[layer.name] = rate > 0 or listed
        final = dict(raw)
        for rule in scenario.stacking:
            if rule.kind == "yields_to" and any(subject[o] for o in rule.others):
                final[rule.layer] = 0.0
        for rule in scenario.stacking:
            if rule.kind == "higher_of":
                best = max(rule.others, key=lambda n: (raw[n], -rule.others.index(n)))
                for name in rule.others:
                    if name != best:
                        final[name] = 0.0
        total = base
        for layer in scenario.layers:
            share = max(
                (
                    e.share.at(when)
                    for e in scenario.exemptions
                    if matches(e.selector) and (e.layers is None or layer.name in e.layers)
                ),
                default=0.0,
            )
            total += final[layer.name] * (1 - share)
        duty += value * total
    return duty


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Scenario, pd.DataFrame, date]:
    n = draw(st.integers(1, 12))
    flows = validate_flows(
        pd.DataFrame(
            {
                "exporter": ["USA"] * n,
                "importer": ["CHN"] * n,
                "hs": draw(st.lists(st.sampled_from(CODES), min_size=n, max_size=n)),
                "category": draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n)),
                "value_usd": draw(st.lists(st.integers(0, 1000).map(str), min_size=n, max_size=n)),
                "base_rate": draw(st.lists(st.sampled_from(["0", "0.05"]), min_size=n, max_size=n)),
            }
        )
    )
    rate = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.25])
    layers = []
    for i in range(draw(st.integers(1, 4))):
        selector = Selector(hs=tuple(draw(st.lists(st.sampled_from(PREFIXES), max_size=2))))
        if draw(st.booleans()):
            rows = tuple(
                (p, draw(st.sampled_from([None, *DATES])), draw(rate))
                for p in dict.fromkeys(draw(st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=5)))
            )
            layers.append(Layer(f"l{i}", Schedule.constant(1.0), selector, table=RateTable("t", rows)))
        else:
            layers.append(Layer(f"l{i}", Schedule(((DATES[0], draw(rate)), (DATES[1], draw(rate)))), selector))
    names = [x.name for x in layers]
    rules = []
    if len(names) >= 2 and draw(st.booleans()):
        a, *others = draw(st.permutations(names))
        rules.append(Stacking("yields_to", a, tuple(others[: draw(st.integers(1, len(others)))])))
    if len(names) >= 2 and draw(st.booleans()):
        group = draw(st.permutations(names))[: draw(st.integers(2, len(names)))]
        rules.append(Stacking("higher_of", "", tuple(group)))
    exemptions = tuple(
        Exemption(
            f"e{i}",
            Selector(hs=(draw(st.sampled_from(PREFIXES)),)),
            share=Schedule.constant(draw(st.sampled_from([0.5, 1.0]))),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    scenario = Scenario("s", "CHN", "USA", tuple(layers), exemptions, stacking=tuple(rules))
    return scenario, flows, draw(st.sampled_from(DATES))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=scenarios())
def test_engine_equals_a_line_by_line_computation(case: tuple[Scenario, pd.DataFrame, date]) -> None:
    scenario, flows, when = case
    got = simulate(scenario, flows, date=when).totals["duty_usd"]
    assert got == pytest.approx(brute_force(scenario, flows, when), rel=1e-9, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(case=scenarios())
def test_stacking_rules_never_raise_duty(case: tuple[Scenario, pd.DataFrame, date]) -> None:
    scenario, flows, when = case
    from dataclasses import replace

    with_rules = simulate(scenario, flows, date=when).totals["duty_usd"]
    without = simulate(replace(scenario, stacking=()), flows, date=when).totals["duty_usd"]
    assert with_rules <= without + 1e-6


def check_layers_in_play(scenario: Scenario, flows: pd.DataFrame, when: date, rates: np.ndarray) -> None:
    """The layers out of play at a date (`rates.in_play`) are 0 on every key, and leaving them out gives the
    rates and the summed figures of all the layers: checked against the path that keeps every layer."""
    prepared = prepare(scenario, flows)
    for ruled in (prepared, prepared.alike, prepared.rule_classes[0]):
        live = in_play(ruled.cover, ruled.tables, when, rates)
        full = ruled.rates(rates, when)
        np.testing.assert_array_equal(ruled.rates(rates, when, live), full[..., live])
        assert not full[..., np.setdiff1d(np.arange(len(scenario.layers)), live)].any()
        s = waived_share(ruled, shares_at(scenario, when))
        for kept, pruned in zip(over_layers(full, s), layer_sums(ruled, rates, s, when), strict=True):
            np.testing.assert_allclose(pruned, kept, rtol=1e-12, atol=1e-15)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=scenarios(), data=st.data())
def test_layers_out_of_play_change_nothing(case: tuple[Scenario, pd.DataFrame, date], data: st.DataObject) -> None:
    scenario, flows, when = case
    n = len(scenario.layers)
    variants = st.lists(st.sampled_from([0.0, 0.1, 1.25]), min_size=n, max_size=n)
    check_layers_in_play(scenario, flows, when, np.array(data.draw(st.lists(variants, min_size=1, max_size=3))))
    check_layers_in_play(scenario, flows, when, rates_at(scenario, when))
