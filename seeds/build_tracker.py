"""Build the Budget Lab tracker series tariffsim is set beside, from seeds/raw/record/, byte for byte.

    python seeds/build_tracker.py            # writes simulator/bundled/tracker_budget_lab.csv
    python seeds/build_tracker.py --check    # fails if the bundled file differs from what raw/ builds

One row per series, partner and date on which the series changes (a series holds between its rows):
`release` (the published release of 2026-06-09), `later_build` (the repository's build of 2026-06-29),
`forced_labor` (the tracker's scenario with the Section 301 forced-labor duty from 2026-08-01), and
`by_partner` (the later build, for the 15 largest partners by 2024 weight, the 27 EU members as one
partner weighted by their 2024 imports). `etr` is the statutory effective rate as a fraction.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import defaultdict
from pathlib import Path

from build_us_record import partner_by_census

HERE = Path(__file__).resolve().parent
RECORD = HERE / "raw" / "record"
BUNDLED = HERE.parent / "simulator" / "bundled"
OUT = BUNDLED / "tracker_budget_lab.csv"
TOP = 15


def overall(name: str) -> list[tuple[str, float]]:
    with open(RECORD / name, newline="", encoding="utf-8") as f:
        return [(r["date"], float(r["weighted_etr"])) for r in csv.DictReader(f)]


def changes(series: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The first day and every day the value changes (the rest follows: the series holds between)."""
    out: list[tuple[str, float]] = []
    for day, value in series:
        if not out or value != out[-1][1]:
            out.append((day, value))
    return out


def by_partner(dates: list[str]) -> dict[str, list[tuple[str, float]]]:
    import pyarrow.parquet as pq

    code = partner_by_census()
    with open(RECORD / "bl_imports_by_country_gtap_2024.csv", newline="", encoding="utf-8") as f:
        weight = {r["cty_code"]: float(r["total_imports"]) for r in csv.DictReader(f)}
    table = pq.read_table(RECORD / "bl_daily_by_country.parquet", columns=["date", "country", "weighted_etr"])
    wanted = set(dates)
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for day, country, etr in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
        day = str(day)
        partner, w = code.get(str(country)), weight.get(str(country), 0.0)
        if day in wanted and partner and w > 0 and etr is not None:
            s = sums[(partner, day)]
            s[0] += w * float(etr)
            s[1] += w
    totals: dict[str, float] = defaultdict(float)
    for census, w in weight.items():
        if census in code:
            totals[code[census]] += w
    top = sorted(totals, key=lambda p: -totals[p])[:TOP]
    return {p: [(d, sums[(p, d)][0] / sums[(p, d)][1]) for d in dates if sums[(p, d)][1] > 0] for p in top}


def build() -> str:
    release = changes(overall("bl_daily_overall_2026-06-09.csv"))
    rows = [("release", "", d, v) for d, v in release]
    rows += [("later_build", "", d, v) for d, v in changes(overall("bl_daily_overall.csv"))]
    rows += [("forced_labor", "", d, v) for d, v in changes(overall("bl_scenario_forced_labor_0801_daily_overall.csv"))]
    for partner, series in by_partner([d for d, _ in release]).items():
        rows += [("by_partner", partner, d, v) for d, v in series]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["series", "partner", "date", "etr"])
    writer.writerows((s, p, d, f"{v:.10g}") for s, p, d, v in rows)
    return buffer.getvalue()


def main() -> None:
    text = build()
    if "--check" in sys.argv[1:]:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{OUT.name} differs from what seeds/raw/ builds; run python seeds/build_tracker.py")
        print(f"{OUT.name} is what seeds/raw/ builds")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} rows)")


if __name__ == "__main__":
    main()
