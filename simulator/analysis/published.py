"""tariffsim's figures beside published ones, at the same dates, each with its weighting and why they differ.

The published figures are in the bundled `published.csv` (source, direction, measure, date, figure,
the source's weighting, the bundled scenario to evaluate, one line on the difference). Where tariffsim's weights rest on
estimated lines, the row says how much, and gives the range the real chapter totals allow. Nothing here
is fitted: the scenarios encode the measures from the legal record, and a gap that stays is reported.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date

from simulator.bundled import PUBLISHED
from simulator.engine.evaluate import evaluate
from simulator.engine.prepare import Prepared, prepare
from simulator.scenario.load import load_scenario


@dataclass(frozen=True)
class PublishedFigure:
    source: str
    direction: str
    measure: str
    date: date
    published: float
    ours: float
    weighting: str
    scenario: str
    why: str
    estimated: float = 0.0  # the share of tariffsim's weights on estimated lines
    low: float | None = None  # tariffsim's figure over every split of the estimated chapters (engine.allocation)
    high: float | None = None


def published_comparisons() -> list[PublishedFigure]:
    """Every published figure with tariffsim's at the same date, on the scenario the row names."""
    with open(PUBLISHED, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    prepared: dict[str, Prepared] = {}
    out = []
    for row in rows:
        name = row["scenario"]
        if name not in prepared:
            prepared[name] = prepare(load_scenario(name))
        when = date.fromisoformat(row["date"])
        result = evaluate(prepared[name], when, timeline=False)
        low, high = result.ranges.get(row["measure"], (None, None))
        out.append(
            PublishedFigure(
                source=row["source"],
                direction=row["direction"],
                measure=row["measure"],
                date=when,
                published=float(row["published"]),
                ours=result.totals[row["measure"]],
                weighting=row["weighting"],
                scenario=name,
                why=row["why"],
                estimated=result.totals["estimated_share"],
                low=low,
                high=high,
            )
        )
    return out
