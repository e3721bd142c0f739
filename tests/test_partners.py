"""Every US partner: partner selectors and groups, partner rate tables, all-in top-ups, dutiable shares,
exemption share tables; hand-computed cases, bad input, results by partner, and an independent
line-by-line check of the engine on random partner scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import ScenarioError, load_scenario, simulate
from simulator.data.partners import expand, groups, suggestion
from simulator.data.validate import validate_flows
from simulator.engine.prepare import prepare
from simulator.scenario.model import Exemption, Layer, RateTable, Scenario, Schedule, Selector
from tests.test_stacking import check_layers_in_play

# Five lines the US imports from four partners (values in USD, base rates as fractions)
PARTNER_TABLE = """exporter,importer,hs,category,value_usd,base_rate
CAN,USA,8703230190,Cars,1000,0.025
MEX,USA,8703230190,Cars,2000,0.0
JPN,USA,8703230190,Cars,500,0.04
EUN,USA,6402990000,Footwear,100,0.20
FRA,USA,7208100000,Steel,400,0.0
"""


@pytest.fixture
def partner_dir(tmp_path: Path) -> Path:
    (tmp_path / "partners.csv").write_text(PARTNER_TABLE)
    return tmp_path


def scenario_file(folder: Path, text: str, **tables: str) -> Path:
    for name, body in tables.items():
        (folder / f"{name}.csv").write_text(body)
    path = folder / "s.yaml"
    path.write_text("name: s\nimporter: USA\ntrade: partners.csv\n" + text)
    return path


def test_partner_selectors_and_groups(partner_dir: Path) -> None:
    # 10% on USMCA partners only (CAN $1000, MEX $2000): $300; the EU group covers EUN and FRA: 5% of $500
    path = scenario_file(
        partner_dir,
        """layers:
  - {name: fentanyl, rate: 10%, partners: [USMCA]}
  - {name: eu, rate: 5%, partners: [EU]}
  - {name: not_japan, rate: 1%, except_partners: [JPN, EU]}
""",
    )
    result = simulate(load_scenario(path))
    base = 1000 * 0.025 + 500 * 0.04 + 100 * 0.20
    assert result.totals["duty_usd"] == pytest.approx(base + 300 + 25 + 30)
    by = result.by_partner.set_index("partner")
    assert by.loc["MEX", "duty_usd"] == pytest.approx(2000 * 0.11)
    assert by.loc["JPN", "duty_usd"] == pytest.approx(500 * 0.04)
    assert by.loc["EUN", "duty_usd"] == pytest.approx(100 * 0.25)
    assert by.loc["FRA", "partner_name"] == "France"  # an EU member: named, though the bundled table holds EUN
    assert by.loc["EUN", "partner_name"] == "European Union (27 members)"
    assert result.by_partner["import_value_usd"].sum() == pytest.approx(result.totals["import_value_usd"])


def test_partner_rate_tables_longest_prefix_then_partner(partner_dir: Path) -> None:
    # A general 8703 row (25%) beats a CAN row for every line (blank hs, 35%): longer prefix first.
    # At the same length the partner's row beats the general one: JPN 15% over 25% on 8703.
    # MEX has only the blank general row (10%); FRA and EUN lines have no 8703 rows: blank rows only.
    path = scenario_file(
        partner_dir,
        "layers:\n  - {name: t, rates: t.csv}\n",
        t="hs,partner,rate\n,,10%\n,CAN,35%\n8703,,25%\n8703,JPN,15%\n,EU,2%\n",
    )
    by = simulate(load_scenario(path)).by_partner.set_index("partner")
    assert by.loc["CAN", "duty_usd"] == pytest.approx(1000 * (0.025 + 0.25))
    assert by.loc["MEX", "duty_usd"] == pytest.approx(2000 * 0.25)
    assert by.loc["JPN", "duty_usd"] == pytest.approx(500 * (0.04 + 0.15))
    assert by.loc["EUN", "duty_usd"] == pytest.approx(100 * (0.20 + 0.02))  # the EU group's row, not the 10%
    assert by.loc["FRA", "duty_usd"] == pytest.approx(400 * 0.02)


def test_all_in_tops_the_base_up(partner_dir: Path) -> None:
    # 15% all-in: CAN (base 2.5%) +12.5%, MEX (0%) +15%, JPN (4%) +11%, EUN footwear (20%) +0, FRA +15%
    path = scenario_file(partner_dir, "layers:\n  - {name: deal, rate: 15%, all_in: true}\n")
    result = simulate(load_scenario(path))
    by = result.by_partner.set_index("partner")
    for code, value in (("CAN", 1000), ("MEX", 2000), ("JPN", 500), ("FRA", 400)):
        assert by.loc[code, "effective_rate"] == pytest.approx(0.15)
        assert by.loc[code, "duty_usd"] == pytest.approx(value * 0.15)
    assert by.loc["EUN", "effective_rate"] == pytest.approx(0.20)  # above the level: nothing added
    assert by.loc["EUN", "exempted_value_usd"] == 0


def test_all_in_rows_and_dutiable_shares_in_tables(partner_dir: Path) -> None:
    # EU rows all-in at 15%; steel 50% on 40% of the value (metal content); the rest additive
    path = scenario_file(
        partner_dir,
        "layers:\n  - {name: t, rates: t.csv}\n",
        t="hs,partner,rate,share,all_in\n,EU,15%,,yes\n7208,,50%,40%,\n,JPN,15%,,no\n",
    )
    by = simulate(load_scenario(path)).by_partner.set_index("partner")
    assert by.loc["EUN", "duty_usd"] == pytest.approx(100 * 0.20)  # 20% base >= 15%: nothing added
    assert by.loc["FRA", "duty_usd"] == pytest.approx(400 * 0.50 * 0.40)  # the longer steel row wins
    assert by.loc["JPN", "duty_usd"] == pytest.approx(500 * (0.04 + 0.15))
    assert by.loc["CAN", "duty_usd"] == pytest.approx(1000 * 0.025)


def test_exemption_share_table(partner_dir: Path) -> None:
    # 25% on USMCA partners; 60% of the Canadian line and 30% of the Mexican line qualify (USMCA shares)
    path = scenario_file(
        partner_dir,
        """layers:
  - {name: fentanyl, rate: 25%, partners: [USMCA]}
exemptions:
  - {name: usmca, partners: [USMCA], shares: usmca.csv}
""",
        usmca="hs,partner,share\n8703230190,CAN,60%\n8703230190,MEX,0.3\n",
    )
    result = simulate(load_scenario(path))
    by = result.by_partner.set_index("partner")
    assert by.loc["CAN", "exempted_value_usd"] == pytest.approx(600)
    assert by.loc["CAN", "duty_usd"] == pytest.approx(1000 * (0.025 + 0.25 * 0.4))
    assert by.loc["MEX", "duty_usd"] == pytest.approx(2000 * 0.25 * 0.7)
    assert result.totals["duty_relief_usd"] == pytest.approx(1000 * 0.25 * 0.6 + 2000 * 0.25 * 0.3)


def test_bad_partner_input_names_the_fix(partner_dir: Path) -> None:
    path = scenario_file(partner_dir, "layers:\n  - {name: a, rate: 5%, partners: [Japan, CNA, eu]}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "layers[0].partners[0]: 'Japan' is not a partner code (ISO alpha-3) or group; did you mean JPN?" in text
    assert "partners[1]" not in text  # CNA is a well-formed code: checked against the table, as a warning
    assert "partners[2]: 'eu' is not a partner code (ISO alpha-3) or group; did you mean EU?" in text
    for body, fragment in (
        ("hs,rate,share\n7208,50%,140%\n", "row 2: share '140%' is outside 0%-100%"),
        (
            "hs,rate,partner\n7208,50%,Germny\n",
            "row 2: partner 'Germny' is not a partner code (ISO alpha-3) or group; did you mean DEU?",
        ),
        ("hs,rate,all_in\n7208,50%,maybe\n", "row 2: all_in 'maybe' is not yes or no"),
        ("hs,rate\n7208,-5%\n", "row 2: rate '-5%' is outside 0%-1000%"),
        ("hs,partner,partner\n7208,CAN,MEX\n", "t.csv"),
    ):
        bad = scenario_file(partner_dir, "layers:\n  - {name: a, rates: t.csv}\n", t=body)
        with pytest.raises(ScenarioError) as err:
            load_scenario(bad)
        assert fragment in str(err.value) and "t.csv" in str(err.value)
    shares = scenario_file(
        partner_dir,
        "layers: [{name: a, rate: 5%}]\nexemptions:\n  - {name: e, shares: u.csv}\n",
        u="hs,share\n8703,1.5\n",
    )
    with pytest.raises(ScenarioError, match=r"(?s)u.csv.*row 2: share '1.5' is outside 0%-100%"):
        load_scenario(shares)
    with pytest.raises(ScenarioError, match=r"partners: is empty"):
        load_scenario(scenario_file(partner_dir, "layers:\n  - {name: a, rate: 5%, partners: []}\n"))


def test_partners_the_table_lacks_are_warnings(partner_dir: Path) -> None:
    path = scenario_file(
        partner_dir,
        "layers:\n  - {name: a, rate: 5%, partners: [CNA, ASEAN]}\n  - {name: t, rates: t.csv}\n",
        t="hs,partner,rate\n,VNM,20%\n,CAN,1%\n",
    )
    warnings = simulate(load_scenario(path)).warnings
    assert "a: partner 'CNA' has no line of USA on all in partners.csv" in warnings
    assert "a: partner 'ASEAN' has no line of USA on all in partners.csv" in warnings
    assert "t: its table names partner(s) with no line of USA on all in partners.csv: VNM" in warnings


def test_partner_lookup_helpers() -> None:
    assert expand(("USMCA", "JPN", "CAN")) == ("CAN", "MEX", "JPN")
    assert set(groups()["EU"]) >= {"EUN", "DEU", "FRA", "SVK"} and len(groups()["EU"]) == 28
    assert suggestion("japan") == "JPN" and suggestion("Vietnm") == "VNM" and suggestion("asean") == "ASEAN"


def test_bundled_table_totals_equal_census() -> None:
    from simulator import load_flows

    us = load_flows(direction=("USA", None))
    us = us[us["importer"] == "USA"]
    assert us["exporter"].nunique() == 198
    assert float(us["value_usd"].sum()) == pytest.approx(3_251_151_779_682, abs=1)  # Census: $3,251.15B
    assert float((us["value_usd"] * us["base_rate"]).sum()) == pytest.approx(76.16e9, rel=1e-3)
    assert "SVK" not in set(us["exporter"]) and "DEU" not in set(us["exporter"])  # inside EUN, counted once
    china = load_flows(direction=("USA", "CHN")).query("importer == 'USA'")
    assert float(china["value_usd"].sum()) == pytest.approx(429_425_828_419, abs=1)


def test_one_partner_scenario_reads_only_its_part() -> None:
    """A scenario naming China never loads the other partners' file; one naming Canada never loads China's."""
    from simulator import load_flows

    chips = prepare(load_scenario("us_electronics_exemption"))
    assert chips.partners == ("CHN",)
    canada = prepare(load_scenario_text("importer: USA\nexporter: CAN\nlayers: [{name: f, rate: 35%}]\n"))
    lines = load_flows(direction=("USA", "CAN"))
    assert set(lines["exporter"]) == {"CAN"}  # read from the partners' file, filtered as it is read
    assert canada.partners == ("CAN",) and len(canada.value) == lines["hs"].nunique()


def load_scenario_text(text: str) -> Scenario:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text("name: s\n" + text)
        return load_scenario(path)


def test_all_partner_path_by_partner_adds_up() -> None:
    result = simulate(load_scenario("paths/us_ieepa_all_partners_2025"))
    assert len(result.by_partner) == 198
    for key in ("import_value_usd", "duty_usd", "exempted_value_usd", "duty_relief_usd"):
        assert result.by_partner[key].sum() == pytest.approx(result.totals[key], rel=1e-12)
        assert result.by_category[key].sum() == pytest.approx(result.totals[key], rel=1e-12)
    by = result.by_partner.set_index("partner")
    assert by.loc["CAN", "import_value_usd"] == pytest.approx(411_693_824_741, abs=1)


# --- the independent check --------------------------------------------------------------------------

PARTNERS = ["CAN", "MEX", "JPN", "EUN", "FRA", "VNM"]
CODES = ["8703", "870323", "8542", "854231", "0201", "7208"]
PREFIXES = ["", "87", "8703", "870323", "85", "8542", "02", "72"]
SELECTED = ["CAN", "JPN", "EUN", "USMCA", "EU", "ASEAN"]
DATES = [date(2025, 1, 1), date(2025, 4, 10), date(2025, 8, 7)]


def table_rate(table: RateTable, hs: str, partner: str, when: date) -> tuple[float, float, bool] | None:
    """A table's row for one line: the longest prefix, a partner's row before a general one, the latest
    row in force; (rate, dutiable share, all-in), or None when no row is in force."""
    best: tuple[int, int, date, int] | None = None
    for i, (prefix, start, _) in enumerate(table.rows):
        who = table.partners[i] if table.partners else None
        if not hs.startswith(prefix) or (who is not None and who != partner) or (start and start > when):
            continue
        key = (len(prefix), who is not None, start or date.min, i)
        if best is None or key[:3] > best[:3]:
            best = key
    if best is None:
        return None
    i = best[3]
    return table.rows[i][2], table.shares[i] if table.shares else 1.0, bool(table.all_in and table.all_in[i])


def brute_force(scenario: Scenario, flows: pd.DataFrame, when: date) -> dict[str, float]:
    """Duty per partner, line by line in plain Python: no keys, no matrices."""
    duty: dict[str, float] = {}
    for row in flows.itertuples():
        hs, partner, value, base = str(row.hs), str(row.exporter), float(row.value_usd), float(row.base_rate)

        def matches(sel: Selector, hs: str = hs, partner: str = partner) -> bool:
            hit = sel.covers_all or any(hs.startswith(p) for p in sel.hs)
            hit = hit and not any(hs.startswith(p) for p in sel.except_hs)
            if sel.partners:
                hit = hit and partner in expand(sel.partners)
            return hit and partner not in expand(sel.except_partners)

        total = base
        for layer in scenario.layers:
            if not matches(layer.selector):
                continue
            if layer.table is not None:
                found = table_rate(layer.table, hs, partner, when)
                if found is None:
                    continue
                level, dutiable, all_in = found[0] * layer.rate.at(when), found[1], found[2] or layer.all_in
            else:
                level, dutiable, all_in = layer.rate.at(when), 1.0, layer.all_in
            rate = (max(level - base, 0.0) if all_in else level) * dutiable
            shares = [0.0]
            for ex in scenario.exemptions:
                if matches(ex.selector) and (ex.layers is None or layer.name in ex.layers):
                    scale = 1.0
                    if ex.share_table is not None:
                        found = table_rate(ex.share_table, hs, partner, when)
                        scale = found[0] if found is not None else 0.0
                    shares.append(ex.share.at(when) * scale)
            total += rate * (1 - max(shares))
        duty[partner] = duty.get(partner, 0.0) + value * total
    return duty


@st.composite
def partner_scenarios(draw: st.DrawFn) -> tuple[Scenario, pd.DataFrame, date]:
    n = draw(st.integers(1, 14))
    flows = validate_flows(
        pd.DataFrame(
            {
                "exporter": draw(st.lists(st.sampled_from(PARTNERS), min_size=n, max_size=n)),
                "importer": ["USA"] * n,
                "hs": draw(st.lists(st.sampled_from(CODES), min_size=n, max_size=n)),
                "category": ["A"] * n,
                "value_usd": draw(st.lists(st.integers(0, 1000).map(str), min_size=n, max_size=n)),
                "base_rate": draw(st.lists(st.sampled_from(["0", "0.04", "0.2"]), min_size=n, max_size=n)),
            }
        )
    )
    rate = st.sampled_from([0.0, 0.1, 0.15, 0.25, 0.5])
    some_partners = st.lists(st.sampled_from(SELECTED), max_size=2).map(lambda x: tuple(dict.fromkeys(x)))
    layers = []
    for i in range(draw(st.integers(1, 3))):
        selector = Selector(
            hs=tuple(draw(st.lists(st.sampled_from(PREFIXES[1:]), max_size=2))),
            partners=draw(some_partners),
            except_partners=draw(some_partners),
        )
        if draw(st.booleans()):
            rows, partners, shares, all_in = [], [], [], []
            for _ in range(draw(st.integers(1, 6))):
                who = draw(st.sampled_from([None, *PARTNERS]))
                prefix, start = draw(st.sampled_from(PREFIXES)), draw(st.sampled_from([None, *DATES]))
                if any(r[0] == prefix and r[1] == start and p == who for r, p in zip(rows, partners, strict=True)):
                    continue
                rows.append((prefix, start, draw(rate)))
                partners.append(who)
                shares.append(draw(st.sampled_from([1.0, 0.4])))
                all_in.append(draw(st.booleans()))
            table = RateTable("t", tuple(rows), tuple(partners), tuple(shares), tuple(all_in))
            layers.append(Layer(f"l{i}", Schedule.constant(1.0), selector, table=table))
        else:
            schedule = Schedule(((DATES[0], draw(rate)), (DATES[1], draw(rate))))
            layers.append(Layer(f"l{i}", schedule, selector, all_in=draw(st.booleans())))
    exemptions = []
    for i in range(draw(st.integers(0, 2))):
        share_table = None
        if draw(st.booleans()):
            cells = draw(
                st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(PARTNERS)), max_size=4, unique=True)
            )
            share_table = RateTable(
                "u", tuple((hs, None, draw(st.sampled_from([0.3, 0.9]))) for hs, _ in cells), tuple(p for _, p in cells)
            )
        selector = Selector(hs=(draw(st.sampled_from(PREFIXES[1:])),), partners=draw(some_partners))
        share = Schedule.constant(draw(st.sampled_from([0.5, 1.0])))
        exemptions.append(Exemption(f"e{i}", selector, share=share, share_table=share_table))
    scenario = Scenario("s", "USA", None, tuple(layers), tuple(exemptions))
    return scenario, flows, draw(st.sampled_from(DATES))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=partner_scenarios())
def test_engine_equals_a_line_by_line_computation_by_partner(case: tuple[Scenario, pd.DataFrame, date]) -> None:
    scenario, flows, when = case
    result = simulate(scenario, flows, date=when)
    expected = brute_force(scenario, flows, when)
    got = dict(zip(result.by_partner["partner"], result.by_partner["duty_usd"], strict=True))
    assert set(got) == set(expected)
    for partner, duty in expected.items():
        assert got[partner] == pytest.approx(duty, rel=1e-9, abs=1e-6)
    assert result.totals["duty_usd"] == pytest.approx(sum(expected.values()), rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=partner_scenarios())
def test_merging_alike_keys_changes_nothing(case: tuple[Scenario, pd.DataFrame, date]) -> None:
    """Keys merged because they behave alike at every date give the figures of the keys evaluated one by one."""
    from simulator.engine.evaluate import key_arrays, rates_at, shares_at

    scenario, flows, when = case
    prepared = prepare(scenario, flows)
    rates, shares = rates_at(scenario, when), shares_at(scenario, when)
    whole = key_arrays(prepared, rates, shares, when)
    merged = key_arrays(prepared.alike, rates, shares, when)
    for name in ("duty", "gross", "exempted", "value"):
        assert merged[name].sum() == pytest.approx(whole[name].sum(), rel=1e-12, abs=1e-9)


def test_china_scenarios_unchanged_by_the_partner_dimension(write: Callable[..., Path]) -> None:
    """A one-exporter scenario has one partner: its keys are its (hs, category) pairs as before."""
    prepared = prepare(load_scenario("exempt_chips"))
    assert prepared.partners == ("USA",) and len(set(prepared.key_hs)) == len(prepared.key_hs)
    assert prepared.alike is not None


def test_a_date_past_the_record_warns(partner_dir: Path) -> None:
    path = scenario_file(partner_dir, "record_ends: 2025-08-07\nlayers:\n  - {name: a, rate: {2025-04-05: 10%}}\n")
    scenario = load_scenario(path)
    assert simulate(scenario, date=date(2025, 8, 7)).warnings == ()
    late = simulate(scenario, date=date(2026, 12, 2)).warnings
    assert late == (
        "2026-12-02 is after 2025-08-07, where this path's record ends: the rates shown are those of 2025-08-07, "
        "held; measures enacted since are not in it",
    )
    bad = scenario_file(partner_dir, "record_ends: 2025-13-01\nlayers: [{name: a, rate: 5%}]\n")
    with pytest.raises(ScenarioError, match="record_ends: '2025-13-01' is not a date; write YYYY-MM-DD"):
        load_scenario(bad)
    today = simulate(load_scenario("paths/us_on_china_deescalation"), date=date(2026, 12, 2)).warnings
    assert any("after 2025-11-14, where this path's record ends" in w for w in today)


@pytest.mark.parametrize("elasticity", [None, -1.0])
def test_the_largest_partners_then_the_rest_as_one_row(elasticity: float | None) -> None:
    """The text table's partner rows: the rest's sums are the other partners' sums, its rates recomputed."""
    from dataclasses import replace as changed

    from click.testing import CliRunner

    from simulator.cli import cli
    from simulator.scenario.model import Response

    scenario = load_scenario("paths/us_ieepa_all_partners_2025")
    if elasticity is not None:
        scenario = changed(scenario, response=Response(elasticity=elasticity))
    result = simulate(scenario)
    table = result.largest_partners(10)
    rest = result.by_partner.iloc[10:]
    other = table.iloc[-1]
    assert other["partner_name"] == f"{len(rest)} other partners"
    for key in ("import_value_usd", "duty_usd", "exempted_value_usd", "duty_without_exemptions_usd"):
        assert other[key] == pytest.approx(rest[key].sum())
    assert other["effective_rate"] == pytest.approx(rest["duty_usd"].sum() / rest["import_value_usd"].sum())
    if elasticity is None:
        out = CliRunner().invoke(cli, ["run", "paths/us_ieepa_all_partners_2025"])
        assert out.exit_code == 0 and "188 other partners" in out.output, out.output[-500:]


def test_rank_works_with_share_tables_and_agrees_with_simulate() -> None:
    """usmca's shares come from a table (match_scale): rank's 'alone' is simulate with it alone."""
    from dataclasses import replace as changed

    from simulator.analysis.rank import rank

    scenario = load_scenario("paths/us_ieepa_all_partners_2025")
    ranking = rank(scenario).exemptions.set_index("exemption")
    for name in ("usmca", "annex2"):
        alone = changed(scenario, exemptions=tuple(x for x in scenario.exemptions if x.name == name))
        assert ranking.loc[name, "alone_relief_usd"] == pytest.approx(
            simulate(alone).totals["duty_relief_usd"], rel=1e-9
        )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=partner_scenarios(), data=st.data())
def test_layers_out_of_play_change_nothing_with_partners(
    case: tuple[Scenario, pd.DataFrame, date], data: st.DataObject
) -> None:
    """As tests/test_stacking.py checks it, with partner rows, all-in levels, dutiable shares and a rule."""
    from dataclasses import replace

    import numpy as np

    from simulator.scenario.model import Stacking

    scenario, flows, when = case
    names = [x.name for x in scenario.layers]
    if len(names) >= 2 and data.draw(st.booleans()):
        first, *others = data.draw(st.permutations(names))
        scenario = replace(scenario, stacking=(Stacking("yields_to", first, tuple(others)),))
    n = len(names)
    variants = st.lists(st.sampled_from([0.0, 0.15, 0.5]), min_size=n, max_size=n)
    check_layers_in_play(scenario, flows, when, np.array(data.draw(st.lists(variants, min_size=1, max_size=3))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=partner_scenarios(), response=st.sampled_from([None, (-2.0, None), (-1.5, 2.0)]))
def test_threads_give_the_figures_of_one_after_another(
    case: tuple[Scenario, pd.DataFrame, date], response: tuple[float, float | None] | None
) -> None:
    """Timeline dates and sweep chunks on two threads (engine.parallel) equal the same run in order."""
    from dataclasses import replace
    from unittest import mock

    import numpy as np

    from simulator.engine import parallel
    from simulator.engine.batch import CHUNK_CELLS, batch_totals
    from simulator.engine.evaluate import evaluate, rates_at, shares_at
    from simulator.scenario.model import Response

    scenario, flows, when = case
    if response is not None:
        scenario = replace(scenario, response=Response(elasticity=response[0], substitution=response[1]))
    rates = rates_at(scenario, when) * np.linspace(0, 2, 7)[:, None]
    shares = shares_at(scenario, when)

    def run() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        prepared = prepare(scenario, flows)
        with mock.patch("simulator.engine.batch.CHUNK_CELLS", max(1, CHUNK_CELLS // 10**6)):  # chunks of a row
            return evaluate(prepared, when).timeline, batch_totals(prepared, rates, shares, when=when)

    with mock.patch.object(parallel, "WORTH", 10**18):
        alone = run()
    with mock.patch.object(parallel, "WORTH", 0), mock.patch.object(parallel, "threads", lambda: 2):
        threaded = run()
    pd.testing.assert_frame_equal(threaded[0], alone[0])
    for key, values in alone[1].items():
        np.testing.assert_array_equal(threaded[1][key], values, err_msg=key)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=partner_scenarios(), response=st.sampled_from([None, (-2.0, None), (-1.5, 2.0)]), data=st.data())
def test_the_timeline_found_date_by_date_from_changed_keys_is_each_dates_totals(
    case: tuple[Scenario, pd.DataFrame, date], response: tuple[float, float | None] | None, data: st.DataObject
) -> None:
    """engine.timeline finds each change date's rates only for the keys that date changes (here always,
    however many): the same totals as totals_at at every date, in runs on threads or in one."""
    from dataclasses import replace
    from unittest import mock

    from simulator.engine import parallel, timeline
    from simulator.engine.evaluate import totals_at
    from simulator.scenario.model import Response

    scenario, flows, _ = case
    dated = tuple(  # exemptions whose share moves on a date, so a date can change only what they match
        replace(x, share=Schedule(((DATES[0], 0.25), (DATES[2], data.draw(st.sampled_from([0.0, 1.0]))))))
        if data.draw(st.booleans())
        else x
        for x in scenario.exemptions
    )
    scenario = replace(scenario, exemptions=dated)
    if response is not None:
        scenario = replace(scenario, response=Response(elasticity=response[0], substitution=response[1]))
    dates = [*scenario.change_dates, date(2026, 1, 1)] * data.draw(st.sampled_from([1, 3]))  # back and forth
    prepared = prepare(scenario, flows)
    prepared = prepared if prepared.responds else prepared.alike
    expected = [totals_at(prepared, d) for d in dates]
    runs = data.draw(st.sampled_from([1, 2]))
    with (
        mock.patch.object(timeline, "FULL_SHARE", 1.0),
        mock.patch.object(parallel, "WORTH", 0),
        mock.patch.object(timeline, "threads", lambda: runs),
    ):
        got = list(timeline.timeline_totals(prepared, dates))
    assert len(got) == len(expected)
    for found, wanted in zip(got, expected, strict=True):
        for key, value in wanted.items():
            assert found[key] == pytest.approx(value, rel=1e-12, abs=1e-9), key


def test_the_timeline_sees_a_table_row_change_by_itself() -> None:
    """A date on which only a rate table's row changes (same share, same all-in flag): the incremental
    timeline must find the lines it moves from the table alone."""
    from unittest import mock

    from simulator.engine import timeline
    from simulator.engine.evaluate import totals_at

    flows = validate_flows(
        pd.DataFrame(
            {
                "exporter": ["CAN", "MEX", "JPN"],
                "importer": ["USA"] * 3,
                "hs": ["870323", "854231", "020130"],
                "category": ["A"] * 3,
                "value_usd": ["100", "200", "300"],
                "base_rate": ["0", "0.04", "0"],
            }
        )
    )
    table = RateTable("t", (("8703", None, 0.1), ("8703", DATES[1], 0.25), ("02", None, 0.05)))
    layers = (
        Layer("t", Schedule.constant(1.0), Selector(), table=table),
        Layer("flat", Schedule(((DATES[0], 0.1), (DATES[2], 0.2))), Selector(hs=("85",))),
    )
    scenario = Scenario("s", "USA", None, layers, ())
    prepared = prepare(scenario, flows).alike
    dates = list(scenario.change_dates)
    with mock.patch.object(timeline, "FULL_SHARE", 1.0):
        got = list(timeline.timeline_totals(prepared, dates))
    assert [g["duty_usd"] for g in got] == pytest.approx([totals_at(prepared, d)["duty_usd"] for d in dates])
    assert got[1]["duty_usd"] > got[0]["duty_usd"]  # the table's new row, on 8703 alone, raised the duty
