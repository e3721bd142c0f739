"""Sweep one layer's rate across a range: duty, import value and exempted value at each rate.

With a trade response the revenue curve rises, peaks and falls: past some rate, imports shrink
faster than the rate grows. All steps are evaluated together (see batch.py).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from simulator.engine.batch import Progress, batch_totals
from simulator.engine.evaluate import date_for, rates_at, shares_at
from simulator.engine.prepare import prepare
from simulator.errors import Problem, ScenarioError, did_you_mean, short
from simulator.scenario.model import Scenario


def sweep(
    scenario: Scenario,
    layer: str,
    low: float,
    high: float,
    steps: int,
    *,
    when: date | str | None = None,
    flows: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One row per rate of `layer` from `low` to `high` (fractions), other rates as on `when`."""
    names = [x.name for x in scenario.layers]
    if layer not in names:
        where = str(scenario.source or "<scenario>")
        raise ScenarioError([Problem(where, f"no layer {short(layer)} to sweep{did_you_mean(layer, names)}")])
    if steps < 2 or not 0 <= low <= high:
        raise ValueError("a sweep needs steps >= 2 and 0 <= low <= high")
    when = date_for(scenario, when)
    prepared = prepare(scenario, flows)
    grid = np.linspace(low, high, steps)
    rates = np.tile(rates_at(scenario, when), (steps, 1))
    rates[:, names.index(layer)] = grid
    totals = batch_totals(prepared, rates, shares_at(scenario, when), when=when, progress=progress)
    return pd.DataFrame({"rate": grid, **totals})


def swept(scenario: Scenario, layer: str) -> str:
    """What a sweep of `layer` moves: its rate, or for a layer with a rate table the scale of the
    table's rates (100% = as listed; 200% doubles every line's rate)."""
    return "scale" if any(x.name == layer and x.table is not None for x in scenario.layers) else "rate"


def peak(table: pd.DataFrame) -> pd.Series:
    """The sweep row with the most duty (the top of the revenue curve)."""
    return table.iloc[int(np.argmax(table["duty_usd"].to_numpy()))]
