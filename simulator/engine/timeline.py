"""A path's totals at every change date, each date's rates found again only for the keys it changes.

A change date moves one layer's rate, one table's rows or one exemption's share: on the world path
about one key in six a date, on average. A key's rates after stacking depend only on its own row of
the layers' rates, tables and waived shares, so keys whose row did not change keep what the previous
date found; only the changed ones go through `layer_sums` again. The totals are then summed over all
keys as `totals_at` sums them. With a trade response each row's terms are kept too, and a date finds
again only the rows of changed keys, with every other row of their products when partners compete
(diversion shares a product's imports out among them); the sums still run over every row. The dates
are cut into runs, one per thread, each begun in full.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import chain

import numpy as np

from simulator.engine.evaluate import layer_sums, rates_at, responded_totals, shares_at, totals_of, waived_share
from simulator.engine.parallel import ordered_map, threads
from simulator.engine.prepare import Prepared
from simulator.engine.respond import responded_terms

FULL_SHARE = 0.5  # past this share of keys changed, a date is found in full


@dataclass(frozen=True)
class _Step:
    when: date | None
    rates: np.ndarray  # (L,)
    shares: np.ndarray  # (E,)
    found: tuple[np.ndarray, np.ndarray, np.ndarray]  # each key's additional rate, gross rate, exempted share
    changed: np.ndarray | None  # (K,) bool: the keys found again at this date; None: all of them


def timeline_totals(prepared: Prepared, dates: Sequence[date | None]) -> Iterator[dict[str, float]]:
    """`totals_at(prepared, d)` for each date, in order: runs of consecutive dates, each found
    incrementally, started at once on threads when a date's arrays are large (engine.parallel)."""
    dates = list(dates)
    cells = max(prepared.cover.size, len(prepared.flows) if prepared.responds else 0)  # a date's arrays
    if not dates:
        return iter(())
    ruled = prepared.shared_first()  # the runs may go side by side
    n = max(1, min(threads(), len(dates) // 4))  # a run of a few dates pays for its full first one
    runs = [dates[i * len(dates) // n : (i + 1) * len(dates) // n] for i in range(n)]
    return chain.from_iterable(ordered_map(lambda run: _run(prepared, ruled, run), runs, cells))


def _run(prepared: Prepared, ruled: Prepared, dates: list[date | None]) -> list[dict[str, float]]:
    out, step = [], None
    rows = _Rows(prepared) if prepared.responds else None
    for when in dates:
        step = _next(ruled, step, when)
        out.append(totals_of(prepared, step.found) if rows is None else responded_totals(prepared, rows.at(step)))
    return out


class _Rows:
    """Each row's terms of the responded sums (`respond.responded_terms`) at the last date, updated in
    place: only the rows a date changes are found again."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.key = prepared.rule_classes[1][prepared.row_key]  # row -> class of keys (the steps' keys)
        self.product = prepared.product if prepared.substitution is not None else None
        self.terms: list[np.ndarray] = []

    def at(self, step: _Step) -> list[np.ndarray]:
        rows = None if step.changed is None or not self.terms else self._rows(step.changed)
        if rows is None or len(rows) > FULL_SHARE * len(self.key):
            self.terms = responded_terms(self.prepared, *(x[self.key] for x in step.found))
        elif len(rows):
            added, gross, exempt = (x[self.key[rows]] for x in step.found)
            new = responded_terms(self.prepared, added, gross, exempt, rows=rows)
            for kept, part in zip(self.terms, new, strict=True):
                kept[rows] = part
        return self.terms

    def _rows(self, changed: np.ndarray) -> np.ndarray:
        """The rows of changed keys, with all rows of their products when partners compete (sorted)."""
        hit = changed[self.key]
        if self.product is not None:
            product = np.zeros(int(self.product.max()) + 1, bool)
            product[self.product[hit]] = True
            hit = product[self.product]
        return np.flatnonzero(hit)


def _next(ruled: Prepared, last: _Step | None, when: date | None) -> _Step:
    """The step at `when`: from `last` where only some keys changed, else in full."""
    scenario = ruled.scenario
    rates, shares = rates_at(scenario, when), shares_at(scenario, when)
    s = waived_share(ruled, shares)  # (K, L), kept per vector of shares
    changed = _changed(ruled, last, when, rates, shares) if last is not None else None
    if last is None or changed is None or changed.sum() > FULL_SHARE * len(changed):  # the first, or most keys
        return _Step(when, rates, shares, layer_sums(ruled, rates, s, when), None)
    keys = np.flatnonzero(changed)
    additional, gross, exempt = (x.copy() for x in last.found)
    if len(keys):
        part = replace(
            ruled,
            cover=ruled.cover[keys],
            value=ruled.value[keys],
            base_duty=ruled.base_duty[keys],
            tables={j: t.subset(keys, when) for j, t in ruled.tables.items()},
        )
        additional[keys], gross[keys], exempt[keys] = layer_sums(part, rates, s[keys], when)
    return _Step(when, rates, shares, (additional, gross, exempt), changed)


def _changed(ruled: Prepared, last: _Step, when: date | None, rates: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """(K,) bool: keys whose row of rates, table rows or waived shares may differ from `last`'s date."""
    out = np.zeros(len(ruled.value), bool)
    for j in np.flatnonzero(rates != last.rates):
        out |= ruled.cover[:, j]
    for index in ruled.tables.values():
        before, now = index.at(last.when), index.at(when)  # the same arrays within a span of the table's dates
        if before is not now:
            for a, b in zip(before, now, strict=True):  # rate (NaN: no row), dutiable share, all-in flag
                out |= (a != b) & ~(np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a != b
    for e in np.flatnonzero(shares != last.shares):
        out |= ruled.match[:, e]
    return out
