"""The scenario model: layers of duty, exemptions from them, and values that change on dates.

Rates and shares are fractions here (1.25 = 125%); percents exist only in YAML and printed tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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
    """Which trade lines a rule covers: any listed category or HS prefix, minus the exceptions.

    An empty `categories` and `hs` means every line (only allowed for layers).
    """

    categories: tuple[str, ...] = ()
    hs: tuple[str, ...] = ()
    except_categories: tuple[str, ...] = ()
    except_hs: tuple[str, ...] = ()
    where: str = ""

    @property
    def covers_all(self) -> bool:
        return not self.categories and not self.hs


@dataclass(frozen=True)
class Layer:
    """An ad valorem duty stacked on the base rate."""

    name: str
    rate: Schedule
    selector: Selector = field(default_factory=Selector)
    description: str = ""
    where: str = ""


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


@dataclass(frozen=True)
class Response:
    """Trade-response settings: a default elasticity and per-category overrides (see response.py)."""

    elasticity: float | None = None
    categories: tuple[tuple[str, float], ...] = ()
    where: str = ""


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

    @property
    def change_dates(self) -> tuple[date, ...]:
        """Every date on which some rate or share changes, sorted."""
        found: set[date] = set()
        for layer in self.layers:
            found.update(layer.rate.dates)
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
