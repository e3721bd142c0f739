"""The US record on every partner (paths/us_all_partners): each rule on hand-picked lines, and the
comparison with the Budget Lab tracker checked against an independent sum over the bundled table."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from simulator import Result, ScenarioError, load_scenario, simulate
from simulator.analysis.lines import lines
from simulator.bundled import TRACKER
from simulator.data.validate import validate_flows

WORLD = "paths/us_all_partners"


def _lines(rows: list[tuple[str, str, float]], when: date, path: str = WORLD) -> pd.DataFrame:
    """A path's lines (the world path's by default) for a small table of (partner, HS code, base rate),
    $100 each."""
    flows = validate_flows(
        pd.DataFrame(
            {
                "exporter": [p for p, _, _ in rows],
                "importer": ["USA"] * len(rows),
                "hs": [h for _, h, _ in rows],
                "category": ["A"] * len(rows),
                "value_usd": ["100"] * len(rows),
                "base_rate": [str(b) for _, _, b in rows],
            }
        )
    )
    table = lines(load_scenario(path), when, flows)
    return table.set_index(["partner", "hs"])


def _rate(table: pd.DataFrame, partner: str, hs: str, layer: str) -> float:
    row = table.loc[(partner, hs)]
    return float(row[f"rate:{layer}"] * (1 - row[f"waived:{layer}"]))


def test_ieepa_duties_end_for_goods_entered_from_february_24() -> None:
    rows = [
        ("CHN", "9503000073", 0.0),
        ("VNM", "9503000073", 0.0),
        ("BRA", "0901210035", 0.0),
        ("CAN", "9503000073", 0.0),
    ]
    before, after = _lines(rows, date(2026, 2, 23)), _lines(rows, date(2026, 2, 24))
    assert _rate(before, "CHN", "9503000073", "fentanyl") == pytest.approx(0.10)
    assert _rate(before, "VNM", "9503000073", "reciprocal") == pytest.approx(0.20)
    toy = before.loc[("CAN", "9503000073")]  # 35%, less the line's share entered under USMCA
    assert toy["rate:fentanyl_north"] == pytest.approx(0.35) and 0 < toy["waived:fentanyl_north"] < 1
    for partner, hs, _ in rows:
        for layer in ("fentanyl", "fentanyl_north", "reciprocal", "brazil_india"):
            assert _rate(after, partner, hs, layer) == 0.0, (partner, layer)
    # Section 122 takes over: 10% on a toy from Vietnam and on a non-USMCA Canadian toy
    assert _rate(after, "VNM", "9503000073", "section122") == pytest.approx(0.10)


def test_section_122_spares_its_exemptions_and_section_232_goods_and_ends_after_150_days() -> None:
    # crude oil is on the Section 122 exemption list; steel pays Section 232, so no surcharge
    rows = [("VNM", "9503000073", 0.0), ("SAU", "2709002090", 0.0), ("KOR", "7208100000", 0.0)]
    during, after = _lines(rows, date(2026, 3, 1)), _lines(rows, date(2026, 7, 24))
    assert _rate(during, "SAU", "2709002090", "section122") == 0.0
    assert _rate(during, "KOR", "7208100000", "section122") == 0.0
    assert _rate(during, "KOR", "7208100000", "s232_metals") > 0
    assert _rate(after, "VNM", "9503000073", "section122") == 0.0


def test_forced_labor_duty_by_economy_with_caps_net_of_the_base() -> None:
    # the EU's duty tops each line up to 10% (0 where the base is 10% or more); China's 12.5% adds
    rows = [
        ("EUN", "9503000073", 0.0),
        ("EUN", "6109100012", 0.16),
        ("EUN", "9401710011", 0.04),
        ("CHN", "9503000073", 0.0),
    ]
    rows += [("IND", "9503000073", 0.0), ("BRN", "9503000073", 0.0)]
    t = _lines(rows, date(2026, 8, 1))
    assert _rate(t, "EUN", "9503000073", "forced_labor") == pytest.approx(0.10)
    assert _rate(t, "EUN", "6109100012", "forced_labor") == 0.0
    assert _rate(t, "EUN", "9401710011", "forced_labor") == pytest.approx(0.06)
    assert _rate(t, "CHN", "9503000073", "forced_labor") == pytest.approx(0.125)
    assert _rate(t, "IND", "9503000073", "forced_labor") == pytest.approx(0.10)
    assert _rate(t, "BRN", "9503000073", "forced_labor") == 0.0  # Brunei is not one of the 60
    assert _rate(_lines(rows, date(2026, 7, 23)), "CHN", "9503000073", "forced_labor") == 0.0


def test_annex_ii_additions_and_the_deals_exempt_lists_start_at_their_legal_dates() -> None:
    """Swiss gold (EO 14346, from 2025-09-08); an airliner from the UK (from 06-30), the EU (from 09-01),
    Japan (09-16), Korea and Switzerland (from 11-14); Korea's cars at 15% all-in from 11-01, before its other changes."""
    gold, airliner, car = "7108137000", "8802400140", "8703230190"
    rows = [
        ("CHE", gold, 0.0),
        ("EUN", airliner, 0.0),
        ("KOR", airliner, 0.0),
        ("CHE", airliner, 0.0),
        ("KOR", car, 0.0),
        ("GBR", airliner, 0.0),
    ]
    days = [date(2025, 8, 31), date(2025, 9, 1), date(2025, 9, 7), date(2025, 9, 8)]
    days += [date(2025, 10, 31), date(2025, 11, 1), date(2025, 11, 13), date(2025, 11, 14)]
    got = {d: _lines(rows, d) for d in days}
    assert [_rate(got[d], "CHE", gold, "reciprocal") for d in days[:4]] == pytest.approx([0.39, 0.39, 0.39, 0.0])
    assert [_rate(got[d], "EUN", airliner, "reciprocal") for d in days[:2]] == pytest.approx([0.15, 0.0])
    for partner, before in (("KOR", 0.15), ("CHE", 0.39)):
        assert [_rate(got[d], partner, airliner, "reciprocal") for d in days[-2:]] == pytest.approx([before, 0.0])
    assert [_rate(got[d], "KOR", car, "s232_autos") for d in days[4:6]] == pytest.approx([0.25, 0.15])
    uk = [_lines(rows, d) for d in (date(2025, 6, 29), date(2025, 6, 30))]  # EO 14309: from June 30
    assert [_rate(t, "GBR", airliner, "reciprocal") for t in uk] == pytest.approx([0.10, 0.0])
    japan = [_lines([("JPN", airliner, 0.0)], d) for d in (date(2025, 9, 15), date(2025, 9, 16))]  # EO 14345
    assert [_rate(t, "JPN", airliner, "reciprocal") for t in japan] == pytest.approx([0.15, 0.0])


def test_annex_ii_as_the_hts_lists_it() -> None:
    """Lines the HTS lists in Annex II from 2025-04-05 that the April list held lacks: Swiss gold and EU
    hormones are spared the reciprocal duty; aluminium hydroxide too, until EO 14346 takes it out."""
    gold, hormones, hydroxide = "7108121020", "2937190000", "2818300000"
    rows = [("CHE", gold, 0.0), ("EUN", hormones, 0.0), ("EUN", hydroxide, 0.0)]
    april, august, september = (_lines(rows, d) for d in (date(2025, 4, 5), date(2025, 8, 7), date(2025, 9, 8)))
    for table in (april, august, september):
        assert _rate(table, "CHE", gold, "reciprocal") == _rate(table, "EUN", hormones, "reciprocal") == 0.0
    assert _rate(august, "EUN", hydroxide, "reciprocal") == 0.0
    assert _rate(september, "EUN", hydroxide, "reciprocal") == pytest.approx(0.15)


def test_annex_ii_wood_as_the_hts_lists_it() -> None:
    """Oak lumber leaves Annex II as the timber duty begins (2025-10-14) and is not listed again, though
    the November list held repeats it; mahogany stays listed throughout, though that list lacks it."""
    oak, mahogany = "4407910000", "4407210000"
    rows = [("EUN", oak, 0.0), ("IDN", mahogany, 0.0)]
    days = [date(2025, 10, 13), date(2025, 10, 14), date(2025, 11, 13), date(2026, 1, 10)]
    got = {d: _lines(rows, d) for d in days}
    assert [_rate(got[d], "EUN", oak, "reciprocal") for d in days] == pytest.approx([0.0, 0.15, 0.15, 0.15])
    assert [_rate(got[d], "IDN", mahogany, "reciprocal") for d in days] == [0.0] * 4


def test_civil_aircraft_lists_spare_the_lines_the_hts_names_as_aircraft() -> None:
    """A refrigerator and a Korean airliner are both on Korea's civil aircraft list; only the airliner
    is aircraft by its HTS text, so only it is spared in the world path. Exempted whole (the upper-bound
    path) both are; so too under Section 122, where a military airliner pays in the world path, and
    under the forced-labor duty."""
    fridge, airliner, military = "8418100055", "8802400140", "8802400180"
    rows = [("KOR", fridge, 0.0), ("KOR", airliner, 0.0), ("VNM", fridge, 0.0), ("VNM", military, 0.0)]
    when = date(2025, 12, 1)
    world = _lines(rows, when)
    assert _rate(world, "KOR", airliner, "reciprocal") == 0.0
    assert _rate(world, "KOR", fridge, "reciprocal") == pytest.approx(0.15)
    whole = _lines(rows, when, "paths/us_all_partners_aircraft_whole")
    assert _rate(whole, "KOR", fridge, "reciprocal") == _rate(whole, "KOR", airliner, "reciprocal") == 0.0
    s122 = _lines(rows, date(2026, 3, 1))
    assert _rate(s122, "VNM", fridge, "section122") == pytest.approx(0.10)
    assert _rate(s122, "VNM", military, "section122") == pytest.approx(0.10)
    assert _rate(s122, "KOR", airliner, "section122") == 0.0
    # the forced-labor action's Part A holds the same list: the same split (a battery, as the fridge
    # is a Section 232 steel derivative by then)
    battery = "8507600020"
    more = [*rows, ("VNM", battery, 0.0)]
    labor, labor_whole = (_lines(more, date(2026, 8, 1), p) for p in (WORLD, "paths/us_all_partners_aircraft_whole"))
    assert _rate(labor, "VNM", battery, "forced_labor") == pytest.approx(0.125)
    assert _rate(labor, "KOR", airliner, "forced_labor") == 0.0
    assert _rate(labor_whole, "VNM", battery, "forced_labor") == 0.0


def test_aircraft_lines_against_the_census_descriptions() -> None:
    """An independent check of the HTS-text rule (seeds/build_us_record.py) on the Census's own line
    descriptions: every 2024 line an aircraft list spares is in chapter 88 or described as aircraft,
    none is described as military, and no line the rule leaves out is described as for civil aircraft."""
    import re

    from simulator.bundled import PARTNERS_TABLE, SCENARIOS

    table = pd.read_parquet(PARTNERS_TABLE, columns=["hs", "description"])
    table = table[table["hs"].str.len() == 10].drop_duplicates("hs")
    measures = SCENARIOS / "measures"
    aircraft_word = re.compile(r"AIR|ARCR|ACFT|A/C|ARPL|AERO|TURBOJ|TURBOP|FLIGHT|FLYING|CVL ARCT|PLANES")
    for name in ("section122", "eu", "korea", "swiss", "brazil_301", "canada_338", "forced_labor"):
        spared = tuple(pd.read_csv(measures / f"us_{name}_aircraft.csv", dtype=str)["hs"])
        general = tuple(pd.read_csv(measures / f"us_{name}_aircraft_general.csv", dtype=str)["hs"])
        kept = table[table["hs"].str.startswith(spared)]
        assert len(kept) > 50, name
        named = kept["hs"].str.startswith("88") | kept["description"].str.contains(aircraft_word)
        assert named.all(), kept[~named]
        assert not kept["description"].str.contains(r"(?<!NON-)\bMILITARY\b|MILITRY|MLTARY").any(), name
        left = table[table["hs"].str.startswith(general) & ~table["hs"].str.startswith(spared)]
        civil = left["description"].str.contains(r"\b(?:CIVIL|CIV|CVL) (?:AIRCRAFT|ARCT|AIRCRFT)")
        civil &= ~left["description"].str.contains(r"\b(?:NT|NOT) FOR|\bEXC(?:EPT)?\.? (?:CIVIL|CIV|CVL)")
        assert not civil.any(), left[civil]


def test_brazil_301_and_canada_338_at_their_legal_dates() -> None:
    """Brazil: 25% from 2026-07-22 but its exemptions (coffee, airliners) and Section 232 goods (steel).
    Canada: 50% from 08-22 (the three days' suspension) on the baskets' lines only (beer, honey, toys;
    not crude oil), not on Section 232 goods (cars) nor on airliners; a smartphone, on the aircraft list's general
    lines, pays in the world path and is spared in the upper-bound path."""
    toy, coffee, steel, airliner = "9503000073", "0901110025", "7208100000", "8802400140"
    beer, honey, car, phone, oil = "2203000030", "0409000035", "8703230190", "8517130000", "2709002090"
    rows = [("BRA", c, 0.0) for c in (toy, coffee, steel, airliner)]
    rows += [("CAN", c, 0.0) for c in (beer, honey, toy, car, airliner, phone, oil)]
    days = [date(2026, 7, 21), date(2026, 7, 22), date(2026, 8, 21), date(2026, 8, 22)]
    got = {d: _lines(rows, d) for d in days}
    assert [_rate(got[d], "BRA", toy, "brazil_301") for d in days[:2]] == [0.0, pytest.approx(0.25)]
    for code in (coffee, steel, airliner):
        assert _rate(got[days[1]], "BRA", code, "brazil_301") == 0.0, code
    assert [_rate(got[d], "CAN", beer, "canada_338") for d in days[2:]] == [0.0, pytest.approx(0.50)]
    after = got[days[3]]
    for code in (honey, toy, phone):
        assert _rate(after, "CAN", code, "canada_338") == pytest.approx(0.50), code
    for code in (oil, car, airliner):
        assert _rate(after, "CAN", code, "canada_338") == 0.0, code
    assert _rate(after, "BRA", toy, "canada_338") == 0.0
    whole = _lines(rows, days[3], "paths/us_all_partners_aircraft_whole")
    assert _rate(whole, "CAN", phone, "canada_338") == 0.0


def _section232_on(when: date) -> tuple[str, ...]:
    """The codes the built Section 232 record holds on `when` (a 0% row started and no end row since)."""
    from simulator.bundled import SCENARIOS

    rows = pd.read_csv(SCENARIOS / "measures" / "us_section232_goods_record.csv", dtype=str)
    started = set(rows.loc[(rows["rate"] == "0%") & (rows["from"] <= when.isoformat()), "hs"])
    ended = set(rows.loc[(rows["rate"] == "end") & (rows["from"] <= when.isoformat()), "hs"])
    return tuple(started - ended)


@pytest.mark.parametrize(
    ("partner", "before", "after", "rate", "duty_lists", "exempt_lists"),
    [
        ("BRA", date(2026, 7, 21), date(2026, 7, 22), 0.25, None, ("brazil-301-exemptions.csv",)),
        (
            "CAN",
            date(2026, 8, 21),
            date(2026, 8, 22),
            0.50,
            ("canada-338-alcohol.csv", "canada-338-dairy.csv", "canada-338-autos.csv"),
            ("canada-338-aircraft-exempt.csv",),
        ),
    ],
)
def test_brazil_301_and_canada_338_steps_against_an_independent_sum(
    partner: str,
    before: date,
    after: date,
    rate: float,
    duty_lists: tuple[str, ...] | None,
    exempt_lists: tuple[str, ...],
) -> None:
    """The step in the partner's duty on the measure's first day, in the upper-bound path (every listed
    code exempt whole), equals the rate on the 2024 lines the raw lists charge (seeds/raw/record), less
    the exempt ones and the Section 232 goods, summed directly: nothing else changes on that day."""
    from simulator.analysis.lines import lines as path_lines
    from simulator.data.load import load_flows

    raw = Path(__file__).resolve().parent.parent / "seeds" / "raw" / "record"
    flows = load_flows(
        None, columns=("exporter", "importer", "hs", "category", "value_usd", "base_rate"), direction=("USA", None)
    )
    flows = flows[flows["exporter"] == partner]
    exempt = tuple(c for n in exempt_lists for c in pd.read_csv(raw / n, dtype=str)["HTSUS"])
    charged = ~flows["hs"].str.startswith(exempt) & ~flows["hs"].str.startswith(_section232_on(after))
    if duty_lists is not None:
        listed = tuple(c for n in duty_lists for c in pd.read_csv(raw / n, dtype=str)["HTSUS"])
        charged &= flows["hs"].str.startswith(listed)
    expected = rate * flows.loc[charged, "value_usd"].sum()
    scenario = load_scenario("paths/us_all_partners_aircraft_whole")
    step = path_lines(scenario, after, flows)["duty_usd"].sum() - path_lines(scenario, before, flows)["duty_usd"].sum()
    assert expected > 1e9
    assert step == pytest.approx(expected, rel=1e-9)


def test_canadian_goods_under_section_232_do_not_pay_the_fentanyl_duty() -> None:
    t = _lines([("CAN", "7208100000", 0.0), ("CAN", "9503000073", 0.0), ("JPN", "7208100000", 0.25)], date(2025, 6, 4))
    assert _rate(t, "CAN", "7208100000", "fentanyl_north") == 0.0
    assert _rate(t, "CAN", "7208100000", "s232_metals") == pytest.approx(0.50)  # exempt in 2024: all of the 50%
    assert _rate(t, "JPN", "7208100000", "s232_metals") == pytest.approx(0.25)  # paid 25% in 2024: the base holds it
    assert t.loc[("CAN", "9503000073"), "rate:fentanyl_north"] == pytest.approx(0.25)


def test_informational_materials_and_the_electronics_list() -> None:
    rows = [("CHN", "4901990050", 0.0), ("CHN", "8541600010", 0.0), ("CHN", "8541100060", 0.0)]
    t = _lines(rows, date(2025, 4, 10))
    assert _rate(t, "CHN", "4901990050", "fentanyl") == 0.0  # books are outside IEEPA
    assert _rate(t, "CHN", "4901990050", "reciprocal") == 0.0
    assert _rate(t, "CHN", "8541600010", "reciprocal") == pytest.approx(1.25)  # piezoelectric crystals: not on the list
    assert _rate(t, "CHN", "8541100060", "reciprocal") == 0.0  # diodes: on it


def test_section_301_steps_on_china_top_the_base_up_to_the_list_rate() -> None:
    # an EV (2.5% MFN) at 100% since 2024-09-27: the base held part of it, the layer the rest
    rows = [("CHN", "8703800000", 0.40), ("CHN", "4015121000", 0.075), ("VNM", "8703800000", 0.0)]
    t = _lines(rows, date(2026, 1, 1))
    assert _rate(t, "CHN", "8703800000", "section301_china") == pytest.approx(1.025 - 0.40)
    assert _rate(t, "CHN", "4015121000", "section301_china") == pytest.approx(1.00 - 0.075)  # gloves: free, 100%
    assert _rate(t, "VNM", "8703800000", "section301_china") == 0.0


def test_the_record_ends_and_a_later_date_warns() -> None:
    scenario = load_scenario(WORLD)
    assert scenario.record_ends == date(2026, 11, 10)
    flows = validate_flows(
        pd.DataFrame(
            {
                "exporter": ["CHN"],
                "importer": ["USA"],
                "hs": ["9503000073"],
                "category": ["A"],
                "value_usd": ["1"],
                "base_rate": ["0"],
            }
        )
    )
    result = simulate(scenario, flows, date(2026, 12, 2))
    assert any("2026-11-10" in w and "record ends" in w for w in result.warnings)


def test_a_layer_whose_record_ends_earlier_warns_where_it_reaches_the_run(tmp_path: Path) -> None:
    """Section 338 on Canada is held to 2026-09-14 (its September changes are not): a run of the world
    path after that day says so, one on its last day or of China alone does not; a bad date is named."""
    world = load_scenario(WORLD)
    assert {layer.name: layer.record_ends for layer in world.layers}["canada_338"] == date(2026, 9, 14)
    flows = validate_flows(
        pd.DataFrame(
            {
                "exporter": ["CAN", "CHN"],
                "importer": ["USA"] * 2,
                "hs": ["2203000030", "9503000073"],
                "category": ["A"] * 2,
                "value_usd": ["1"] * 2,
                "base_rate": ["0"] * 2,
            }
        )
    )

    def warned(result: Result) -> list[str]:
        return [w for w in result.warnings if "'canada_338'" in w]

    later = warned(simulate(world, flows, date(2026, 10, 1)))
    assert len(later) == 1 and "2026-09-14" in later[0] and "import bans" in later[0]
    assert not warned(simulate(world, flows, date(2026, 9, 14)))
    assert not warned(simulate(load_scenario("paths/us_on_china_record"), date=date(2026, 10, 1)))
    (tmp_path / "s.yaml").write_text(
        "name: bad\nimporter: USA\nlayers:\n  - {name: a, rate: 10%, record_ends: 2026-13-01}\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "s.yaml")
    assert "layers[0].record_ends" in str(caught.value) and "YYYY-MM-DD" in str(caught.value)


def test_tracker_gaps_name_every_change_date_of_the_release() -> None:
    from simulator.analysis.tracker import gap_notes

    with open(TRACKER, newline="", encoding="utf-8") as f:
        release = {date.fromisoformat(r["date"]) for r in csv.DictReader(f) if r["series"] == "release"}
    notes = gap_notes()
    assert set(notes) == release
    assert all(len(why) > 20 for why in notes.values())


def test_tracker_comparison_against_an_independent_sum() -> None:
    """The change on 2025-02-04 is China's fentanyl duty alone: 10% of the Chinese, Hong Kong and Macau
    lines that are not informational materials, over all lines without chapters 98-99."""
    from simulator.analysis.tracker import tracker_comparison
    from simulator.data.load import load_flows

    c = tracker_comparison()
    flows = load_flows(
        None, columns=("exporter", "importer", "hs", "category", "value_usd", "base_rate"), direction=("USA", None)
    )
    flows = flows[(flows["importer"] == "USA") & ~flows["hs"].str[:2].isin(["98", "99"])]
    informational = ("49", "3704", "3705", "3706", "852329", "852341", "852349", "852380", "9701", "9702", "9703")
    china = flows["exporter"].isin(["CHN", "HKG", "MAC"]) & ~flows["hs"].str.startswith(informational)
    expected = 0.10 * flows.loc[china, "value_usd"].sum() / flows["value_usd"].sum()
    step = next(s for s in c.steps if s.date == date(2025, 2, 4))
    assert step.ours == pytest.approx(expected, rel=1e-9)
    assert c.weights_usd == pytest.approx(flows["value_usd"].sum())
    assert step.release == pytest.approx(0.042461 - 0.029094, abs=1e-6)  # the release's own figures
    assert c.steps[0].ours == 0.0 and len(c.compared) == 40


def test_the_trackers_own_drift_against_the_raw_series() -> None:
    """The later build's distance from the release, read straight from the two raw daily series (the
    change in weighted_etr since 2025-01-01 on each compared date), as the validation page states it;
    and tariffsim's series over time, as the chart draws it, holds its own change dates."""
    from simulator.analysis.tracker import tracker_comparison

    raw = Path(__file__).resolve().parent.parent / "seeds" / "raw" / "record"

    def changes(name: str) -> pd.Series:
        series = pd.read_csv(raw / name, usecols=["date", "weighted_etr"]).set_index("date")["weighted_etr"]
        return series - series["2025-01-01"]

    release, later = changes("bl_daily_overall_2026-06-09.csv"), changes("bl_daily_overall.csv")
    c = tracker_comparison()
    days = [s.date.isoformat() for s in c.compared]
    moved = (later[days] - release[days]).abs()
    assert c.release_drift == pytest.approx((moved.mean(), moved.max()), abs=1e-9)
    assert moved.mean() > 0.015  # more than the bar the release is held to
    # the chart's tariffsim line steps on its own dates too: Brazil's 301 (07-22), Canada's 338 (08-22)
    over_time = dict(c.ours_over_time)
    assert {s.date: s.ours for s in c.steps}.items() <= over_time.items()
    assert over_time[date(2026, 8, 22)] - over_time[date(2026, 7, 24)] == pytest.approx(0.003, abs=0.001)
    assert over_time[date(2026, 7, 22)] > over_time[date(2026, 6, 8)]


def test_a_one_partner_view_of_the_world_path_does_not_warn_about_the_other_partners(tmp_path: Path) -> None:
    china = simulate(load_scenario("paths/us_on_china_record"), date=date(2026, 3, 1))
    assert not [w for w in china.warnings if "no line" in w]
    # a code that is no partner at all still warns, in a one-partner scenario too
    folder = tmp_path
    (folder / "s.yaml").write_text(
        "name: typo\nimporter: USA\nexporter: CHN\nlayers:\n  - {name: a, rate: 10%, partners: [CHM]}\n",
        encoding="utf-8",
    )
    typo = simulate(load_scenario(folder / "s.yaml"))
    assert any("'CHM'" in w for w in typo.warnings)


def test_statutory_base_hand_computed() -> None:
    from simulator.data.statutory import statutory_rate

    # cotton T-shirts: 16.5% column 1; China's chapter 61 escapes 1.1283% of it (the tracker's share); list 4A 7.5%
    assert statutory_rate("6109100012", "CHN") == pytest.approx(0.165 * (1 - 0.011283) + 0.075)
    assert statutory_rate("6109100012", "MEX") == pytest.approx(0.165 * (1 - 0.899202))
    # core steel: free; Section 301 list 3 on China; the 2018 Section 232 duty on all who paid it in 2024
    assert statutory_rate("7208101500", "CHN") == pytest.approx(0.50)
    assert statutory_rate("7208101500", "JPN") == pytest.approx(0.25)
    assert statutory_rate("7208101500", "CAN") == 0.0
    # a line known only by its chapter: the mean of the chapter's HTS8 rates
    assert 0 < statutory_rate("61", "BGD") < 0.3


def test_the_base_is_chosen_in_the_scenario_and_said_in_every_output(tmp_path: Path) -> None:
    import json

    from simulator.output.result import to_csv, to_dict, to_table, to_tidy

    flows = validate_flows(
        pd.DataFrame(
            {
                "exporter": ["CHN"],
                "importer": ["USA"],
                "hs": ["6109100012"],
                "category": ["A"],
                "value_usd": ["100"],
                "base_rate": ["0.2"],
            }
        )
    )
    (tmp_path / "s.yaml").write_text(
        "name: s\nimporter: USA\nbase: statutory\nlayers: [{name: a, rate: 10%}]\n", encoding="utf-8"
    )
    statutory = simulate(load_scenario(tmp_path / "s.yaml"), flows)
    assert statutory.totals["base_duty_usd"] == pytest.approx(100 * (0.165 * (1 - 0.011283) + 0.075))
    assert json.loads(json.dumps(to_dict(statutory)))["base"] == "statutory"
    assert to_csv(statutory).splitlines()[0].startswith("scenario,date,base,")
    assert to_tidy(statutory).splitlines()[1].split(",")[2] == "statutory"
    assert "base: statutory" in to_table(statutory)
    (tmp_path / "c.yaml").write_text("name: c\nimporter: USA\nlayers: [{name: a, rate: 10%}]\n", encoding="utf-8")
    collected = simulate(load_scenario(tmp_path / "c.yaml"), flows)
    assert collected.totals["base_duty_usd"] == pytest.approx(20.0)
    assert "base: the table's base_rate" in to_table(collected)  # a table of the user's: its own base
    assert "base: China's MFN rates (June 2019)" in to_table(simulate(load_scenario("exempt_chips")))
    assert "base: duty collected in 2024" in to_table(simulate(load_scenario(WORLD), date=date(2025, 1, 1)))


def test_a_bad_base_is_named_with_its_fix(tmp_path: Path) -> None:
    from simulator import ScenarioError

    (tmp_path / "s.yaml").write_text(
        "name: s\nimporter: USA\nbase: legal\nlayers: [{name: a, rate: 10%}]\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="unknown base 'legal'; use collected"):
        load_scenario(tmp_path / "s.yaml")
    (tmp_path / "c.yaml").write_text(
        "name: c\nimporter: CHN\nbase: statutory\nlayers: [{name: a, rate: 10%}]\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="US imports only"):
        simulate(load_scenario(tmp_path / "c.yaml"))


def test_a_line_that_leaves_section_232_pays_the_duties_that_yielded_to_it() -> None:
    """Umbrella parts of metal (6603.90.81.00) were a steel and aluminium derivative in 2025 and are in no
    annex of April 2026: from 2026-04-06 their rows end (not 0%, which would still count as subject to
    Section 232), so Section 122 applies to them until it expires."""
    rows = [("VNM", "6603908100", 0.0)]
    before, after = _lines(rows, date(2026, 4, 5)), _lines(rows, date(2026, 4, 6))
    assert _rate(before, "VNM", "6603908100", "s232_metals") > 0
    assert _rate(before, "VNM", "6603908100", "section122") == 0.0
    assert _rate(after, "VNM", "6603908100", "s232_metals") == 0.0
    assert _rate(after, "VNM", "6603908100", "section122") == pytest.approx(0.10)


def test_a_rate_table_row_can_end(tmp_path: Path) -> None:
    """`end` from a date: the prefix has no row from then on, so a line falls to a shorter prefix (or to
    none, and is no longer subject to the measure); a 0% row would keep it subject."""
    (tmp_path / "t.csv").write_text(
        "hs,exporter,importer,category,value_usd\n7326900000,VNM,USA,A,100\n8501000000,VNM,USA,A,100\n"
    )
    (tmp_path / "r.csv").write_text(
        "hs,rate,from\n73,5%,\n7326,25%,\n7326,end,2026-04-06\n8501,25%,\n8501,end,2026-04-06\n"
    )
    (tmp_path / "s.yaml").write_text(
        "importer: USA\ntrade: t.csv\nlayers:\n  - {name: s232, rates: r.csv}\n  - {name: other, rate: 10%}\n"
        "stacking:\n  - {layer: other, yields_to: [s232]}\n"
    )
    table = lines(load_scenario(tmp_path / "s.yaml"), date(2026, 4, 5)).set_index("hs")
    assert table.loc["7326900000", "rate:s232"] == 0.25 and table.loc["7326900000", "rate:other"] == 0.0
    table = lines(load_scenario(tmp_path / "s.yaml"), date(2026, 4, 6)).set_index("hs")
    assert table.loc["7326900000", "rate:s232"] == 0.05 and table.loc["7326900000", "rate:other"] == 0.0  # falls to 73
    assert table.loc["8501000000", "rate:s232"] == 0.0 and table.loc["8501000000", "rate:other"] == 0.10  # no row left
    (tmp_path / "r.csv").write_text("hs,rate,from\n7326,end,\n")
    with pytest.raises(ScenarioError, match="rate end needs a from date"):
        load_scenario(tmp_path / "s.yaml")
