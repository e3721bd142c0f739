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

Trade diversion (`response.substitution`, sigma >= 0): partners supplying the same product compete.
After creation, the imports of each product (one HS code of the table, all partners) are shared out
again by each partner's change in tariff-inclusive price, Armington style:

    V_k = T * Vc_k * r_k ** -sigma / sum_l (Vc_l * r_l ** -sigma),   r_k = (1 + t1_k) / (1 + t0_k)

where Vc is the value after creation and T = sum_l Vc_l. Diversion V_k - Vc_k moves trade between
partners and sums to zero in every product: total imports change only by creation. sigma = 0 gives
the constant-elasticity result exactly; sigma = 0 and eps = 0 the static one. This splits the effect
as WITS-SMART does (creation from each source's own price, diversion from relative prices, default
sigma 1.5), in exact rather than linearised form. Partners known only by chapter compete with each
other in that chapter, not with the partners known line by line.

Limits: no change in exporters' prices (full pass-through), no income effects, no supply limits at
the partners that gain, and constant elasticities at any rate, a strong assumption at rates above
100%. Treat the numbers as orders of magnitude, on 2024 weights; not a forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.errors import Problem, ScenarioError, did_you_mean, short
from simulator.scenario.model import Response

DEFAULT_ELASTICITY = -2.5


def price_log(base_rate: np.ndarray, additional: np.ndarray) -> np.ndarray:
    """log((1 + t0 + additional) / (1 + t0)), the log of the change in a line's tariff-inclusive price:
    found once and shared by the line's own response and its diversion (a log and two exponentials cost
    a third less than two powers)."""
    return np.log1p(additional / (1.0 + base_rate))


def responded_value(
    value: np.ndarray,
    base_rate: np.ndarray,
    additional: np.ndarray,
    elasticity: np.ndarray,
    log_price: np.ndarray | None = None,
) -> np.ndarray:
    """V1 = V0 * ((1 + t0 + additional) / (1 + t0)) ** eps, element-wise and broadcasting (`log_price`:
    the log of that ratio, when the caller has it).

    >>> float(responded_value(np.array(100.0), np.array(0.0), np.array(1.0), np.array(-1.0)))
    50.0
    >>> float(responded_value(np.array(100.0), np.array(0.1), np.array(1.25), np.array(0.0)))
    100.0
    """
    found = price_log(base_rate, additional) if log_price is None else log_price
    return value * np.exp(elasticity * found)


def diverted_value(
    created: np.ndarray, log_price: np.ndarray, sigma: np.ndarray, product: np.ndarray, n_products: int
) -> np.ndarray:
    """Each row's value after diversion: `created` (after creation) shared out again within its
    product by the change in its tariff-inclusive price (`log_price`, the log of (1 + t1) / (1 + t0)),
    elasticity sigma.

    >>> [float(x) for x in diverted_value(np.array([50.0, 100.0]), np.log([2.0, 1.0]), np.array([1.0, 1.0]),
    ...                                  np.array([0, 0]), 1)]
    [30.0, 120.0]
    """
    weight = created * np.exp(-sigma * log_price)
    # a batch (B, N) sums each row's products apart: product codes offset by the row
    cell = product + n_products * np.arange(created.shape[0])[:, None] if created.ndim == 2 else product
    size = n_products * (created.shape[0] if created.ndim == 2 else 1)
    total = np.bincount(cell.ravel(), weights=created.ravel(), minlength=size)
    weights = np.bincount(cell.ravel(), weights=weight.ravel(), minlength=size)
    # a product's weights sum to 0 only where all its lines are 0: exp(-sigma * log_price) is far from
    # underflow (sigma at most 20, log_price at most log(1 + 15 layers x 1,000%)), so they stay 0
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(weights > 0, total / weights, 0.0)
    return weight * scale[cell]


def line_substitutions(response: Response, categories: np.ndarray) -> np.ndarray | None:
    """Each row's elasticity of substitution between partners (None when the scenario sets none)."""
    if not response.diverts:
        return None
    sigma = np.full(len(categories), response.substitution or 0.0)
    for cat, value in response.substitution_categories:
        sigma = np.where(categories == cat, value, sigma)
    return sigma


def line_elasticities(response: Response, flows: pd.DataFrame, categories: np.ndarray, known: set[str]) -> np.ndarray:
    """The elasticity of each row of `flows`, by the precedence in the module docstring."""
    problems = [
        Problem(response.where, f"response.categories: unknown category {short(cat)}{did_you_mean(cat, known)}")
        for cat in dict.fromkeys(c for c, _ in (*response.categories, *response.substitution_categories))
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
