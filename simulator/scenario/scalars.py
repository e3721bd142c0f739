"""Scalars in a scenario file read as the loader means them: dates, numbers YAML would retype, and
how a node is named in a message. HS codes and dates are never left to YAML's implicit typing."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import yaml

from simulator.errors import short
from simulator.scenario.safe_yaml import Mapping, Scalar, Sequence

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> date | None:
    if not DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def as_date(value: object, name: str = "date") -> date | None:
    """A date a caller passed to the library: a date, a datetime (pandas' Timestamp too) or 'YYYY-MM-DD'
    text; None stays None. Anything else is refused here, not deep in the engine as a comparison error."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and (parsed := parse_date(value)) is not None:
        return parsed
    raise ValueError(f"{name}={short(value)} is not a date; pass datetime.date(2025, 5, 1) or '2025-05-01'")


def yaml_reads_as_number(node: Scalar) -> bool:
    try:
        value = yaml.safe_load(str(node))
    except yaml.YAMLError:
        return False
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def quote_hint(node: Scalar) -> str:
    value = yaml.safe_load(str(node))
    read = "" if str(value) == str(node) else f" (YAML reads it as {value!r})"
    return f'{short(str(node))} is a number to YAML{read}; quote HS codes: "{node}"'


def kind_of(node: Any) -> str:
    if node is None:
        return "nothing"
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    return f"the text {short(str(node))}"


def fmt(number: float) -> str:
    return f"{number:g}"


def percent_hint(text: str, high: float) -> str:
    """For a number written without a percent sign, the readings it may have meant ('; write 25% if
    0.25 is a fraction or 0.25% if you mean 0.25 percent'); '' for text that is not a number."""
    try:
        number = float(text)
    except ValueError:
        return ""
    as_fraction = f"{fmt(number * 100)}% if {text} is a fraction" if 0 < number * 100 <= high * 100 else ""
    as_percent = f"{fmt(number)}% if you mean {fmt(number)} percent" if number <= high * 100 else ""
    readings = [x for x in (as_fraction, as_percent) if x]
    return "; write " + " or ".join(readings) if readings else ""
