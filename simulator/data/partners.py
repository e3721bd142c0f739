"""Trading partners: the codes a scenario may name, their readable names, and named groups of them.

A partner is an ISO 3166 alpha-3 code (the EU, whose 27 members share one US tariff, is `EUN`, the
code WITS and UN Comtrade use). Groups (`EU`, `USMCA`, `ASEAN`...) are defined once, in
`bundled/partner_groups.csv`, and expand to their members wherever a scenario names them; a group
name is never three letters, so it cannot be mistaken for a code. Read with the csv module: loading
a scenario never imports pandas.
"""

from __future__ import annotations

import csv
import difflib
from functools import cache

from simulator.bundled import PARTNER_GROUPS, PARTNER_NAMES


@cache
def names() -> dict[str, str]:
    """Partner code -> readable name, for every partner of the bundled table (and the US, China's partner)."""
    with open(PARTNER_NAMES, newline="", encoding="utf-8") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f)} | {"USA": "United States"}


@cache
def inside() -> dict[str, str]:
    """Codes that the bundled table holds inside another partner (EU members: 'no, inside EUN')."""
    with open(PARTNER_NAMES, newline="", encoding="utf-8") as f:
        return {r["code"]: r["in_table"] for r in csv.DictReader(f) if r["in_table"] != "yes"}


@cache
def groups() -> dict[str, tuple[str, ...]]:
    """Group name -> member codes, in file order."""
    found: dict[str, list[str]] = {}
    with open(PARTNER_GROUPS, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            found.setdefault(r["group"], []).append(r["member"])
    return {g: tuple(m) for g, m in found.items()}


@cache
def group_notes() -> dict[str, str]:
    with open(PARTNER_GROUPS, newline="", encoding="utf-8") as f:
        return {r["group"]: r["note"] for r in csv.DictReader(f) if r["note"]}


def name_of(code: str) -> str:
    """The readable name of a partner code, or the code itself for one the bundled table lacks."""
    return names().get(code, code)


def expand(entries: tuple[str, ...]) -> tuple[str, ...]:
    """Codes and group names -> the codes they stand for, each once, in order."""
    if not entries:  # most selectors name no partner
        return ()
    table = groups()
    return tuple(dict.fromkeys(c for e in entries for c in table.get(e, (e,))))


def suggestion(text: str) -> str:
    """The closest valid code or group for a mistyped one: by name ('Japan' -> JPN), then by spelling."""
    by_name = {n.lower(): c for c, n in names().items()}
    if text.lower() in by_name:
        return by_name[text.lower()]
    if text.upper() in names() or text.upper() in groups():
        return text.upper()
    choices = [*names(), *groups()]
    close = difflib.get_close_matches(text.upper(), choices, n=1, cutoff=0.5)
    if close:
        return close[0]
    near_name = difflib.get_close_matches(text.lower(), list(by_name), n=1, cutoff=0.6)
    return by_name[near_name[0]] if near_name else ""
