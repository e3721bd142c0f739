"""Every line of a scenario at a date: its value, each layer's rate, what was exempted, its duty.

A journalist's first question is "which products?". The engine resolves rules once per key (HS code,
category, partner); each line takes its key's rates and exempted shares, so the lines' duties sum
to the run's totals exactly (a test checks it). With a trade response each line's imports respond
to its own key's rates, as in the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from simulator.engine.evaluate import date_for, rates_at, shares_at, waived_share
from simulator.engine.prepare import prepare
from simulator.engine.response import responded_value
from simulator.errors import Problem, ProblemsError, did_you_mean, short
from simulator.scenario.model import Scenario


def lines(
    scenario: Scenario,
    when: date | str | None = None,
    flows: pd.DataFrame | None = None,
    *,
    exempted: bool = False,
    categories: Sequence[str] = (),
    partners: Sequence[str] = (),
    hs: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per line of the scenario's direction, largest duty relief first, then largest value.

    Filters: `exempted` keeps lines with an exempted value; `categories`, `partners` (codes) and `hs`
    (prefixes) keep lines matching any of the values given.
    """
    when = date_for(scenario, when)
    prepared = prepare(scenario, flows, reduce=False)
    rates, shares = rates_at(scenario, when), shares_at(scenario, when)
    r = prepared.rates(rates, when)  # (K, L) after stacking
    s = waived_share(prepared, shares)  # (K, L)
    key = prepared.row_key
    rows = prepared.flows
    v0 = rows["value_usd"].to_numpy(dtype=float)
    t0 = rows["base_rate"].to_numpy(dtype=float)
    additional = (r * (1 - s)).sum(axis=1)
    gross = r.sum(axis=1)
    v1, vg = v0, v0
    if prepared.elasticity is not None:
        v1 = responded_value(v0, t0, additional[key], prepared.elasticity)
        vg = responded_value(v0, t0, gross[key], prepared.elasticity)
    exempt_share = (s * (r > 0)).max(axis=1, initial=0.0)
    out: dict[str, object] = {
        "partner": rows["exporter"].astype(str).to_numpy(),
        "hs": rows["hs"].astype(str).to_numpy(),
        "description": rows["description"].astype(str).to_numpy() if "description" in rows else "",
        "category": rows["category"].astype(str).to_numpy(),
        "source": rows["source"].astype(str).to_numpy() if "source" in rows else "",
        "value_usd": v0,
        "base_rate": t0,
    }
    for j, layer in enumerate(scenario.layers):
        out[f"rate:{layer.name}"] = r[key, j]
        out[f"waived:{layer.name}"] = s[key, j] * (r[key, j] > 0)
    out |= {
        "exemptions": _matched(prepared.match, shares, [x.name for x in scenario.exemptions])[key],
        "effective_rate": t0 + additional[key],
        "exempted_share": exempt_share[key],
        "exempted_value_usd": v1 * exempt_share[key],
        "duty_usd": v1 * (t0 + additional[key]),
        "duty_without_exemptions_usd": vg * (t0 + gross[key]),
    }
    if prepared.elasticity is not None:
        out["value_after_response_usd"] = v1
    table = pd.DataFrame(out)
    table["duty_relief_usd"] = table["duty_without_exemptions_usd"] - table["duty_usd"]
    for option, asked, column in (("--category", categories, "category"), ("--partner", partners, "partner")):
        present = sorted(set(table[column]))
        unknown = [a for a in asked if a not in present]
        if unknown:
            raise ProblemsError(
                [
                    Problem(option, f"no {column} {short(a)} among this scenario's lines{did_you_mean(a, present)}")
                    for a in unknown
                ]
            )
    keep = np.ones(len(table), bool)
    if exempted:
        keep &= table["exempted_value_usd"].to_numpy() > 0
    if categories:
        keep &= table["category"].isin(categories).to_numpy()
    if partners:
        keep &= table["partner"].isin(partners).to_numpy()
    if hs:
        keep &= table["hs"].str.startswith(tuple(hs)).to_numpy()
    table = table.loc[keep]
    return table.sort_values(["duty_relief_usd", "value_usd"], ascending=False, kind="stable", ignore_index=True)


def _matched(match: np.ndarray, shares: np.ndarray, names: list[str]) -> np.ndarray:
    """(K,) the names of the exemptions in force that match each key, joined by '; ' (once per pattern)."""
    live = match & (shares > 0)
    if not live.shape[1]:
        return np.full(len(match), "", dtype=object)
    patterns, which = np.unique(np.packbits(live, axis=1), axis=0, return_inverse=True)
    text = ["; ".join(n for n, on in zip(names, np.unpackbits(p)[: len(names)], strict=True) if on) for p in patterns]
    return np.asarray(text, dtype=object)[which.ravel()]
