"""Each line's rate on each layer at a date: flat rates, rate tables, and the stacking rules.

The result is the (K, L) matrix R of rates by key and layer (or (B, K, L) for B variants). A rate
table is resolved once per distinct HS code into, for each prefix length it uses, the prefix group
of every key; at a date only the groups' rates are looked up, then gathered. Stacking rules are
applied to R as the law writes them, each against the rates before any rule, so their order in the
file does not matter:

- `yields_to`: layer a is 0 on keys where any of its `others` is in force: a rate above 0, or a row of
  its rate table at any rate (0% marks a line as subject to a measure that adds nothing over the base,
  such as steel already paying its 2018 Section 232 duty in the 2024 base rate);
- `higher_of`: on each key only the highest of the group's rates is kept (the first listed on ties).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from simulator.scenario.model import RateTable, Scenario


@dataclass(frozen=True)
class TableIndex:
    """A rate table resolved against K keys: which prefix group each key falls in, per prefix length."""

    table: RateTable
    prefixes: tuple[str, ...]  # group g is prefixes[g]
    groups: np.ndarray  # (K, n_lengths) group of each key at each length, longest length first; -1 none

    @staticmethod
    def build(table: RateTable, key_hs: np.ndarray) -> TableIndex:
        prefixes = tuple(dict.fromkeys(hs for hs, _, _ in table.rows))
        index = {p: g for g, p in enumerate(prefixes)}
        lengths = sorted({len(p) for p in prefixes}, reverse=True)
        groups = np.full((len(key_hs), len(lengths)), -1, dtype=np.int64)
        for j, length in enumerate(lengths):
            cut = [str(h)[:length] if len(str(h)) >= length else "" for h in key_hs]
            groups[:, j] = [index.get(c, -1) for c in cut]
        return TableIndex(table, prefixes, groups)

    def rates_at(self, when: date | None) -> np.ndarray:
        """(K,) each key's rate on `when`; NaN where no prefix in force matches."""
        in_force = self.table.prefixes_at(when)
        group_rate = np.array([in_force.get(p, np.nan) for p in self.prefixes] + [np.nan])
        by_length = group_rate[self.groups]  # -1 picks the trailing NaN
        found = ~np.isnan(by_length)
        first = found.argmax(axis=1)
        out = by_length[np.arange(len(by_length)), first]
        return np.where(found.any(axis=1), out, np.nan)


@dataclass(frozen=True)
class Rules:
    """Stacking rules as layer indices."""

    yields: tuple[tuple[int, tuple[int, ...]], ...] = ()
    highest: tuple[tuple[int, ...], ...] = ()

    @staticmethod
    def of(scenario: Scenario) -> Rules:
        index = {layer.name: i for i, layer in enumerate(scenario.layers)}
        yields = tuple(
            (index[r.layer], tuple(index[o] for o in r.others)) for r in scenario.stacking if r.kind == "yields_to"
        )
        highest = tuple(tuple(index[o] for o in r.others) for r in scenario.stacking if r.kind == "higher_of")
        return Rules(yields, highest)


def table_factors(cover: np.ndarray, tables: dict[int, TableIndex], when: date | None) -> tuple[np.ndarray, np.ndarray]:
    """(K, L) factors: 1 where a flat layer covers a key, the table's rate where a table layer does,
    else 0; and (K, L) bool: keys a table lists at all, 0% included (subject to the measure)."""
    factors = cover.astype(float)
    listed = np.zeros(cover.shape, bool)
    for j, index in tables.items():
        rate = index.rates_at(when)
        listed[:, j] = cover[:, j] & ~np.isnan(rate)
        factors[:, j] = np.where(listed[:, j], np.nan_to_num(rate), 0.0)
    return factors, listed


def subject(raw: np.ndarray, listed: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """(..., K, L) bool: the line is subject to the layer (a positive rate, or a table row at 0%)."""
    return (raw > 0) | (listed & (rates[..., None, :] > 0))


def stack(raw: np.ndarray, rules: Rules, subject_to: np.ndarray | None = None) -> np.ndarray:
    """Apply the stacking rules to rates R (..., K, L), each against the rates before any rule."""
    if not rules.yields and not rules.highest:
        return raw
    in_force = raw > 0 if subject_to is None else subject_to
    out = raw.copy()
    for layer, others in rules.yields:
        out[..., layer] *= ~in_force[..., list(others)].any(axis=-1)
    for group in rules.highest:
        cols = list(group)
        block = raw[..., cols]
        keep = np.zeros(block.shape, bool)
        np.put_along_axis(keep, block.argmax(axis=-1)[..., None], True, axis=-1)
        out[..., cols] = np.where(keep, out[..., cols], 0.0)
    return out
