"""Save the explorer's settings as a scenario file, never destroying a file unasked."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any

from shiny import ui

from simulator.atomic import atomic_path
from simulator.errors import SimulatorError
from simulator.explore.settings import what_changed
from simulator.scenario.extension import extension_yaml
from simulator.scenario.load import load_scenario
from simulator.scenario.model import Scenario
from simulator.scenario.starter import place_schema


def safe_stem(text: str) -> str:
    """A file name from what the user typed: letters, digits, - and _ only."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", text.strip()).strip("_")
    return stem[:80] or "my_scenario"


def save(
    base: Scenario, changed: Scenario, target: Path, day: date | None, *, replace_file: bool = False
) -> ui.TagList:
    """Write the extension file, load it back with the loader, and say how to rerun it.

    A file the scenario reads (itself or what it extends) is never replaced: the saved file would
    extend itself. Any other existing file is replaced only when the user ticked the box for it.
    """
    name = f"{base.name}, explored" if changed != base else base.name
    text = extension_yaml(base, changed, target, name=name, note=what_changed(base, changed, day))
    read = {p.resolve() for p in (base.source, *base.extends) if p is not None}
    if target.resolve() in read:
        return refusal(f"{target.name} is the scenario being explored (or one it extends); choose another name.")
    if target.exists() and not replace_file:
        return refusal(f"{target} already exists; choose another name, or tick 'Replace a file of that name'.")
    try:
        with atomic_path(target, replace=replace_file) as tmp:  # checked by the loader before it takes the name
            tmp.write_text(text, encoding="utf-8")
            load_scenario(tmp)
        place_schema(target.parent)  # the $schema line's file, beside the saved one
    except FileExistsError:
        return refusal(f"{target} already exists; choose another name, or tick 'Replace a file of that name'.")
    except (OSError, SimulatorError) as exc:
        return refusal(f"Could not save {target}: {exc}")
    command = f"tariffsim run {target}" + (f" --date {day.isoformat()}" if day else "")
    return ui.TagList(
        ui.p("Saved ", ui.code(str(target)), ". Rerun it with ", ui.code(command, id="rerun-command")),
        ui.pre(text),
    )


def within(value: Any, low: float, high: float) -> bool:
    """A number the page's slider could have sent: finite and in its range (not a bool, not text)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def refusal(text: str) -> ui.TagList:
    return ui.TagList(ui.div(text, class_="problems", role="alert"))
