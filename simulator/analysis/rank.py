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

from simulator.engine.batch import batch_totals
from simulator.engine.evaluate import default_date, evaluate, rates_at, shares_at
from simulator.engine.prepare import prepare
from simulator.scenario.model import Scenario


@dataclass(frozen=True)
class Ranking:
    scenario: Scenario
    date: date | None
    exemptions: pd.DataFrame  # name, matched value, alone, dropping, share of total relief
    candidates: pd.DataFrame  # category, import value, already exempted, relief if exempted
    total_relief: float


def rank(scenario: Scenario, *, when: date | None = None, flows: pd.DataFrame | None = None) -> Ranking:
    when = when if when is not None else default_date(scenario)
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
        match=np.hstack([prepared.match, extra]),
        waives=np.vstack([prepared.waives, np.ones((len(categories), prepared.cover.shape[1]), bool)]),
    )
    n_cat = len(categories)
    variants = np.zeros((2 + 2 * e + n_cat, e + n_cat))
    variants[1, :e] = shares
    for i in range(e):
        variants[2 + i, i] = shares[i]
        variants[2 + e + i, :e] = shares
        variants[2 + e + i, i] = 0.0
    for c in range(n_cat):
        variants[2 + 2 * e + c, :e] = shares
        variants[2 + 2 * e + c, e + c] = 1.0
    duty = batch_totals(wide, rates, variants, when=when)["duty_usd"]
    none, everything = duty[0], duty[1]
    matched = [float(prepared.value[prepared.match[:, i]].sum()) for i in range(e)]
    total_relief = float(none - everything)
    exemptions = pd.DataFrame(
        {
            "exemption": [x.name for x in scenario.exemptions],
            "matched_value_usd": matched,
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
    candidates = candidates[candidates["relief_if_exempted_usd"] > 1e-6 * max(1.0, abs(everything))]
    candidates = candidates.sort_values("relief_if_exempted_usd", ascending=False, ignore_index=True)
    return Ranking(scenario, when, exemptions, candidates, total_relief)
