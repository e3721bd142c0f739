"""How far a figure can move when estimated lines' values move inside their real totals.

A table may mark lines as estimates (`source` estimate_...): on China's side, each HS chapter's real
2024 total is split over its lines by China's 2017 import shares. The chapter total is a published
figure; its split is not. Any other split of the same total is as consistent with the statistics, so
the honest statement of an exempted value is a range over all of them.

Every total the engine reports is a sum over keys of (table value) x (a per-unit amount fixed by the
key's rates, exemptions and, with a trade response, its response factor). Moving value between the
estimated lines of one group changes that sum linearly, so over all splits of a group's total E the
sum runs from E x (smallest per-unit amount among its lines) to E x (largest): the extremes of a
linear function over a simplex are at its vertices. The bounds are exact, not sampled.

A group is an HS chapter of one exporter: the level at which the bundled estimates sum to a
published total. Values can fall only on lines the table holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.engine.keys import KeyIndex
from simulator.units import usd

MOSTLY_ESTIMATED = 0.5  # past this share of value on estimated lines, a figure says so in words


@dataclass(frozen=True)
class EstimateGroups:
    """The estimated value of each (key, group) pair: M entries, sorted by group."""

    key: np.ndarray  # (M,) key index
    group: np.ndarray  # (M,) group index, non-decreasing
    amount: np.ndarray  # (M,) estimated value of the key's lines in the group
    base: np.ndarray  # (M,) their base rate (value-weighted): merged keys share all rates but this one
    labels: tuple[str, ...]  # (G,) "exporter chapter"

    @staticmethod
    def build(keys: KeyIndex, rows: pd.DataFrame, estimated: np.ndarray) -> EstimateGroups | None:
        """From the rows (exporter, hs, base_rate), their keys and estimated values (0 where a line is
        counted)."""
        marked = np.flatnonzero(estimated > 0)
        if not len(marked):
            return None
        exporter, hs = rows["exporter"], rows["hs"]
        label = exporter.iloc[marked].astype(str).to_numpy() + " " + hs.iloc[marked].astype(str).str[:2].to_numpy()
        group, labels = pd.factorize(label, sort=True)
        key = keys.key_of(marked).astype(np.int64)
        width = int(key.max()) + 1
        pair, first = np.unique(group.astype(np.int64) * width + key, return_inverse=True)
        amount = np.bincount(first, weights=estimated[marked], minlength=len(pair))
        base_rows = rows["base_rate"].to_numpy(dtype=float)[marked]
        base = np.bincount(first, weights=estimated[marked] * base_rows, minlength=len(pair)) / amount
        return EstimateGroups(pair % width, pair // width, amount, base, tuple(str(x) for x in labels))

    def remap(self, cls: np.ndarray) -> EstimateGroups:
        """The same groups over merged keys (`cls`: each key's class). Keys merged into one class share
        every per-unit amount but their base rate, which each entry keeps, so the bounds are unchanged."""
        return EstimateGroups(cls[self.key], self.group, self.amount, self.base, self.labels)

    @property
    def total(self) -> float:
        return float(self.amount.sum())

    def bounds(self, q: np.ndarray) -> tuple[float, float, float]:
        """(moved, low, high) for each entry's amount per unit of table value (M,): what the estimated
        value contributes as the table splits it, and at the least and most any split allows."""
        starts = np.flatnonzero(np.r_[True, self.group[1:] != self.group[:-1]])
        totals = np.add.reduceat(self.amount, starts)
        low = float(totals @ np.minimum.reduceat(q, starts))
        high = float(totals @ np.maximum.reduceat(q, starts))
        return float(self.amount @ q), low, high


def ranges(
    groups: EstimateGroups | None,
    table_value: np.ndarray,
    amounts: dict[str, np.ndarray],
    totals: dict[str, float],
    responds: bool,
) -> dict[str, tuple[float, float]]:
    """The exempted value's, duty relief's and duty's (low, high) over every split of the estimated groups' totals; the effective
    rate's and exempted share's too when the imports do not depend on the split (no trade response).
    Empty without estimates.

    `amounts`: per-key exempted value, duty relief, duty and base duty (K,), as summed into `totals`.
    Without a response, a unit of value moved to a line pays that line's own base rate plus its key's
    additional rate. With one, nothing is merged and each key's per-unit amounts are its own (lines of
    one key with different base rates respond differently: there the key's average stands for them).
    """
    if groups is None:
        return {}
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(table_value > 0, table_value, np.nan)

    def unit(x: np.ndarray) -> np.ndarray:
        return np.nan_to_num(x / safe)[groups.key]

    per_unit = {
        "exempted_value_usd": unit(amounts["exempted_value_usd"]),
        "duty_relief_usd": unit(amounts["duty_relief_usd"]),
        "duty_usd": unit(amounts["duty_usd"])
        if responds
        else groups.base + unit(amounts["duty_usd"] - amounts["base_duty_usd"]),
    }
    out: dict[str, tuple[float, float]] = {}
    for name, q in per_unit.items():
        moved, low, high = groups.bounds(q)
        fixed = totals[name] - moved
        out[name] = (fixed + low, fixed + high)
    value = totals["import_value_usd"]
    if value > 0 and not responds:
        out["effective_rate"] = (out["duty_usd"][0] / value, out["duty_usd"][1] / value)
        out["exempted_share"] = (out["exempted_value_usd"][0] / value, out["exempted_value_usd"][1] / value)
    return out


def range_notes(spans: dict[str, tuple[float, float]], groups: EstimateGroups | None) -> tuple[str, ...]:
    """What the ranges beside the figures mean, once, where a figure can move."""
    moving = [k for k, (low, high) in spans.items() if high - low > 0.5 and k.endswith("_usd")]
    if groups is None or not moving:
        return ()
    return (
        f"The ranges beside the figures: the estimated lines split {len(groups.labels)} published chapter totals "
        f"({usd(groups.total)}) by older shares; any other split of the same totals fits the statistics "
        "as well. Each range is the least and the most the figure can be over every such split (exact, not "
        "sampled): the figure itself is one split among them, not a forecast inside the range.",
    )


def mostly_estimated(by_category: pd.DataFrame) -> list[str]:
    """The categories whose value rests mostly on estimated lines, in the table's order: the ones every
    output marks (notes, the `*` of charts and comparisons)."""
    return by_category.loc[by_category["estimated_share"] > MOSTLY_ESTIMATED, "category"].astype(str).tolist()


def estimate_notes(totals: dict[str, float], by_category: pd.DataFrame) -> tuple[str, ...]:
    """Words beside figures that rest on estimates: the total's share, and the largest categories that are
    mostly estimated (a reader must not take "Semiconductors $9.7B" for a published figure)."""
    share = totals.get("estimated_share", 0.0)
    if share <= 0:
        return ()
    mostly = mostly_estimated(by_category)
    named = ", ".join(mostly[:6])
    more = f" and {len(mostly) - 6} more" if len(mostly) > 6 else ""
    head = f"{share:.0%} of these imports rest on estimated lines (the table's source column says estimate)"
    detail = (
        f"; mostly estimated: {named}{more}. Their values split published chapter totals by older shares: read "
        "each as an estimate inside a real total (the Estimated column gives each one's share)."
        if named
        else "; the Estimated column gives each category's share."
    )
    return (head + detail,)
