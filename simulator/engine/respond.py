"""The trade response at one date: each key's value after creation and diversion (engine.response).

Rates come from the rules alone, so they are found once per class of keys with the same rules and
gathered; values respond line by line, then (with substitution) are shared out again between the
partners of each product. `shifts` says who gained what from whom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.engine.prepare import Prepared
from simulator.engine.response import diverted_value, price_log, responded_value


@dataclass(frozen=True)
class _Lines:
    """What decides how some rows respond, gathered once: value and base rate before any response,
    elasticity, and (with substitution) product and elasticity of substitution."""

    value: np.ndarray
    base_rate: np.ndarray
    elasticity: np.ndarray
    product: np.ndarray | None
    substitution: np.ndarray | None
    n_products: int

    @staticmethod
    def of(prepared: Prepared, rows: np.ndarray | None) -> _Lines:
        """`rows`: only these rows (sorted, and with every row of each product they touch, since
        diversion shares a product's imports out); None: all."""
        assert prepared.elasticity is not None

        def take(x: np.ndarray) -> np.ndarray:
            return x if rows is None else x[rows]

        flows = prepared.flows
        product, sigma = prepared.product, prepared.substitution
        diverts = product is not None and sigma is not None
        return _Lines(
            take(flows["value_usd"].to_numpy(dtype=float)),
            take(flows["base_rate"].to_numpy(dtype=float)),
            take(prepared.elasticity),
            take(product) if product is not None and diverts else None,
            take(sigma) if sigma is not None and diverts else None,
            int(product.max()) + 1 if product is not None and diverts else 0,
        )

    def values(self, added: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's value after the response, and after creation alone, given its additional rate."""
        found = price_log(self.base_rate, added)
        created = responded_value(self.value, self.base_rate, added, self.elasticity, found)
        if self.product is None or self.substitution is None:
            return created, created
        return diverted_value(created, found, self.substitution, self.product, self.n_products), created


def row_values(prepared: Prepared, added: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each row's value after the response, and after creation alone (before any diversion), given each
    row's additional duty rate: (N,), or (B, N) for B variants at once; `rows` as in `_Lines.of`."""
    return _Lines.of(prepared, rows).values(added)


def responded_keys(prepared: Prepared, additional: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-key responded value and base duty, and the value after creation alone (before any
    diversion between partners), given each key's additional duty rate (K,)."""
    v1, created = row_values(prepared, additional[prepared.row_key])
    t0 = prepared.flows["base_rate"].to_numpy(dtype=float)
    k = len(prepared.value)

    def per_key(x: np.ndarray) -> np.ndarray:
        return np.bincount(prepared.row_key, weights=x, minlength=k)

    return per_key(v1), per_key(v1 * t0), per_key(created)


def responded_sums(
    prepared: Prepared, added: np.ndarray, gross_added: np.ndarray, exempt: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray | None]:
    """The totals a timeline step or a sweep's variants need, summed over rows (the last axis) from each
    row's additional rate, gross rate and exempted share, (N,) or (B, N): value, base duty, duty, duty
    without exemptions, exempted value, the table's value, the value without exemptions, and (with
    diversion, else None) the value after creation alone; no per-key arrays."""
    return summed_terms(prepared, responded_terms(prepared, added, gross_added, exempt))


def responded_terms(
    prepared: Prepared, added: np.ndarray, gross_added: np.ndarray, exempt: np.ndarray, rows: np.ndarray | None = None
) -> list[np.ndarray]:
    """Each row's part of `responded_sums` (value, base duty, additional duty, duty without exemptions,
    exempted value, value without exemptions, value after creation alone), for `rows` (see
    `row_values`) or all: a timeline keeps them and finds again only the rows a date changes."""
    lines = _Lines.of(prepared, rows)
    t0 = lines.base_rate
    v1, created = lines.values(added)
    vg, _ = lines.values(gross_added)
    return [v1, v1 * t0, v1 * added, vg * (t0 + gross_added), v1 * exempt, vg, created]


def summed_terms(prepared: Prepared, terms: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray | None]:
    """`responded_sums` from the rows' terms (`responded_terms`), summed over the last axis."""
    value, base, added, gross, exempted, gross_value, created = (x.sum(axis=-1) for x in terms)
    v0 = prepared.flows["value_usd"].to_numpy(dtype=float)
    sums = [value, base, base + added, gross, exempted, np.broadcast_to(v0.sum(), value.shape), gross_value]
    return [np.asarray(x) for x in sums], created if prepared.substitution is not None else None


SHIFT_PARTNERS = 10  # partners named in the table of shifts; the rest are one


def shifts(prepared: Prepared, additional: np.ndarray, top: int = SHIFT_PARTNERS) -> pd.DataFrame:
    """Trade diverted from whom to whom, given each key's additional rate (K,): in every product, what
    the partners that lose by diversion lose goes to those that gain, in proportion to their gains;
    summed over products. The `top` partners that move most are named, the rest are 'others'.
    Columns: from, to, value_usd, largest first (empty without substitution between partners)."""
    columns = ["from", "to", "value_usd"]
    if prepared.substitution is None or prepared.elasticity is None or prepared.product is None:
        return pd.DataFrame(columns=columns)
    rows = prepared.flows
    final, created = row_values(prepared, additional[prepared.row_key])
    moved = final - created
    n = int(prepared.product.max()) + 1
    codes, names = pd.factorize(rows["exporter"].astype(str))
    size = np.bincount(codes, weights=np.abs(moved), minlength=len(names))
    order = [i for i in np.argsort(-size, kind="stable")[:top] if size[i] > 0]
    slot = np.full(len(names), len(order))
    slot[order] = np.arange(len(order))
    labels = [str(names[i]) for i in order] + ["others"]
    cell = slot[codes] * n + prepared.product
    width = len(labels) * n
    loss = np.bincount(cell, weights=np.maximum(-moved, 0.0), minlength=width).reshape(len(labels), n)
    gain = np.bincount(cell, weights=np.maximum(moved, 0.0), minlength=width).reshape(len(labels), n)
    gained = gain.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        flows = np.nan_to_num(loss / gained) @ gain.T  # (from, to)
    np.fill_diagonal(flows, 0.0)  # within "others", or a partner with two lines of one product
    frm, to = np.nonzero(flows > 0.5)
    out = pd.DataFrame({"from": [labels[i] for i in frm], "to": [labels[j] for j in to], "value_usd": flows[frm, to]})
    return out.sort_values(["value_usd", "from", "to"], ascending=[False, True, True], ignore_index=True)
