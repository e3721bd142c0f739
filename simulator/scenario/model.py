"""The scenario model: layers of duty, exemptions from them, and values that change on dates.

Rates and shares are fractions here (1.25 = 125%); percents exist only in YAML and printed tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Schedule:
    """A value that may change on dates.

    A constant has one step with no date and holds always. A dated schedule holds each value
    from its date until the next one, and is 0 (not yet in force) before its first date.

    >>> s = Schedule(((date(2025, 4, 10), 0.84), (date(2025, 4, 12), 1.25)))
    >>> s.at(date(2025, 4, 9)), s.at(date(2025, 4, 11)), s.at(date(2026, 1, 1))
    (0.0, 0.84, 1.25)
    >>> Schedule.constant(0.2).at(None)
    0.2
    """

    steps: tuple[tuple[date | None, float], ...]

    @staticmethod
    def constant(value: float) -> Schedule:
        return Schedule(((None, value),))

    @property
    def is_dated(self) -> bool:
        return self.steps[0][0] is not None

    @property
    def dates(self) -> tuple[date, ...]:
        return tuple(d for d, _ in self.steps if d is not None)

    def at(self, when: date | None) -> float:
        if not self.is_dated:
            return self.steps[0][1]
        if when is None:
            return self.steps[-1][1]
        value = 0.0
        for start, step_value in self.steps:
            assert start is not None
            if start <= when:
                value = step_value
            else:
                break
        return value

    def max(self) -> float:
        return max(v for _, v in self.steps)


@dataclass(frozen=True)
class Selector:
    """Which trade lines a rule covers: any listed category or HS prefix, minus the exceptions, from
    the listed partners (codes or group names) and none of the excepted ones.

    An empty `categories` and `hs` means every product; an empty `partners` every partner.
    """

    categories: tuple[str, ...] = ()
    hs: tuple[str, ...] = ()
    except_categories: tuple[str, ...] = ()
    except_hs: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    except_partners: tuple[str, ...] = ()
    where: str = ""
    hs_lists: tuple[str, ...] = ()  # files whose codes are in `hs`, named for explanations
    listed: int = 0  # how many codes at the end of `hs` came from those files

    @property
    def covers_all(self) -> bool:
        return not self.categories and not self.hs


@dataclass(frozen=True)
class RateTable:
    """Line-specific rates: HS prefix -> rate, the longest prefix in force wins; rows may be dated.

    A row holds from its date (or always, undated) until the next row of the same prefix and partner.
    Before a prefix's first date it does not exist, so a shorter prefix (or nothing) applies. Lines
    that no prefix matches are not covered by the layer. A row may name a partner (it then holds for
    that partner's lines only and, at the same prefix length, before a row naming none), a dutiable
    share of the line's value (Section 232 on metal content), and `all_in` (the rate is a level the
    layer tops the line's base rate up to).

    >>> t = RateTable("t.csv", (("84", None, 0.25), ("8471", None, 0.0), ("85", date(2025, 1, 1), 0.5)))
    >>> t.rate_of("847130", None), t.rate_of("848620", None), t.rate_of("8542", date(2024, 6, 1))
    (0.0, 0.25, None)
    """

    source: str
    rows: tuple[tuple[str, date | None, float], ...]  # (hs prefix, from, rate), as read
    partners: tuple[str | None, ...] = ()  # per row, when the table has a partner column
    shares: tuple[float, ...] = ()  # per row dutiable share, when the table has a share column
    all_in: tuple[bool, ...] = ()  # per row, when the table has an all_in column

    def partner_of(self, i: int) -> str | None:
        return self.partners[i] if self.partners else None

    def entries_at(self, when: date | None) -> dict[tuple[str, str | None], int]:
        """(prefix, partner or None) -> the index of its row in force on `when` (None: the latest)."""
        found: dict[tuple[str, str | None], tuple[date, int]] = {}
        for i, (hs, start, _) in enumerate(self.rows):
            key, group = start or date.min, (hs, self.partner_of(i))
            if (when is None or key <= when) and (group not in found or found[group][0] <= key):
                found[group] = (key, i)
        return {group: i for group, (_, i) in found.items()}

    @cached_property
    def dates(self) -> tuple[date, ...]:
        return tuple(sorted({d for _, d, _ in self.rows if d is not None}))

    def prefixes_at(self, when: date | None) -> dict[str, float]:
        """Each prefix's rate in force on `when` (None: the latest rows), for rows naming no partner."""
        found: dict[str, tuple[date, float]] = {}
        for i, (hs, start, rate) in enumerate(self.rows):
            if self.partner_of(i) is not None:
                continue
            key = start or date.min
            if (when is None or key <= when) and (hs not in found or found[hs][0] <= key):
                found[hs] = (key, rate)
        return {hs: rate for hs, (_, rate) in found.items() if rate == rate}  # NaN: an `end` row, no row

    def rate_of(self, code: str, when: date | None) -> float | None:
        """The rate of one HS code, for explanations and tests; the engine resolves all keys at once."""
        table = self.prefixes_at(when)
        for length in range(len(code), -1, -1):  # "" (a blank hs) holds for every line
            if code[:length] in table:
                return table[code[:length]]
        return None


@dataclass(frozen=True)
class Layer:
    """An ad valorem duty stacked on the base rate: one rate for every covered line, or a rate table."""

    name: str
    rate: Schedule
    selector: Selector = field(default_factory=Selector)
    description: str = ""
    where: str = ""
    table: RateTable | None = None  # with a table, `rate` is 100% and each line's rate comes from the table
    all_in: bool = False  # the rate is a level: the layer adds max(0, level - the line's base rate)
    record_ends: date | None = None  # a measure whose later changes are not held ends before the path's record


@dataclass(frozen=True)
class Stacking:
    """How two or more layers combine where they meet, as the law writes it.

    `yields_to`: `layer` is not levied on lines where any of `others` is in force ("goods subject
    to Section 232 are not subject to the reciprocal duty"). `higher_of`: on lines where several of
    `others` are in force, only the highest applies, not their sum (`layer` is empty).
    """

    kind: str  # "yields_to" or "higher_of"
    layer: str
    others: tuple[str, ...]
    description: str = ""
    where: str = ""

    def sentence(self) -> str:
        if self.kind == "yields_to":
            return f"{self.layer} is not levied where {_either(self.others)} is in force"
        return f"where {_either(self.others)} meet, only the highest applies"


def _either(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class Exemption:
    """A waiver of some layers for the matched lines; `share` of the matched value is exempted.

    `layers` None means every layer. `probability` below 1 marks an unconfirmed exemption,
    used by uncertainty draws; plain runs treat every exemption as granted.
    """

    name: str
    selector: Selector
    layers: tuple[str, ...] | None = None
    share: Schedule = field(default_factory=lambda: Schedule.constant(1.0))
    probability: float = 1.0
    description: str = ""
    where: str = ""
    share_table: RateTable | None = None  # per-line shares (USMCA qualifying shares), times `share`


@dataclass(frozen=True)
class Response:
    """Trade-response settings: a default elasticity and per-category overrides (see response.py); with
    `substitution`, the elasticity of substitution between partners (diversion), and its overrides."""

    elasticity: float | None = None
    categories: tuple[tuple[str, float], ...] = ()
    where: str = ""
    substitution: float | None = None  # None: no diversion between partners (each line responds alone)
    substitution_categories: tuple[tuple[str, float], ...] = ()

    @property
    def diverts(self) -> bool:
        return self.substitution is not None or bool(self.substitution_categories)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario, with `extends` already merged in."""

    name: str
    importer: str
    exporter: str | None
    layers: tuple[Layer, ...]
    exemptions: tuple[Exemption, ...]
    description: str = ""
    trade: Path | None = None
    source: Path | None = None
    extends: tuple[Path, ...] = ()
    removed: tuple[str, ...] = ()
    response: Response | None = None
    stacking: tuple[Stacking, ...] = ()
    record_ends: date | None = None  # the last day the path encodes the law; later dates hold its rates
    base: str = "collected"  # the base each line starts from: "collected" (2024 duty) or "statutory"

    def beyond_record(self, when: date | None, covering: Callable[[Layer], bool] = lambda _: True) -> tuple[str, ...]:
        """A warning when `when` is past the day the path's record ends, and one for each layer whose own
        record ends before `when` (its later changes are not held: its description says which), of the
        layers `covering` keeps (those that reach some partner of the run)."""
        if when is None:
            return ()
        found = [
            f"{when.isoformat()} is after {layer.record_ends.isoformat()}, where the record of layer "
            f"'{layer.name}' ends: its changes since are not in it ({layer.description.strip()})"
            for layer in self.layers
            if layer.record_ends is not None and when > layer.record_ends and covering(layer)
        ]
        if self.record_ends is not None and when > self.record_ends:
            found.insert(
                0,
                f"{when.isoformat()} is after {self.record_ends.isoformat()}, where this path's record ends: "
                f"the rates shown are those of {self.record_ends.isoformat()}, held; measures enacted since are not in it",
            )
        return tuple(found)

    @property
    def tops_up(self) -> bool:
        """Some layer's rate is an all-in level, so each line's duty depends on its own base rate: lines of one
        code with different base rates must not be summed before the rates are applied."""
        return any(layer.all_in or (layer.table is not None and bool(layer.table.all_in)) for layer in self.layers)

    @property
    def lines_apart(self) -> bool:
        """Lines must keep their own base rate (a trade response, or an all-in level): the Parquet reducers
        sum per (HS code, category, base rate, elasticity) rather than per (HS code, category)."""
        return self.response is not None or self.tops_up

    @cached_property
    def change_dates(self) -> tuple[date, ...]:
        """Every date on which some rate or share changes, sorted; found once (a run asks twice, and
        a thousand exemptions took a millisecond each time)."""
        found: set[date] = set()
        for layer in self.layers:
            found.update(layer.rate.dates)
            if layer.table is not None:
                found.update(layer.table.dates)
        for ex in self.exemptions:
            found.update(ex.share.dates)
        return tuple(sorted(found))

    @property
    def label(self) -> str:
        """Direction label, e.g. 'CHN on USA' (the importer levies)."""
        return f"{self.importer} on {self.exporter or 'all'}"

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)
