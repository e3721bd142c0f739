"""Trade response: imports fall when a tariff rises (constant-elasticity import demand).

Static arithmetic taxes 2024 trade at 2025 rates, as if nothing changed; at 125% that overstates
duty badly, because trade collapses. This optional stage lets import values respond:

    V1 = V0 * ((1 + t1) / (1 + t0)) ** eps

- V0: the table's value, observed under t0 = the line's base_rate.
- t1 = base_rate + the additional duty left after exemptions (sum of layer rate * (1 - share)).
- eps <= 0: the import demand elasticity. eps = -2.5 means a 1% rise in the tariff-inclusive price
  (1 + t) cuts imports by about 2.5%. eps = 0 reproduces the static result exactly.
- Duty is then levied on V1: duty = V1 * t1.

Sign convention: elasticities are negative; a positive one is refused. A higher tariff never
raises V1. Revenue V1 * t1 peaks and falls as the rate rises when |eps| > 1 (a Laffer curve).

Where eps comes from, per line, first found wins: the scenario's `response.categories` override for
the line's category; the scenario's `response.elasticity`; the table's `elasticity` column; the
default -2.5, close to the import demand elasticity Fajgelbaum et al. (2020, "The Return to
Protectionism", QJE) estimate for the 2018 US tariffs (about 2.5 in absolute value). Partial
equilibrium tools such as WITS-SMART use product-level estimates (Kee, Nicita and Olarreaga 2008),
mostly between -0.5 and -3.

Duty relief compares the duty with the exemptions to the duty without them, each at its own
responded trade (without exemptions, exempt goods would shrink too). Per-layer relief is measured
at the trade that responds to the scenario as written, so per-layer reliefs need not add up to it.

Limits: one product line at a time, no trade diversion to or from third countries, no change in
exporters' prices (full pass-through), no income effects, and a constant elasticity at any rate,
which is a strong assumption at rates above 100%. Treat the numbers as orders of magnitude.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.errors import Problem, ScenarioError, did_you_mean, short
from simulator.scenario.model import Response

DEFAULT_ELASTICITY = -2.5


def responded_value(
    value: np.ndarray, base_rate: np.ndarray, additional: np.ndarray, elasticity: np.ndarray
) -> np.ndarray:
    """V1 = V0 * ((1 + t0 + additional) / (1 + t0)) ** eps, element-wise and broadcasting.

    >>> float(responded_value(np.array(100.0), np.array(0.0), np.array(1.0), np.array(-1.0)))
    50.0
    >>> float(responded_value(np.array(100.0), np.array(0.1), np.array(1.25), np.array(0.0)))
    100.0
    """
    return value * ((1.0 + base_rate + additional) / (1.0 + base_rate)) ** elasticity


def line_elasticities(response: Response, flows: pd.DataFrame, categories: np.ndarray, known: set[str]) -> np.ndarray:
    """The elasticity of each row of `flows`, by the precedence in the module docstring."""
    problems = [
        Problem(response.where, f"response.categories: unknown category {short(cat)}{did_you_mean(cat, known)}")
        for cat, _ in response.categories
        if cat not in known
    ]
    if problems:
        raise ScenarioError(problems)
    n = len(flows)
    if response.elasticity is not None:
        eps = np.full(n, response.elasticity)
    elif "elasticity" in flows.columns:
        eps = flows["elasticity"].to_numpy(dtype=float, na_value=np.nan)
        eps = np.where(np.isnan(eps), DEFAULT_ELASTICITY, eps)
    else:
        eps = np.full(n, DEFAULT_ELASTICITY)
    for cat, value in response.categories:
        eps = np.where(categories == cat, value, eps)
    return eps
