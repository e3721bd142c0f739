"""What each exemption is worth, and what Beijing (or Washington) could exempt next.

- alone: the duty relief if only this exemption were granted;
- dropping: the extra duty if every other exemption stayed and this one went;
- candidates: categories not yet fully exempt, by the relief that exempting them from every layer
  would add to the current exemptions.
Overlaps make "alone" and "dropping" differ: two exemptions on the same lines are each worth a lot
alone and little to drop. All variants are evaluated together (see batch.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from simulator.engine.batch import alike_merged, batch_totals
from simulator.engine.evaluate import date_for, evaluate, rates_at, shares_at
from simulator.engine.prepare import prepare
from simulator.scenario.model import Scenario

VARIANT_CELLS = 1 << 22  # shares per slice of variants: 32 MB


@dataclass(frozen=True)
class Ranking:
    scenario: Scenario
    date: date | None
    exemptions: pd.DataFrame  # name, matched value, alone, dropping, share of total relief
    candidates: pd.DataFrame  # category, import value, already exempted, relief if exempted
    total_relief: float


def rank(scenario: Scenario, *, when: date | str | None = None, flows: pd.DataFrame | None = None) -> Ranking:
    when = date_for(scenario, when)
    prepared = prepare(scenario, flows)
    rates = rates_at(scenario, when)
    shares = shares_at(scenario, when)
    e = len(shares)
    categories = prepared.categories
    # variants: none, all, each alone, all but each, all plus each category
    extra = (
        np.column_stack([prepared.key_category == c for c in range(len(categories))])
        if categories
        else np.zeros((len(prepared.value), 0), bool)
    )
    wide = replace(
        prepared,
        match=np.hstack([prepared.match, extra]),  # a category added has no share table: it is exempted whole
        waives=np.vstack([prepared.waives, np.ones((len(categories), prepared.cover.shape[1]), bool)]),
    )
    n_cat = len(categories)
    n_variants = 2 + 2 * e + n_cat

    def variants(start: int, stop: int) -> np.ndarray:
        """Rows start..stop of the variants: none, all, each alone, all but each, all plus each category."""
        rows = np.arange(start, stop)
        out = np.zeros((stop - start, e + n_cat))
        out[(rows >= 1) & ((rows < 2) | (rows >= 2 + e)), :e] = shares  # all, all but one, all plus a category
        alone = (rows >= 2) & (rows < 2 + e)
        out[alone, rows[alone] - 2] = shares[rows[alone] - 2]
        dropped = (rows >= 2 + e) & (rows < 2 + 2 * e)
        out[dropped, rows[dropped] - 2 - e] = 0.0
        added = rows >= 2 + 2 * e
        out[added, e + rows[added] - 2 - 2 * e] = 1.0
        return out

    # the variants grow with E and so does each row: built a slice at a time, memory stays bounded
    # (20,000 exemptions as one matrix took 6 GiB)
    step = max(1, VARIANT_CELLS // max(e + n_cat, 1))
    merged = wide if wide.responds else alike_merged(wide, when)
    duty = np.concatenate(
        [
            batch_totals(merged, rates, variants(start, min(n_variants, start + step)), when=when, merge=False)[
                "duty_usd"
            ]
            for start in range(0, n_variants, step)
        ]
    )
    none, everything = duty[0], duty[1]
    matched = [float(prepared.value[prepared.match[:, i]].sum()) for i in range(e)]
    estimated = prepared.estimated if prepared.estimated is not None else np.zeros(len(prepared.value))
    matched_estimated = [float(estimated[prepared.match[:, i]].sum()) for i in range(e)]
    total_relief = float(none - everything)
    exemptions = pd.DataFrame(
        {
            "exemption": [x.name for x in scenario.exemptions],
            "matched_value_usd": matched,
            "matched_estimated_share": [
                x / v if v > 0 else 0.0 for x, v in zip(matched_estimated, matched, strict=True)
            ],
            "alone_relief_usd": none - duty[2 : 2 + e],
            "dropping_costs_usd": duty[2 + e : 2 + 2 * e] - everything,
        }
    )
    exemptions["share_of_relief"] = exemptions["alone_relief_usd"] / total_relief if total_relief > 0 else 0.0
    exemptions = exemptions.sort_values("alone_relief_usd", ascending=False, ignore_index=True)
    current = evaluate(prepared, when).by_category.set_index("category")
    candidates = pd.DataFrame(
        {
            "category": list(categories),
            "relief_if_exempted_usd": everything - duty[2 + 2 * e :],
        }
    )
    candidates["import_value_usd"] = current.loc[candidates["category"], "import_value_usd"].to_numpy()
    candidates["exempted_share"] = current.loc[candidates["category"], "exempted_share"].to_numpy()
    candidates["estimated_share"] = current.loc[candidates["category"], "estimated_share"].to_numpy()
    candidates = candidates[candidates["relief_if_exempted_usd"] > 1e-6 * max(1.0, abs(everything))]
    candidates = candidates.sort_values("relief_if_exempted_usd", ascending=False, ignore_index=True)
    return Ranking(scenario, when, exemptions, candidates, total_relief)
