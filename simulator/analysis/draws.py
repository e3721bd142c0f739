"""Unconfirmed exemption lists: draw which uncertain exemptions are granted, and report the spread.

An exemption with `probability: 60%` is granted in a draw with that chance, independently of the
others; certain exemptions (the default, 100%) are always granted. Each draw is evaluated like a
plain run; we report percentiles across draws. Draws with the same seed give the same numbers.
Identical grant patterns are evaluated once, so few uncertain exemptions cost little at any N.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from simulator.engine.batch import Progress, batch_totals
from simulator.engine.evaluate import date_for, rates_at, shares_at
from simulator.engine.prepare import prepare
from simulator.scenario.model import Scenario

PERCENTILES = (5, 50, 95)
REPORTED = ("effective_rate", "duty_usd", "exempted_value_usd", "duty_relief_usd")


@dataclass(frozen=True)
class Draws:
    scenario: Scenario
    date: date | None
    seed: int
    samples: pd.DataFrame  # one row per draw: totals keys, plus one bool column per uncertain exemption
    uncertain: tuple[str, ...]

    def percentiles(self) -> pd.DataFrame:
        """Rows: reported totals; columns p5, p50, p95, mean."""
        data = {f"p{p}": [float(np.percentile(self.samples[k], p)) for k in REPORTED] for p in PERCENTILES}
        data["mean"] = [float(self.samples[k].mean()) for k in REPORTED]
        return pd.DataFrame(data, index=pd.Index(REPORTED, name="measure"))


def draw(
    scenario: Scenario,
    n: int,
    seed: int,
    *,
    when: date | str | None = None,
    flows: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> Draws:
    """N independent draws of which uncertain exemptions are granted."""
    if n < 1:
        raise ValueError("draws must be at least 1")
    when = date_for(scenario, when)
    prepared = prepare(scenario, flows)
    probability = np.array([x.probability for x in scenario.exemptions])
    uncertain = np.flatnonzero(probability < 1)
    rng = np.random.default_rng(seed)
    granted = rng.random((n, len(uncertain))) < probability[uncertain]
    first, which = _patterns(granted)
    # each exemption's column of grants: its draws when uncertain, else always (a trailing column of
    # ones); gathered whole, since assigning thousands of columns one by one took seconds
    source = np.full(len(scenario.exemptions), len(uncertain))
    source[uncertain] = np.arange(len(uncertain))
    grants = np.concatenate([granted[first], np.ones((len(first), 1), bool)], axis=1)
    shares = shares_at(scenario, when) * np.take(grants, source, axis=1)
    totals = batch_totals(prepared, rates_at(scenario, when), shares, when=when, progress=progress)
    names = [f"granted:{scenario.exemptions[e].name}" for e in uncertain]
    samples = pd.concat(
        [pd.DataFrame({k: v[which] for k, v in totals.items()}), pd.DataFrame(granted, columns=names)], axis=1
    )
    return Draws(scenario, when, seed, samples, tuple(scenario.exemptions[e].name for e in uncertain))


def _patterns(granted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first draw of each distinct grant pattern, and each draw's pattern number. Rows are packed
    to bytes and compared whole: with thousands of uncertain exemptions, numpy's row-wise unique on
    booleans took over a second for 10,000 draws."""
    packed = np.ascontiguousarray(np.packbits(granted, axis=1))
    rows = packed.view(np.dtype((np.void, max(packed.shape[1], 1))))[:, 0] if packed.shape[1] else np.zeros(len(packed))
    _, first, which = np.unique(rows, return_index=True, return_inverse=True)
    return first, which.ravel()
