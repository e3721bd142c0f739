"""Write a commented starter scenario, so a new file begins valid and self-explaining."""

from __future__ import annotations

from pathlib import Path

from simulator.atomic import write_text
from simulator.bundled import SCHEMA_FILE
from simulator.errors import Problem, ScenarioError
from simulator.scenario.load import bundled_name, extends_value, find_scenario

HEADER = """\
# yaml-language-server: $schema={schema}
# A tariffsim scenario. Reference: README.md, "Scenario format".
# Check it with `tariffsim validate {file}`, read it back with `tariffsim explain {file}`,
# run it with `tariffsim run {file}`.
"""

FRESH = """\
name: {name}
description: >
  What this scenario encodes, and the source of each fact (an article, a notice, a date).
importer: CHN            # the country levying the duties (ISO 3166 alpha-3)
exporter: USA            # optional; leave out to cover every exporter in the table
# trade: my_flows.csv    # optional, relative to this file; default the bundled 2024 US-China table
layers:                  # additional duties, stacked on each line's base rate
  - name: retaliation
    rate: 125%           # percent sign required; or dated: {{2025-04-10: 84%, 2025-04-12: 125%}}
    # categories: [Soybeans]   # optional selector; without one the layer covers every line
    # hs: ["1201"]             # HS prefixes in quotes: "12" chapter, "1201" heading, "120190" subheading
exemptions:
  - name: chips
    layers: [retaliation]      # which layers it waives; leave out to waive all (never the base rate)
    hs: ["8542"]               # an exemption needs a selector: hs and/or categories
    except_hs: ["854232"]      # memory chips stay taxed
    share: 100%                # share of the matched value exempted; may be dated too
"""

EXTENDING = """\
name: {name}
description: >
  What this scenario changes relative to {parent_name}, and the source of each fact.
extends: {parent}
# Everything in {parent_name} is inherited. A layer or exemption with an inherited name replaces it
# whole; a new name is added; remove: drops inherited ones.
exemptions:
  - name: new_exemption
    hs: ["8542"]               # HS prefixes in quotes; or categories: [...]
    share: 100%
# remove: [some_inherited_name]
"""


def starter_text(target: Path, name: str, parent: Path | None = None) -> str:
    """The starter's text. Files that travel: a bundled parent is named (`china_125`), never by its
    path inside this machine's site-packages, and the schema is the copy beside the file."""
    if parent is None:
        body = FRESH.format(name=name)
    else:
        bundled = bundled_name(parent)
        what = f"the bundled scenario {bundled}" if bundled is not None else parent.name
        body = EXTENDING.format(name=name, parent=extends_value(parent, target.parent), parent_name=what)
    return HEADER.format(schema=SCHEMA_FILE.name, file=target.name) + body


def place_schema(directory: Path) -> None:
    """The JSON schema beside the new file, so the `$schema` line works wherever the pair goes; an older
    copy written by tariffsim is brought up to date, any other file of that name is left alone."""
    target = directory / SCHEMA_FILE.name
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    if target.exists():
        try:
            old = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        if old == text or '"title": "tariffsim scenario"' not in old:
            return
    write_text(target, text)


def write_starter(
    name: str, *, parent: str | Path | None = None, directory: str | Path = ".", force: bool = False
) -> Path:
    """Write NAME.yaml (refusing to overwrite unless `force`); return its path."""
    target = Path(directory) / (name if name.endswith((".yaml", ".yml")) else f"{name}.yaml")
    if target.exists() and not force:
        raise ScenarioError([Problem(str(target), "already exists; choose another name or pass --force to overwrite")])
    parent_path = find_scenario(parent) if parent is not None else None
    if parent_path is not None and not parent_path.is_file():
        raise ScenarioError([Problem(str(parent_path), "no such scenario file to extend")])
    title = Path(name).stem.replace("_", " ").replace("-", " ").strip().capitalize() or "New scenario"
    write_text(target, starter_text(target, title, parent_path))
    place_schema(target.parent)
    return target
