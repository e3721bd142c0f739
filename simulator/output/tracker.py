"""The validation page's section on the US record: the world path beside the Budget Lab tracker."""

from __future__ import annotations

from collections import defaultdict

from simulator.analysis.tracker import (
    PARTNER_DATES,
    TARGET_MAX,
    TARGET_MEAN,
    TARGET_PARTNER,
    WORLD,
    TrackerComparison,
)
from simulator.output.formats import markdown_cell
from simulator.units import usd


def _pts(x: float) -> str:
    return f"{x * 100:+.2f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(markdown_cell(x) for x in cells) + " |"


def tracker_markdown(c: TrackerComparison, chart: str | None = None) -> str:
    worst = c.largest_gap
    drift, drift_max = c.release_drift
    held = "within" if c.mean_gap <= TARGET_MEAN and abs(worst.gap) <= TARGET_MAX else "outside"
    lines = [
        "",
        "## The US record on every partner beside the Budget Lab's tracker",
        "",
        f"`{WORLD}` (its record ends on {c.record_ends}) at every date on which the Yale Budget Lab's",
        "tariff-rate tracker changes, as published in its release of 2026-06-09 [bl-tracker-2026]. Both weight",
        f"each HTS10 line and partner by 2024 Census imports without chapters 98-99 ({usd(c.weights_usd)} here,",
        "$3,119.3B in the tracker), so the **change in the overall rate since 2025-01-01**, in percentage points,",
        "is compared like with like. Levels are compared on tariffsim's statutory base (`base: statutory`,",
        "the last two columns): the tracker's rates are statutory, tariffsim's default base is the duty",
        "collected in 2024. The later build of the tracker's repository (2026-06-29) and its scenario with",
        "the forced-labor duty are shown beside it.",
        "",
        f"Over the {len(c.compared)} change dates up to the release's last revision (2026-06-08), the gap",
        f"averages **{c.mean_gap * 100:.2f} points**; the largest is {worst.gap * 100:+.2f} on {worst.date}.",
        f"That is {held} the bar set for a faithful encoding ({TARGET_MEAN * 100:.1f} points on average, none",
        f"beyond {TARGET_MAX * 100:.0f}); against the tracker's later build on the same dates the gap averages",
        f"{c.mean_gap_later * 100:.2f} points, and the later build itself stands {drift * 100:.2f} points from the",
        f"release on average (at most {drift_max * 100:.2f}): the release is one vintage of a record its authors",
        "still revise. Most of tariffsim's gap is two things, each explained on its dates below: USMCA",
        "take-up (tariffsim exempts Canadian and Mexican goods at each line's share entered under USMCA, which",
        "leaves those two partners about 5 points above the tracker until the fentanyl duty ends), and dating",
        "(tariffsim dates each step by its legal effect; the release dates some by its HTS revisions). A third",
        "is smaller: civil aircraft lists, whose general subheadings (machinery, batteries, wiring) the tracker",
        "exempts whole and tariffsim only where the HTS names the line as aircraft, as only goods for civil",
        "aircraft qualify (about 0.8 points from 2026-02-24; `paths/us_all_partners_aircraft_whole` exempts them",
        "whole). Nothing was fitted to close a gap.",
        "",
    ]
    if chart:
        lines += [f"![tariffsim and the tracker over time]({chart})", ""]
    lines += [
        "| date | tracker, release | later build | with forced labor | tariffsim | gap | why they differ "
        "| level: tracker | level: tariffsim, statutory base |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for s in c.steps:
        cells = [
            s.date.isoformat(),
            _pts(s.release),
            _pts(s.later_build),
            _pts(s.forced_labor),
            _pts(s.ours),
            _pts(s.gap),
            s.why,
            f"{s.release_level:.2%}",
            f"{s.statutory_level:.2%}",
        ]
        lines.append(_row(cells))
    lines += [
        "",
        "### The largest partners",
        "",
        "Change since 2025-01-01 in each partner's rate, in points, tariffsim against the tracker's later",
        "build (the release is not published by partner), the 27 EU members as one partner weighted by",
        f"their 2024 imports. The bar for a faithful encoding is {TARGET_PARTNER * 100:.0f} points.",
        "",
        "| partner | 2024 imports | " + " | ".join(d.isoformat() for d in PARTNER_DATES) + " |",
        "|---|---:|" + "---:|" * len(PARTNER_DATES),
    ]
    by_partner: dict[str, dict] = defaultdict(dict)
    for p in c.partners:
        by_partner[p.partner][p.date] = p
    for code, steps in by_partner.items():
        first = next(iter(steps.values()))
        cells = [f"{code} {first.name}", usd(first.value_usd)]
        cells += [f"{_pts(steps[d].ours)} / {_pts(steps[d].theirs)}" if d in steps else "" for d in PARTNER_DATES]
        lines.append(_row(cells))
    lines += [
        "",
        "Each cell: tariffsim / tracker. Where they part by more than the bar: Canada and Mexico (USMCA take-up,",
        "until 2026-02-24); Switzerland on 2025-08-07 (gold, exempt in the tracker); and from 2025-11-14 the",
        "tracker's later build counts the August 18 derivative inclusions and the September Annex II",
        "amendment, which tariffsim does not hold (Singapore, Switzerland, Korea, India, the EU and the UK).",
        "",
    ]
    return "\n".join(lines)
