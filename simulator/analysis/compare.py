"""Compare scenarios side by side: escalation against de-escalation, one side against the other.

All scenarios are evaluated at one common date (by default the latest change date of any of them),
and, when dated, at every change date of every scenario, so paths can be read step by step.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.engine.evaluate import TOTAL_KEYS, Result, evaluate
from simulator.engine.prepare import prepare
from simulator.engine.timeline import timeline_totals
from simulator.scenario.model import Scenario
from simulator.scenario.scalars import as_date


@dataclass(frozen=True)
class Comparison:
    """Several results at one date, their differences from the first, and their paths over time."""

    results: tuple[Result, ...]
    labels: tuple[str, ...]
    date: datetime.date | None
    totals: pd.DataFrame  # one row per scenario: label, direction, totals keys
    differences: pd.DataFrame  # the same, minus the first scenario's totals
    rates: pd.DataFrame  # effective rate per category (rows) and scenario (columns); NaN where absent
    partner_rates: pd.DataFrame  # the same per partner, when some scenario covers several; else empty
    timeline: pd.DataFrame  # long: date, label, totals keys, at the union of all change dates
    parting: dict[str, datetime.date | None]  # for each scenario after the first: the first date its duty differs

    @property
    def same_direction(self) -> bool:
        return len({(r.scenario.importer, r.scenario.exporter) for r in self.results}) == 1

    @property
    def comparability(self) -> str:
        """What the side-by-side numbers mean when the scenarios tax different flows; empty when they do not."""
        if self.same_direction:
            return ""
        directions = " and ".join(sorted({r.scenario.label for r in self.results}))
        return (
            f"These scenarios tax different trade ({directions}). Each one's totals are its own side's figures, "
            "comparable as amounts of money and as rates on different bases. A category row is not a before and "
            "after: the same name covers different goods and values in each side's table (China's imports from "
            "the US are not the US's imports from China), so read its rates side by side, not as a change."
        )


def labels_for(scenarios: Sequence[Scenario]) -> tuple[str, ...]:
    """Short unique labels: the file stem, or the name, with the direction when directions differ."""
    base = [s.source.stem if s.source is not None else s.name for s in scenarios]
    if len({(s.importer, s.exporter) for s in scenarios}) > 1:
        base = [f"{b} ({s.label})" for b, s in zip(base, scenarios, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for b in base:
        seen[b] = seen.get(b, 0) + 1
        out.append(b if seen[b] == 1 else f"{b} #{seen[b]}")
    return tuple(out)


def compare(
    scenarios: Sequence[Scenario], *, date: datetime.date | str | None = None, flows: pd.DataFrame | None = None
) -> Comparison:
    """Evaluate every scenario at one date and along the union of their change dates."""
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    prepared = [prepare(s, flows).alike for s in scenarios]  # the path at every date: alike keys once
    all_dates = sorted({d for s in scenarios for d in s.change_dates})
    when = as_date(date) if date is not None else (all_dates[-1] if all_dates else None)
    results = tuple(evaluate(p, when) for p in prepared)
    labels = labels_for(scenarios)

    totals = pd.DataFrame(
        [{"label": lab, "direction": r.scenario.label, **r.totals} for lab, r in zip(labels, results, strict=True)]
    )
    numeric = list(TOTAL_KEYS)
    differences = totals.copy()
    differences[numeric] = totals[numeric] - totals[numeric].iloc[0]

    rates = pd.concat(
        [
            r.by_category.set_index("category")["effective_rate"].rename(lab)
            for lab, r in zip(labels, results, strict=True)
        ],
        axis=1,
    )
    first = results[0].by_category["category"].tolist()
    rates = rates.loc[first + [c for c in rates.index if c not in first]].copy()  # one block, not one per scenario
    rates.index.name = "category"
    partner_rates = pd.DataFrame()
    if any(r.partners > 1 for r in results):
        partner_rates = pd.concat(
            [
                r.by_partner.set_index("partner")["effective_rate"].rename(lab)
                for lab, r in zip(labels, results, strict=True)
            ],
            axis=1,
        )
        order = [p for r in results for p in r.by_partner["partner"]]  # the first scenario's largest first
        partner_rates = partner_rates.loc[list(dict.fromkeys(order))].copy()
        partner_rates.index.name = "partner"

    steps = [list(timeline_totals(p, all_dates)) for p in prepared]  # every path on the union of dates
    rows = [
        {"date": d, "label": lab, **path[i]}
        for i, d in enumerate(all_dates)
        for lab, path in zip(labels, steps, strict=True)
    ]
    timeline = pd.DataFrame(rows, columns=["date", "label", *TOTAL_KEYS])
    same = len({(s.importer, s.exporter) for s in scenarios}) == 1
    return Comparison(
        results=results,
        labels=labels,
        date=when,
        totals=totals,
        differences=differences,
        rates=rates,
        partner_rates=partner_rates,
        timeline=timeline,
        parting=_parting(timeline, labels) if same else {},
    )


def _parting(timeline: pd.DataFrame, labels: Sequence[str]) -> dict[str, datetime.date | None]:
    """For each scenario after the first, the first change date on which its duty differs from the first's."""
    if timeline.empty:  # constant scenarios have no change dates to part on
        return {}
    wide = timeline.pivot(index="date", columns="label", values="duty_usd")
    ref = wide[labels[0]].to_numpy()
    out: dict[str, datetime.date | None] = {}
    for lab in labels[1:]:
        differs = ~np.isclose(wide[lab].to_numpy(), ref, rtol=1e-9, atol=1.0)
        out[lab] = wide.index[differs][0] if differs.any() else None
    return out
