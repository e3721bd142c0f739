"""Distinct (HS code, category, partner) keys and selector matching over them.

A table of millions of rows holds a few thousand distinct keys; rules are resolved once per key and
the result gathered per row. Everything here works on integer codes, never on strings per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from simulator.data.partners import expand
from simulator.scenario.model import Selector

DENSE_SPACE = 1 << 20  # key-code spaces up to this size (or 4x the rows) use dense bincounts


class Matcher:
    """Selector matching over K distinct keys, for all selectors at once, with no per-selector loop.

    The keys' codes are sorted once. Cut to a prefix length, a sorted list of codes stays sorted, so
    the keys starting with a prefix are one run of it, found by two binary searches; every prefix of
    every selector is searched in one call per length, and the runs are expanded to (key, selector)
    pairs. Categories go through a (category x selector) lookup table gathered to the keys.
    """

    def __init__(
        self,
        hs: np.ndarray,
        category: np.ndarray,
        categories: tuple[str, ...],
        partner: np.ndarray | None = None,
        partners: tuple[str, ...] = (),
        hs_of_key: np.ndarray | None = None,
    ) -> None:
        """`hs` holds each key's code, or with `hs_of_key` the distinct codes (prefixes are then
        searched once per distinct code, not once per partner's copy of it)."""
        codes = np.asarray(hs, dtype=str)
        self.hs_of_key = hs_of_key if hs_of_key is not None else np.arange(len(codes))
        self.keys = len(self.hs_of_key)
        # each key its own code, in order: a (codes x selectors) matrix is already the keys' own
        self.own_codes = hs_of_key is None or bool(
            len(hs_of_key) == len(codes) and (hs_of_key == np.arange(len(codes))).all()
        )
        self.partner = partner if partner is not None else np.zeros(self.keys, np.intp)
        self.partner_index = {c: i for i, c in enumerate(partners)}
        self.size = len(codes)
        self.order = np.argsort(codes, kind="stable")
        self.sorted = codes[self.order]
        self.category = category
        self.category_index = {c: i for i, c in enumerate(categories)}
        self._cuts: dict[int, np.ndarray] = {}

    def _cut(self, length: int) -> np.ndarray:
        """The sorted codes cut to `length` (still sorted); a shorter code stays whole, so no prefix
        of that length can equal it."""
        if length not in self._cuts:
            self._cuts[length] = self.sorted.astype(f"<U{length}")
        return self._cuts[length]

    def _runs(self, prefixes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """For each prefix, the first position and the number of sorted keys that start with it."""
        wanted = np.asarray(prefixes, dtype=str)
        lengths = np.fromiter(map(len, prefixes), np.intp, len(prefixes))
        start = np.zeros(len(prefixes), np.intp)
        count = np.zeros(len(prefixes), np.intp)
        for length in np.unique(lengths).tolist():
            at = lengths == length
            cut = self._cut(length)
            start[at] = np.searchsorted(cut, wanted[at], side="left")
            count[at] = np.searchsorted(cut, wanted[at], side="right") - start[at]
        return start, count

    def matching(self, prefixes: set[str]) -> set[str]:
        """Those of the prefixes that start at least one key's code."""
        listed = sorted(prefixes)
        return {p for p, n in zip(listed, self._runs(listed)[1].tolist(), strict=True) if n}

    def _any_of(self, names: list[tuple[str, ...]], prefixes: list[tuple[str, ...]]) -> np.ndarray:
        """(K, S) bool: key k is in one of selector s's categories or starts with one of its prefixes."""
        by_code = np.zeros((self.size, len(names)), bool)
        flat = [(p, s) for s, ps in enumerate(prefixes) for p in ps]
        if flat:
            start, count = self._runs([p for p, _ in flat])
            owner = np.repeat(np.fromiter((s for _, s in flat), np.intp, len(flat)), count)
            offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
            by_code[self.order[np.repeat(start, count) + offset], owner] = True
        hit = by_code if self.own_codes else by_code[self.hs_of_key]
        named = [(self.category_index[c], s) for s, cs in enumerate(names) for c in cs if c in self.category_index]
        if named:
            columns = sorted({s for _, s in named})
            lut = np.zeros((len(self.category_index), len(names)), bool)
            lut[tuple(np.array(named).T)] = True
            hit[:, columns] |= lut[:, columns][self.category]
        return hit

    def match_all(self, selectors: list[Selector]) -> np.ndarray:
        """(K, S) bool: which keys each selector covers (its categories or prefixes, minus its exceptions)."""
        hit = self._any_of([x.categories for x in selectors], [x.hs for x in selectors])
        if every := [s for s, x in enumerate(selectors) if x.covers_all]:  # an empty index still cost 0.4 ms
            hit[:, every] = True
        excepting = [s for s, x in enumerate(selectors) if x.except_categories or x.except_hs]
        if excepting:
            chosen = [selectors[s] for s in excepting]
            hit[:, excepting] &= ~self._any_of([x.except_categories for x in chosen], [x.except_hs for x in chosen])
        for wanted, keep in (
            ([expand(x.partners) for x in selectors], True),
            ([expand(x.except_partners) for x in selectors], False),
        ):
            if columns := [s for s, codes in enumerate(wanted) if codes]:  # only selectors that name partners
                hit[:, columns] &= self._partners([wanted[s] for s in columns]) == keep
        return hit

    def _partners(self, wanted: list[tuple[str, ...]]) -> np.ndarray:
        """(K, S) bool: the key's partner is one of selector s's codes, through a (partner x selector)
        table gathered to the keys."""
        lut = np.zeros((max(len(self.partner_index), 1), len(wanted)), bool)
        for s, codes in enumerate(wanted):
            lut[[self.partner_index[c] for c in codes if c in self.partner_index], s] = True
        return lut[self.partner]


def match_pairs(match: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(key, exemption) of every True in a (K, E) match matrix, key-major. A flat scan: numpy's 2-D
    nonzero is eight times slower on 5,000 x 1,000."""
    return np.divmod(np.flatnonzero(match), max(match.shape[1], 1))


def layers_reached(cover: np.ndarray, match: np.ndarray) -> np.ndarray:
    """(E, L): does any of exemption e's keys fall under layer l? Found from the (key, exemption)
    matches, which are few: selecting each layer's keys of the (K, E) matrix took 85 ms on the world
    path, this 5-7 ms."""
    key, ex = match_pairs(match)
    out = np.zeros((match.shape[1], cover.shape[1]), bool)
    if len(key):  # each exemption's matches one run, their keys' cover rows OR-ed at once
        order = np.argsort(ex, kind="stable")
        ex = ex[order]
        starts = np.flatnonzero(np.r_[True, ex[1:] != ex[:-1]])
        out[ex[starts]] = np.logical_or.reduceat(cover[key[order]], starts, axis=0)
    return out


def dense_present(codes: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The codes present among 0..space-1 (sorted), and each code's position among them: one pass.

    Integer codes of the machine's index width mark a boolean per code (a third less time than
    counting them on a million rows); narrower codes are counted, which needs no widened copy."""
    if codes.dtype == np.intp:
        seen = np.zeros(space, bool)
        seen[codes] = True
        present = np.flatnonzero(seen)
    else:
        present = np.flatnonzero(np.bincount(codes, minlength=space))
    lookup = np.zeros(space, dtype=np.intp)
    lookup[present] = np.arange(len(present))
    return present, lookup


def codes_present(codes: np.ndarray, space: int) -> np.ndarray:
    """The codes among 0..space-1 that occur, sorted. When rows taken at a stride already hold every
    code, every code occurs and the other rows need no look (a table's partners, every one of which
    has rows in the usual case: 0.02 ms where counting a million rows took 1.3 ms)."""
    sample = np.bincount(codes[:: max(1, len(codes) // SAMPLE)], minlength=space)
    if len(sample) == space and sample.all():
        return np.arange(space)
    return np.flatnonzero(np.bincount(codes, minlength=space))


SAMPLE = 4096  # rows looked at before counting all of them


def present_codes(codes: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(codes, return_inverse=True) for codes in 0..space-1, by one bincount instead of a sort."""
    present, lookup = dense_present(codes, space)
    return present, lookup[codes]


def _renumbered(pair: np.ndarray, space: int, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes renumbered to those present (sorted), and the codes present."""
    if space <= bound:
        present, lookup = dense_present(pair, space)
        return lookup[pair], present
    renumbered, uniques = pd.factorize(pair, sort=True)
    return renumbered.astype(np.int64), np.asarray(uniques)


def codes_of(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes per row and the distinct values; free for the categoricals load_flows returns."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # the Categorical's own codes (a read-only view): `.cat.codes` builds a Series copying them
        return column.array.codes, np.asarray(column.cat.categories, dtype=str)
    codes, uniques = pd.factorize(column)
    return codes, np.asarray(uniques, dtype=str)


@dataclass(frozen=True)
class KeyIndex:
    """Which distinct key each row belongs to, and per-key sums in one pass.

    A key is a combination of integer codes (HS code, category, partner, and the base rate where a
    rule depends on it), combined in mixed radix, the first varying slowest. Before a component would
    make the code space larger than the rows can fill, the codes so far are renumbered to those
    present, so 10 million rows of 5,000 codes, 37 categories and 200 partners stay in a space of about
    a million. When the final space is small, sums are dense bincounts over the codes themselves, with
    no per-row lookup; otherwise rows are hash-factorised.
    """

    pair: np.ndarray  # (N,) combined code of each row
    present: np.ndarray  # (K,) combined codes of the keys, sorted
    lookup: np.ndarray | None  # (space,) combined code -> key, when dense
    factorized: np.ndarray | None  # (N,) row -> key, when not dense
    steps: tuple[tuple[str, object], ...] = ()  # ("combine", size) or ("renumber", present): to split keys

    @staticmethod
    def build(components: list[tuple[np.ndarray, int]]) -> KeyIndex:
        """Keys of the rows' (codes, number of codes) components, the first varying slowest."""
        pair = components[0][0].astype(np.int64)
        space = int(components[0][0].max(initial=0)) + 1
        bound = max(4 * len(pair), DENSE_SPACE)
        steps: list[tuple[str, object]] = []
        for codes, size in components[1:]:
            if space * size > bound and space > 1:
                pair, present = _renumbered(pair, space, bound)
                steps.append(("renumber", present))
                space = len(present)
            pair *= size  # in place: `pair` is this function's own copy (astype, or renumbered)
            pair += codes
            space *= size
            steps.append(("combine", size))
        if space <= bound:
            present, lookup = dense_present(pair, space)
            return KeyIndex(pair, present, lookup, None, tuple(steps))
        factorized, uniques = pd.factorize(pair, sort=True)
        return KeyIndex(pair, np.asarray(uniques), None, factorized, tuple(steps))

    def split(self) -> list[np.ndarray]:
        """(K,) code of each component of every key, in the order the components were given."""
        code, out = self.present, []
        for kind, arg in reversed(self.steps):
            if kind == "combine":
                code, part = np.divmod(code, int(arg))  # type: ignore[call-overload]
                out.append(part)
            else:
                code = np.asarray(arg)[code]
        return [code, *reversed(out)]

    def sum(self, weights: np.ndarray) -> np.ndarray:
        """(K,) the sum of a per-row quantity over each key's rows."""
        if self.lookup is not None:
            return np.bincount(self.pair, weights=weights, minlength=len(self.lookup))[self.present]
        assert self.factorized is not None
        return np.bincount(self.factorized, weights=weights, minlength=len(self.present))

    def key_of(self, rows: np.ndarray) -> np.ndarray:
        """The key of some rows (indices), without building every row's."""
        if self.lookup is not None:
            return self.lookup[self.pair[rows]]
        assert self.factorized is not None
        return self.factorized[rows]

    @cached_property
    def row_key(self) -> np.ndarray:
        if self.lookup is not None:
            return self.lookup[self.pair]
        assert self.factorized is not None
        return self.factorized


def _small_codes(column: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..size-1 equal where the column's values are: a table's group numbers as they are (offset
    from their least), anything else factorised (hashing a column of group numbers cost a millisecond)."""
    if column.dtype.kind in "iu" and len(column) and int(column.max()) - int(column.min()) < 1 << 16:
        low = column.min()  # subtracted in the column's own type: no value is below it, none overflows
        return (column - low).astype(np.int64), int(column.max()) - int(low) + 1
    codes, uniques = pd.factorize(column)
    return codes, max(len(uniques), 1)


def classes(columns: list[np.ndarray]) -> np.ndarray:
    """(K,) a class per key such that keys share a class exactly when they agree in every column.

    Columns are factorised to small codes and combined in mixed radix while the product fits in 62
    bits; only then is the combination factorised again, so 60 boolean or small columns cost a few
    passes, not 60.
    """
    n = len(columns[0]) if columns else 0
    cls, radix = np.zeros(n, np.int64), 1
    for column in columns:
        codes, size = _small_codes(column)
        if radix * size >= 1 << 62:
            cls, seen = pd.factorize(cls)
            radix = max(len(seen), 1)
        cls = cls * size + codes
        radix *= size
    return pd.factorize(cls)[0] if n else cls


def packed(*flags: np.ndarray) -> np.ndarray:
    """(K, W) uint64: the rows of (K, F) bool matrices packed side by side, each from its own byte, 64
    flags to a word: rows are equal exactly where their words are. No copy of the flags is joined first
    (1,003 flags of 5,000 keys: a 5 MB copy)."""
    widths = [-(-f.shape[1] // 8) for f in flags]
    out = np.zeros((len(flags[0]), -(-sum(widths) // 8) * 8), np.uint8)
    at = 0
    for f, width in zip(flags, widths, strict=True):
        if width:
            out[:, at : at + width] = np.packbits(f, axis=1, bitorder="little")
        at += width
    return out.view(np.uint64)


def _row_hash(words: np.ndarray) -> np.ndarray:
    """One 64-bit mix of each row's words (equal rows, equal hashes; unequal rows almost never)."""
    out = np.zeros(len(words), np.uint64)
    with np.errstate(over="ignore"):
        for column in words.T:
            out ^= column
            out *= np.uint64(0x9E3779B97F4A7C15)
            out ^= out >> np.uint64(29)
    return out


def row_classes(words: np.ndarray) -> np.ndarray:
    """(K,) codes equal exactly where the rows of a (K, W) uint64 matrix are: a column for `classes`.

    One word is its own code. Wider rows are hashed and the hashes factorised once, where `classes`
    factorises each word (16 words for 1,000 exemptions' flags on 5,000 keys: 2.0-3.0 ms, this 1.0-1.5
    ms). Every row is then compared with the first row of its class, so a collision is found, never
    trusted: the rows are then classed word by word.
    """
    if words.shape[1] < 2:
        return words[:, 0] if words.shape[1] else np.zeros(len(words), np.intp)
    codes, found = pd.factorize(_row_hash(words))
    first = np.empty(len(found), np.intp)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # the last write wins: each class's first row
    if (words[first[codes]] == words).all():
        return codes
    return classes(list(words.T))


@dataclass(frozen=True)
class ShareScales:
    """Each key's share factor for the exemptions with a share table: a column per such exemption, 1 for
    every other. A (K, E) matrix of ones with one column of shares was 44 MB on the world path; in a
    fresh process, writing its pages took 7-124 ms (the machine's page faults vary that much)."""

    exemptions: tuple[int, ...]  # the exemption of each column
    values: np.ndarray  # (K, S)

    def column(self, e: int) -> np.ndarray:
        """(K,) exemption e's factors."""
        at = self.exemptions.index(e) if e in self.exemptions else None
        return self.values[:, at] if at is not None else np.ones(len(self.values))

    def of(self, key: np.ndarray, ex: np.ndarray) -> np.ndarray:
        """The factor of each (key, exemption) match."""
        column = np.full(max(max(self.exemptions) + 1, int(ex.max(initial=0)) + 1), -1, np.intp)
        column[list(self.exemptions)] = np.arange(len(self.exemptions))
        at = column[ex]
        return np.where(at >= 0, self.values[key, np.maximum(at, 0)], 1.0)

    def taken(self, keys: np.ndarray) -> ShareScales:
        """The factors of some keys (merged keys keep their first key's)."""
        return ShareScales(self.exemptions, self.values[keys])
