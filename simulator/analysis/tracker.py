"""The US path on every partner beside the Yale Budget Lab's tariff-rate tracker, date by date.

Both sides weight each HTS10 line and partner by 2024 Census imports for consumption without chapters
98-99, so the change in the overall rate since 2025-01-01 is compared like with like. Levels are not:
tariffsim's base is the duty collected in 2024, the tracker's the statutory MFN rate. Every change
date of the tracker's release has one line in `tracker_gaps.csv` saying why the two differ; nothing
in the path is fitted to the tracker.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np

from simulator.bundled import TRACKER, TRACKER_GAPS

WORLD = "paths/us_all_partners"
STATUTORY = "paths/us_all_partners_statutory"  # the same path on the statutory base: levels compare too
START = date(2025, 1, 1)
# The partner table's dates: each a step of the IEEPA and Section 122 record, before the forced-labor
# duty, which the release does not hold.
PARTNER_DATES = (date(2025, 4, 10), date(2025, 5, 14), date(2025, 8, 7), date(2025, 11, 14), date(2026, 3, 1))
TARGET_MEAN, TARGET_MAX, TARGET_PARTNER = 0.015, 0.04, 0.04  # the bar for a faithful encoding


@dataclass(frozen=True)
class Series:
    """A step series: each value holds from its date to the next."""

    dates: tuple[date, ...]
    values: tuple[float, ...]

    @cached_property
    def ordinals(self) -> np.ndarray:
        return np.array([d.toordinal() for d in self.dates])

    def at(self, when: date) -> float:
        i = int(np.searchsorted(self.ordinals, when.toordinal(), side="right")) - 1
        return self.values[max(i, 0)]

    def change(self, when: date) -> float:
        return self.at(when) - self.at(START)


@dataclass(frozen=True)
class Step:
    date: date
    release: float  # change since 2025-01-01 in the tracker's release of 2026-06-09
    later_build: float  # the same in the repository's later build
    forced_labor: float  # the tracker's scenario with the forced-labor duty from 2026-08-01
    ours: float
    why: str
    release_level: float = 0.0  # the tracker's overall rate itself
    statutory_level: float = 0.0  # tariffsim's overall rate on the statutory base

    @property
    def gap(self) -> float:
        return self.ours - self.release


@dataclass(frozen=True)
class PartnerStep:
    partner: str
    name: str
    value_usd: float
    date: date
    theirs: float  # change since 2025-01-01, the tracker's later build
    ours: float


@dataclass(frozen=True)
class TrackerComparison:
    steps: tuple[Step, ...]
    partners: tuple[PartnerStep, ...]
    record_ends: date | None
    weights_usd: float
    # tariffsim's change at each of its own change dates and the tracker's, for the chart: the steps above
    # are at the tracker's dates only, where a measure of tariffsim's own date would show late
    ours_over_time: tuple[tuple[date, float], ...] = ()

    @cached_property
    def compared(self) -> tuple[Step, ...]:
        """The steps the release can speak for: up to its own last revision (2026-06-08); later dates are
        its status-quo projection, which the forced-labor duty of 2026-07-24 overtook."""
        return tuple(s for s in self.steps if s.date <= date(2026, 6, 8))

    @property
    def mean_gap(self) -> float:
        return float(np.mean([abs(s.gap) for s in self.compared]))

    @property
    def mean_gap_later(self) -> float:
        """The same average against the tracker's later build (2026-06-29) of the same dates."""
        return float(np.mean([abs(s.ours - s.later_build) for s in self.compared]))

    @property
    def release_drift(self) -> tuple[float, float]:
        """How far the tracker's later build stands from its own release on the same dates (mean and
        largest absolute difference): what the same authors' later lists and dates alone move."""
        moved = [abs(s.later_build - s.release) for s in self.compared]
        return float(np.mean(moved)), float(np.max(moved))

    @property
    def largest_gap(self) -> Step:
        return max(self.compared, key=lambda s: abs(s.gap))


def _series() -> dict[tuple[str, str], Series]:
    rows: dict[tuple[str, str], list[tuple[date, float]]] = {}
    with open(TRACKER, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.setdefault((r["series"], r["partner"]), []).append((date.fromisoformat(r["date"]), float(r["etr"])))
    return {k: Series(tuple(d for d, _ in v), tuple(x for _, x in v)) for k, v in rows.items()}


def gap_notes() -> dict[date, str]:
    with open(TRACKER_GAPS, newline="", encoding="utf-8") as f:
        return {date.fromisoformat(r["date"]): r["why"] for r in csv.DictReader(f)}


def tracker_comparison() -> TrackerComparison:
    """tariffsim's world path at every change date of the tracker's release, on the tracker's weights."""
    from simulator.data.load import load_flows
    from simulator.engine.evaluate import evaluate, totals_at
    from simulator.engine.prepare import prepare
    from simulator.scenario.load import load_scenario

    columns = ("exporter", "importer", "hs", "category", "value_usd", "base_rate", "source")
    flows = load_flows(None, columns=columns, direction=("USA", None))
    flows = flows[(flows["importer"] == "USA") & ~flows["hs"].str[:2].isin(["98", "99"])].reset_index(drop=True)
    scenario = load_scenario(WORLD)
    prepared = prepare(scenario, flows).alike  # the keys that behave alike, once: 43 dates are evaluated
    statutory = prepare(load_scenario(STATUTORY), flows).alike
    series, notes = _series(), gap_notes()
    release = series[("release", "")]
    start = totals_at(prepared, START)["effective_rate"]
    steps = tuple(
        Step(
            date=d,
            release=release.change(d),
            later_build=series[("later_build", "")].change(d),
            forced_labor=series[("forced_labor", "")].change(d),
            ours=totals_at(prepared, d)["effective_rate"] - start,
            why=notes.get(d, ""),
            release_level=release.at(d),
            statutory_level=totals_at(statutory, d)["effective_rate"],
        )
        for d in release.dates
    )
    first = evaluate(prepared, START, timeline=False).by_partner
    start_rate = dict(zip(first["partner"], first["effective_rate"].astype(float), strict=True))
    partners = []
    for when in PARTNER_DATES:
        frame = evaluate(prepared, when, timeline=False).by_partner
        rows = {str(r["partner"]): r for r in frame.to_dict("records")}
        for (kind, code), s in series.items():
            if kind == "by_partner" and code in rows:
                row = rows[code]
                partners.append(
                    PartnerStep(
                        partner=code,
                        name=str(row["partner_name"]),
                        value_usd=float(row["import_value_usd"]),
                        date=when,
                        theirs=s.change(when),
                        ours=float(row["effective_rate"]) - start_rate[code],
                    )
                )
    partners.sort(key=lambda p: (-p.value_usd, p.date))
    known = {s.date: s.ours for s in steps}
    own = sorted({*known, *(d for d in scenario.change_dates if d > START)})
    over_time = tuple((d, known[d] if d in known else totals_at(prepared, d)["effective_rate"] - start) for d in own)
    return TrackerComparison(
        steps, tuple(partners), scenario.record_ends, float(flows["value_usd"].sum()), ours_over_time=over_time
    )
