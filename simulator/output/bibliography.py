"""The project's sources, shipped in the package: every `[key]` a scenario, page or table cites, with
its publisher and address, so a reader of a report can check each one (`tariffsim sources`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from simulator.bundled import SOURCES

ENTRY = re.compile(r"^- ((?:\*\*\[[a-z0-9-]+\]\*\*(?:, | and )?)+)(.*)$")
KEY = re.compile(r"\[([a-z0-9]+(?:-[a-z0-9]+)+)\]")
ADDRESS = re.compile(r"https?://[^\s,)]+")


@dataclass(frozen=True)
class Source:
    keys: tuple[str, ...]
    text: str  # plain text, without the Markdown emphasis
    addresses: tuple[str, ...]


@cache
def sources() -> dict[str, Source]:
    """Every source by key (an entry naming several keys, like the three fentanyl orders, is under each)."""
    found: dict[str, Source] = {}
    lines = SOURCES.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = ENTRY.match(lines[i])
        i += 1
        if match is None:
            continue
        body = [match.group(2).strip()]
        while i < len(lines) and lines[i].startswith("  "):
            body.append(lines[i].strip())
            i += 1
        text = re.sub(r"\*+|`", "", " ".join(body))
        keys = tuple(re.findall(r"\[([a-z0-9-]+)\]", match.group(1)))
        entry = Source(keys, text.removeprefix(", ").strip(), tuple(dict.fromkeys(ADDRESS.findall(text))))
        for key in keys:
            found[key] = entry
    return found


def cited(*texts: str) -> list[Source]:
    """The sources the texts cite by `[key]`, each once, in order of first citation."""
    known = sources()
    seen: dict[tuple[str, ...], Source] = {}
    for text in texts:
        for key in KEY.findall(text):
            if key in known:
                seen.setdefault(known[key].keys, known[key])
    return list(seen.values())
