"""Errors the library raises; the CLI turns each into a message and exit code 1, never a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class SimulatorError(Exception):
    """Base class of every error a user can cause with bad input."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located so the user can find and fix it."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ProblemsError(SimulatorError):
    """Several problems found at once, so the user can fix them in one pass."""

    def __init__(self, problems: Sequence[Problem], *, headline: str = "") -> None:
        self.problems = list(problems)
        self.headline = headline
        lines = [headline] if headline else []
        lines += [str(p) for p in self.problems]
        super().__init__("\n".join(lines))


class ScenarioError(ProblemsError):
    """A scenario file that cannot be used as written."""


class FlowsError(ProblemsError):
    """A trade-flow table that cannot be used as written."""


def short(value: object, limit: int = 40) -> str:
    """Render a value for an error message without ever dumping something huge.

    >>> len(short("x" * 100)), short("x" * 100).endswith("...'")
    (40, True)
    """
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Suffix suggesting the closest choice, or listing a few when nothing is close.

    >>> did_you_mean("layres", ["layers", "name"])
    "; did you mean 'layers'?"
    """
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:  # 'hs_codes' for 'hs': a choice the word starts with, longest first
        close = sorted(
            (o for o in options if len(o) >= 2 and word.lower().startswith(o.lower())), key=len, reverse=True
        )[:1]
    if not close:
        lower = {o.lower(): o for o in options}
        close = [lower[word.lower()]] if word.lower() in lower else []
    if close:
        return f"; did you mean '{close[0]}'?"
    if not options:
        return ""
    listed = ", ".join(f"'{o}'" for o in options[:8])
    more = f" and {len(options) - 8} more" if len(options) > 8 else ""
    return f"; expected one of {listed}{more}"
