"""Distinct (HS code, category) keys and selector matching over them.

A table of millions of rows holds a few thousand distinct keys; rules are resolved once per key and
the result gathered per row. Everything here works on integer codes, never on strings per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from simulator.scenario.model import Selector

DENSE_SPACE = 1 << 20  # key-code spaces up to this size (or 4x the rows) use dense bincounts


class Matcher:
    """Selector matching over K distinct keys via lookup tables: O(K) per selector, no string work.

    For each prefix length the keys' codes are cut and factorised once; a selector then becomes
    a boolean lookup table over those few uniques, gathered to the keys.
    """

    def __init__(self, hs: np.ndarray, category: np.ndarray, categories: tuple[str, ...]) -> None:
        self.hs = pd.Series(hs, dtype=object)
        self.category = category
        self.category_index = {c: i for i, c in enumerate(categories)}
        self._cuts: dict[int, tuple[np.ndarray, dict[str, int]]] = {}

    def _cut(self, length: int) -> tuple[np.ndarray, dict[str, int]]:
        if length not in self._cuts:
            cut = self.hs.where(self.hs.str.len() >= length).str[:length]
            codes, uniques = pd.factorize(cut)  # too-short codes become -1
            self._cuts[length] = (codes, {str(u): i for i, u in enumerate(uniques)})
        return self._cuts[length]

    def _prefixes(self, prefixes: tuple[str, ...]) -> np.ndarray:
        hit = np.zeros(len(self.hs), bool)
        for length in sorted({len(p) for p in prefixes}):
            codes, index = self._cut(length)
            lut = np.zeros(len(index) + 1, bool)  # last slot answers code -1
            lut[[index[p] for p in prefixes if len(p) == length and p in index]] = True
            hit |= lut[codes]
        return hit

    def _categories(self, names: tuple[str, ...]) -> np.ndarray:
        lut = np.zeros(len(self.category_index), bool)
        lut[[self.category_index[c] for c in names if c in self.category_index]] = True
        return lut[self.category]

    def prefix_matches_any(self, prefix: str) -> bool:
        return prefix in self._cut(len(prefix))[1]

    def match(self, sel: Selector) -> np.ndarray:
        if sel.covers_all:
            hit = np.ones(len(self.hs), bool)
        else:
            hit = self._categories(sel.categories) | self._prefixes(sel.hs)
        if sel.except_categories or sel.except_hs:
            hit &= ~(self._categories(sel.except_categories) | self._prefixes(sel.except_hs))
        return hit


def codes_of(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes per row and the distinct values; free for the categoricals load_flows returns."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=str)
    codes, uniques = pd.factorize(column)
    return codes, np.asarray(uniques, dtype=str)


@dataclass(frozen=True)
class KeyIndex:
    """Which distinct (hs, category) key each row belongs to, and per-key sums in one pass.

    Keys are combined codes hs * n_cat + category. When that code space is small (the usual case)
    sums are dense bincounts over the codes themselves, with no per-row lookup; otherwise rows are
    hash-factorised.
    """

    pair: np.ndarray  # (N,) combined code of each row
    present: np.ndarray  # (K,) combined codes of the keys, sorted
    lookup: np.ndarray | None  # (space,) combined code -> key, when dense
    factorized: np.ndarray | None  # (N,) row -> key, when not dense

    @staticmethod
    def build(hs_index: np.ndarray, cat_index: np.ndarray, n_cat: int) -> KeyIndex:
        pair = hs_index.astype(np.int64) * n_cat + cat_index
        space = (int(hs_index.max(initial=0)) + 1) * n_cat
        if space <= max(4 * len(pair), DENSE_SPACE):
            present = np.flatnonzero(np.bincount(pair, minlength=space))
            lookup = np.zeros(space, dtype=np.intp)
            lookup[present] = np.arange(len(present))
            return KeyIndex(pair, present, lookup, None)
        factorized, uniques = pd.factorize(pair, sort=True)
        return KeyIndex(pair, np.asarray(uniques), None, factorized)

    def sum(self, weights: np.ndarray) -> np.ndarray:
        """(K,) the sum of a per-row quantity over each key's rows."""
        if self.lookup is not None:
            return np.bincount(self.pair, weights=weights, minlength=len(self.lookup))[self.present]
        assert self.factorized is not None
        return np.bincount(self.factorized, weights=weights, minlength=len(self.present))

    @cached_property
    def row_key(self) -> np.ndarray:
        if self.lookup is not None:
            return self.lookup[self.pair]
        assert self.factorized is not None
        return self.factorized
