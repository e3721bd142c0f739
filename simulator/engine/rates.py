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

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from simulator.engine.keys import classes, present_codes
from simulator.engine.parallel import remember
from simulator.scenario.model import RateTable, Scenario


@dataclass(frozen=True)
class RowsByGroup:
    """A rate table's rows sorted by group, then date, then order in the file, so that a group's rows in
    force on a date are a leading run of its block and the last of them is the one that holds (a later
    row of the same date wins, as `RateTable.entries_at` reads it). Finding every group's row is then
    one comparison and one bincount, not a Python loop over rows at every date: a table of 100,000
    daily rows took 50 s over its 366 dates."""

    order: np.ndarray  # (N,) row numbers in (group, date, row) order
    start: np.ndarray  # (N,) their dates as ordinals (0: undated, in force from the beginning)
    group: np.ndarray  # (N,) their groups
    offset: np.ndarray  # (G,) where each group's block begins in `order`
    rate: np.ndarray  # (N + 1,) per row in file order, then NaN for "no row"
    share: np.ndarray  # (N + 1,) dutiable share per row, then 1
    all_in: np.ndarray  # (N + 1,) per row, then False

    @staticmethod
    def of(table: RateTable, row_group: np.ndarray, n_groups: int) -> RowsByGroup:
        n = len(table.rows)
        _, starts, rates = zip(*table.rows, strict=True) if n else ((), (), ())
        ordinal = {d: d.toordinal() if d else 0 for d in set(starts)}  # a table holds a few dates
        start = np.fromiter(map(ordinal.__getitem__, starts), np.int64, n)
        order = np.lexsort((np.arange(n), start, row_group))
        counts = np.bincount(row_group, minlength=n_groups)
        return RowsByGroup(
            order=order,
            start=start[order],
            group=row_group[order],
            offset=np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp),
            rate=np.append(np.array(rates, dtype=float), np.nan),
            share=np.append(np.array(table.shares or [1.0] * n, dtype=float), 1.0),
            all_in=np.append(np.array(table.all_in or [False] * n, dtype=bool), False),
        )

    def in_force(self, when: date | None) -> np.ndarray:
        """(G,) each group's row in force on `when` (None: the latest), -1 where none is yet."""
        valid = self.start <= (when.toordinal() if when is not None else np.iinfo(np.int64).max)
        count = np.bincount(self.group[valid], minlength=len(self.offset))
        last = self.offset + count - 1
        return np.where(count > 0, self.order[np.maximum(last, 0)] if len(self.order) else -1, -1)


@dataclass(frozen=True)
class TableIndex:
    """A rate table resolved against K keys: which (prefix, partner) group each key falls in.

    Columns run from the longest prefix length to the shortest; within a length, the key's own
    partner's row comes before a row naming no partner. At a date, each group's row in force is
    looked up once and the first column with one wins, so the longest prefix wins and a partner's row
    beats a general one of the same length.
    """

    table: RateTable
    groups_of: tuple[tuple[str, str | None], ...]  # group g is (prefix, partner or None)
    # keys of one code whose partners the table treats alike share a pattern of groups: each distinct
    # pattern is looked up once at a date and gathered to its keys
    patterns: np.ndarray  # (P, columns) the groups of each pattern, -1 none
    pattern: np.ndarray  # (K,) each key's pattern
    rows: RowsByGroup  # the table's rows by group and date, to find each group's row in force at once
    # what `at` found for the latest spans between the table's own dates: a path asks at every change
    # date of every layer, and most of them change nothing in this table (not copied by dataclasses.replace)
    _found: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _somewhere: dict[int, bool] = field(default_factory=dict, init=False, compare=False, repr=False)

    @staticmethod
    def build(
        table: RateTable,
        key_hs: np.ndarray,
        key_partner: np.ndarray | None = None,
        partners: tuple[str, ...] = (),
        hs_of_key: np.ndarray | None = None,
    ) -> TableIndex:
        """Resolved per distinct HS code and per partner, then gathered to the keys: no loop over keys.

        `key_hs` holds each key's code, or with `hs_of_key` the distinct codes."""
        n = len(table.rows)
        row_hs = [hs for hs, _, _ in table.rows]
        row_partner = list(table.partners) if table.partners else [None] * n
        # rows grouped by (prefix, partner), the groups numbered in the order of their first row; a table
        # of 40,000 rows (the USMCA shares) was grouped in 0.1 s by a dict of tuples, row by row
        table_hs = list(dict.fromkeys(row_hs))
        table_partners = list(dict.fromkeys(row_partner))
        hs_id = {h: i for i, h in enumerate(table_hs)}
        partner_id = {p: i for i, p in enumerate(table_partners)}
        pair = np.fromiter(map(hs_id.__getitem__, row_hs), np.int64, n) * len(table_partners)
        pair += np.fromiter(map(partner_id.__getitem__, row_partner), np.int64, n)
        pairs, first, row_group = np.unique(pair, return_index=True, return_inverse=True)
        by_first = np.argsort(first, kind="stable")
        renumber = np.empty(len(pairs), np.intp)
        renumber[by_first] = np.arange(len(pairs))
        row_group = renumber[row_group.ravel()]
        group_hs, group_partner = np.divmod(pairs[by_first], max(len(table_partners), 1))
        groups_of = tuple(zip([table_hs[i] for i in group_hs], [table_partners[i] for i in group_partner], strict=True))
        if hs_of_key is None:
            hs_values, hs_of_key = np.unique(np.asarray(key_hs, dtype=str), return_inverse=True)
        else:
            hs_values = np.asarray(key_hs, dtype=str)
        partner_of_key = key_partner if key_partner is not None else np.zeros(len(hs_of_key), np.intp)
        named = sorted(p for p in table_partners if p is not None)
        slot = {p: i + 1 for i, p in enumerate(named)}  # slot 0: rows naming no partner
        key_slot = np.array([slot.get(p, -1) for p in partners] or [-1], dtype=np.intp)[partner_of_key]
        width = len(named) + 2  # slots -1 (a partner the table does not name) to len(named)
        combined = hs_of_key.astype(np.int64) * width + (key_slot + 1)
        if len(hs_values) * width <= 1 << 24:
            present, pattern = present_codes(combined, len(hs_values) * width)
        else:
            present, pattern = np.unique(combined, return_inverse=True)
        hs_of_key, key_slot = present // width, present % width - 1  # from here on, per pattern
        prefix_of_group = np.array(table_hs, dtype=str)[group_hs] if len(group_hs) else np.zeros(0, str)
        length_of_group = np.fromiter(map(len, table_hs), np.intp, len(table_hs))[group_hs]
        slot_of_group = np.array([slot[p] if p is not None else 0 for p in table_partners], dtype=np.intp)[
            group_partner
        ]
        lengths_of = np.char.str_len(hs_values) if len(hs_values) else np.zeros(0, np.intp)
        columns: list[np.ndarray] = []
        for length in sorted(set(length_of_group.tolist()), reverse=True):
            at_length = np.flatnonzero(length_of_group == length)
            prefixes = np.unique(prefix_of_group[at_length])  # sorted, as searchsorted needs
            found = np.searchsorted(prefixes, cut := hs_values.astype(f"<U{max(length, 1)}"))
            found = np.minimum(found, len(prefixes) - 1)
            hit = (prefixes[found] == (cut if length else "")) & (lengths_of >= length)
            key_prefix = np.where(hit, found, -1)[hs_of_key]
            lut = np.full(
                (len(prefixes) + 1, len(named) + 1), -1, dtype=np.int32
            )  # last row: no prefix; int32 halves K x columns
            lut[np.searchsorted(prefixes, prefix_of_group[at_length]), slot_of_group[at_length]] = at_length
            if named:  # the key's own partner first
                own = lut[key_prefix, np.maximum(key_slot, 0)]
                columns.append(np.where(key_slot > 0, own, -1))
            columns.append(lut[key_prefix, 0])
        patterns = np.column_stack(columns) if columns else np.full((len(hs_of_key), 0), -1, dtype=np.int32)
        # codes under the same prefixes share one pattern (merging keys by pattern then merges by groups)
        alike = classes(list(patterns.T)) if patterns.shape[1] else np.zeros(len(patterns), np.int64)
        _, first_alike = np.unique(alike, return_index=True)
        patterns, pattern = patterns[first_alike], alike[pattern]
        rows = RowsByGroup.of(table, row_group, len(groups_of))
        return TableIndex(table, groups_of, patterns, pattern.ravel().astype(np.intp), rows)

    def at(self, when: date | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(K,) each key's rate on `when` (NaN where no row in force matches), dutiable share and all-in flag."""
        span = self._span(when)
        found = self._found.get(span)
        return found if found is not None else remember(self._found, span, self._at(when))

    def _span(self, when: date | None) -> int:
        """Which span between the table's own dates `when` falls in (the key of what is kept per span)."""
        dates = self.table.dates
        return len(dates) if when is None else bisect_right(dates, when)

    def _at(self, when: date | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        row = self.rows.in_force(when)
        row = np.append(np.where(np.isnan(self.rows.rate[row]), -1, row), -1)  # an `end` row: no row in force
        by_column = row[self.patterns]  # -1 picks the trailing "none"
        found = by_column >= 0
        first = found.argmax(axis=1) if by_column.shape[1] else np.zeros(len(by_column), np.intp)
        chosen = by_column[np.arange(len(by_column)), first] if by_column.shape[1] else np.full(len(by_column), -1)
        chosen = np.where(found.any(axis=1), chosen, -1)[self.pattern]  # per pattern, gathered to the keys
        return self.rows.rate[chosen], self.rows.share[chosen], self.rows.all_in[chosen]

    def subset(self, keys: np.ndarray, when: date | None) -> TableIndex:
        """The index of some keys, knowing already what `at(when)` finds for them (a slice, not a lookup)."""
        out = replace(self, pattern=self.pattern[keys])
        rate, share, all_in = self.at(when)
        out._found[self._span(when)] = (rate[keys], share[keys], all_in[keys])
        return out

    def in_force_somewhere(self, when: date | None) -> bool:
        """Whether some key has a row of the table in force on `when` (found once per span of its dates)."""
        span = self._span(when)
        if span not in self._somewhere:
            self._somewhere[span] = bool((~np.isnan(self.at(when)[0])).any())
        return self._somewhere[span]

    def rates_at(self, when: date | None) -> np.ndarray:
        """(K,) each key's rate on `when`; NaN where no prefix in force matches."""
        return self.at(when)[0]


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

    def within(self, layers: np.ndarray) -> Rules:
        """The rules among `layers` (indices, ascending), renumbered to their positions there: a layer
        left out charges nothing and is in force nowhere, so it makes no layer yield and wins no group."""
        at = {int(j): i for i, j in enumerate(layers)}
        yields = tuple(
            (at[a], kept) for a, others in self.yields if a in at and (kept := tuple(at[o] for o in others if o in at))
        )
        highest = tuple(kept for group in self.highest if len(kept := tuple(at[o] for o in group if o in at)) > 1)
        return Rules(yields, highest)


@dataclass(frozen=True)
class LineRates:
    """What the layers' tables and flags say of each key at a date, before the layers' own rates."""

    factors: np.ndarray  # (K, L) 1 where a flat layer covers a key, the table's rate where a table layer does, else 0
    listed: np.ndarray  # (K, L) bool: keys a table lists at all, 0% included (subject to the measure)
    dutiable: np.ndarray | None  # (K, L) share of the value a layer is levied on; None: all of it
    all_in: np.ndarray | None  # (K, L) bool: the layer's rate is a level the base is topped up to; None: none is

    def behaviour(self) -> list[np.ndarray]:
        """What makes two keys alike, for merging them (see batch.alike_merged)."""
        extra = [x for x in (self.dutiable, self.all_in) if x is not None]
        return [self.factors, self.listed, *extra]


def in_play(cover: np.ndarray, tables: dict[int, TableIndex], when: date | None, rates: np.ndarray) -> np.ndarray:
    """The layers (indices) that can charge a key or make another yield at `when`, for layer rates (L,) or
    (B, L): a rate other than 0 in some variant, and a key the layer covers (a table layer: where a row
    is in force). The others are 0 on every key and subject nowhere, so leaving them out of the (K, L)
    arithmetic changes no figure; at most dates of the world path most of its 15 layers are out. A layer
    kept that is 0 everywhere changes no figure either, so a table counts if it has a row in force anywhere."""
    if not cover.shape[1]:
        return np.zeros(0, np.intp)
    live = (np.atleast_2d(rates) != 0).any(axis=0) & cover.any(axis=0)
    for j in np.flatnonzero(live):
        if (index := tables.get(int(j))) is not None:
            live[j] = index.in_force_somewhere(when)  # perhaps on keys the layer does not cover: kept, harmless
    return np.flatnonzero(live)


def table_factors(
    cover: np.ndarray,
    tables: dict[int, TableIndex],
    when: date | None,
    all_in: np.ndarray | None = None,
    layers: np.ndarray | None = None,
) -> LineRates:
    """Each key's factors at `when`: flat layers' cover, tables' rates, dutiable shares and all-in
    flags (`all_in`, (L,), the layers' own flags); only for `layers` (indices) when given."""
    n_keys = cover.shape[0]
    picked = [int(j) for j in layers] if layers is not None else list(range(cover.shape[1]))
    n_layers = len(picked)
    factors, listed = [], []  # column by column, then laid out a column at a time (Fortran order)
    dutiable_cols: list[np.ndarray] | None = None
    flag_cols: list[np.ndarray] | None = None
    if all_in is not None and all_in.any():
        flag_cols = [np.full(n_keys, bool(all_in[j])) for j in picked]
    for i, j in enumerate(picked):
        index = tables.get(j)
        if index is None:
            factors.append(cover[:, j].astype(float))
            listed.append(np.zeros(n_keys, bool))
            continue
        rate, share, row_all_in = index.at(when)
        here = cover[:, j] & ~np.isnan(rate)
        listed.append(here)
        factors.append(np.where(here, rate, 0.0))  # NaN (no row) is never where `here` holds
        if index.table.shares:
            dutiable_cols = dutiable_cols or [np.ones(n_keys) for _ in range(n_layers)]
            dutiable_cols[i] = np.where(here, share, 1.0)
        if index.table.all_in:
            flag_cols = flag_cols or [np.zeros(n_keys, bool) for _ in range(n_layers)]
            flag_cols[i] = flag_cols[i] | row_all_in

    def stacked(cols: list[np.ndarray], dtype: type) -> np.ndarray:
        out: np.ndarray = np.empty((n_keys, len(cols)), dtype, order="F")  # each column one contiguous write
        for j, col in enumerate(cols):
            out[:, j] = col
        return out

    dutiable = stacked(dutiable_cols, float) if dutiable_cols is not None else None
    flags = stacked(flag_cols, bool) if flag_cols is not None else None
    return LineRates(stacked(factors, float), stacked(listed, bool), dutiable, flags)


def line_rates(lines: LineRates, rates: np.ndarray, key_base: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """R[..., k, l] before stacking at layer rates (L,) or (B, L), and which keys are subject to each
    layer (None: those with a rate above 0).

    An all-in layer adds what is left of its level above the line's base rate, max(0, level - base):
    "15% all-in" charges a line with a 4% base 11% and a line with a 20% base nothing. A dutiable
    share then scales the rate: a 50% duty on a line whose value is 40% steel is 20% of its value.
    """
    raw = lines.factors * rates[..., None, :]
    if lines.all_in is None and lines.dutiable is None and not lines.listed.any():
        return raw, None
    subject_to = (raw > 0) | (lines.listed & (rates[..., None, :] > 0))
    if lines.all_in is not None:
        raw = np.where(lines.all_in, np.maximum(raw - key_base[:, None], 0.0), raw)
    if lines.dutiable is not None:
        raw = raw * lines.dutiable
    return raw, subject_to


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


MANY_LAYERS = 8  # from here on, over_layers reduces the layer axis at once (measured: 15 layers, 3.7x)


def over_layers(rate_cover: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(..., K) additional rate, gross rate and exempted share, from (..., K, L) rates and waived shares.

    With few layers, a loop over them: numpy reduces a last axis of 2 or 3 one element at a time, which
    made 1,000 sweep steps on the 14,305 US lines take a second. With many (the world path has 15),
    reducing the last axis at once is 3-4 times faster than 15 strided passes.
    """
    if rate_cover.shape[-1] >= MANY_LAYERS:
        additional = np.einsum("...l,...l->...", rate_cover, 1 - s)
        exempt = np.where(rate_cover > 0, s, 0.0).max(axis=-1, initial=0.0)
        return additional, rate_cover.sum(axis=-1), exempt
    shape = rate_cover.shape[:-1]
    additional, gross, exempt = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for j in range(rate_cover.shape[-1]):
        rate, share = rate_cover[..., j], s[..., j]
        additional += rate * (1 - share)
        gross += rate
        np.maximum(exempt, np.where(rate > 0, share, 0.0), out=exempt)
    return additional, gross, exempt
