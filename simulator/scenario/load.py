"""Load a scenario file: read it, follow `extends`, merge, and validate the whole before anything runs.

Nothing is computed from a scenario that did not validate completely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simulator.bundled import SCENARIOS, shown
from simulator.collector import collector_paused
from simulator.errors import Problem, ScenarioError, did_you_mean, short
from simulator.scenario.fields import TOP_KEYS
from simulator.scenario.model import Exemption, Layer, Response, Scenario, Schedule, Stacking
from simulator.scenario.reader import Reader
from simulator.scenario.safe_yaml import Mapping, Sequence, parse_yaml
from simulator.scenario.scalars import kind_of

MAX_SCENARIO_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 32  # real scenarios extend two or three files; far deeper is a mistake


@dataclass
class _Draft:
    """One file's contents, before merging with what it extends."""

    source: Path
    values: dict[str, Any] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    remove: list[tuple[str, str]] = field(default_factory=list)  # (name, where)
    extends: tuple[Path, ...] = ()
    removed: tuple[str, ...] = ()
    response: Response | None = None
    stacking: list[Stacking] = field(default_factory=list)


def load_scenario(path: str | Path, *, trade: str | Path | None = None) -> Scenario:
    """Read, merge (`extends`) and validate a scenario file; raise ScenarioError with every problem.

    `path` is a file, or the name of a bundled scenario (`exempt_chips`, `paths/us_on_china_escalation`).
    `trade` replaces the scenario's `trade:` table, which then need not exist.
    """
    with collector_paused():
        draft = _load(find_scenario(path), (), check_trade=trade is None)
        scenario = _finish(draft)
    return replace(scenario, trade=Path(trade)) if trade is not None else scenario


def find_scenario(ref: str | Path) -> Path:
    """A scenario file by its path, or else a bundled scenario by its name, so an installed tariffsim
    runs `tariffsim run exempt_chips` from any directory. A path that exists always wins."""
    path = Path(ref)
    if path.exists():
        return path
    name = path.as_posix().removesuffix(".yaml").removeprefix("scenarios/")
    if (SCENARIOS / f"{name}.yaml").is_file():
        return SCENARIOS / f"{name}.yaml"
    same_stem = [p for p in SCENARIOS.rglob("*.yaml") if p.stem == name]
    return same_stem[0] if len(same_stem) == 1 else path


BUNDLED_PREFIX = "bundled/"  # `extends: bundled/exempt_chips` names the bundled scenario whatever lies beside


def bundled_named(name: str) -> Path | None:
    """The bundled scenario called `name` (`exempt_chips`, `paths/us_on_china_escalation`), if any."""
    file = SCENARIOS / f"{name.removesuffix('.yaml')}.yaml"
    return file if file.is_file() and SCENARIOS.resolve() in file.resolve().parents else None


def bundled_name(path: Path) -> str | None:
    """The name `extends:` and `tariffsim run` accept for a bundled scenario file; None for other files."""
    try:
        return path.resolve().relative_to(SCENARIOS.resolve()).with_suffix("").as_posix()
    except ValueError:
        return None


def relative_to(path: Path, folder: Path) -> str:
    """`path` as the loader reads it from a file in `folder` (relative, so the pair can move together)."""
    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return path.resolve().as_posix()


def extends_value(parent: Path, folder: Path) -> str:
    """What a file written in `folder` puts in `extends:` to name `parent`: a bundled scenario by its name,
    so the file runs anywhere (`bundled/NAME` where a `NAME.yaml` in `folder` would shadow it); any other
    file by its relative path."""
    bundled = bundled_name(parent)
    if bundled is None:
        return relative_to(parent, folder)
    here = folder / f"{bundled}.yaml"
    shadowed = here.is_file() and here.resolve() != parent.resolve()
    return f"{BUNDLED_PREFIX}{bundled}" if shadowed else bundled


def bundled_scenarios() -> list[tuple[str, Path]]:
    """Every bundled scenario as (the name `tariffsim run` accepts, its file)."""
    files = sorted(SCENARIOS.rglob("*.yaml"), key=lambda p: (len(p.relative_to(SCENARIOS).parts), p.as_posix()))
    return [(p.relative_to(SCENARIOS).with_suffix("").as_posix(), p) for p in files]


def _load(path: Path, stack: tuple[Path, ...], *, check_trade: bool = True) -> _Draft:
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # a symbolic link that points back to itself
        raise ScenarioError([Problem(shown(path), "is a symbolic link that loops; point it at a real file")]) from None
    if len(stack) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [Problem(shown(path), f"extends goes more than {MAX_EXTENDS_DEPTH} files deep; merge some of the files")]
        )
    if resolved in stack:
        chain = " -> ".join(p.name for p in (*stack, resolved))
        raise ScenarioError([Problem(shown(path), f"extends makes a cycle ({chain}); remove one of the extends")])
    if path.exists() and not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file (a pipe or device?)"
        raise ScenarioError([Problem(shown(path), f"is {kind}; give a scenario .yaml file")])
    if not path.is_file():
        raise ScenarioError(
            [
                Problem(
                    shown(path),
                    "no such scenario file or bundled scenario name; check the path (tariffsim list shows the bundled names)",
                )
            ]
        )
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            [
                Problem(
                    shown(path),
                    f"is {path.stat().st_size / 1e6:.1f} MB; scenario files are a few kB (at most "
                    f"{MAX_SCENARIO_BYTES // 1_000_000} MB): is this the trade table? Pass tables with trade: or --trade",
                )
            ]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(shown(path), f"cannot read the file: {exc.__class__.__name__}")]) from None
    doc = parse_yaml(text, shown(path))
    reader = Reader(path)
    top = reader.mapping(doc, "", TOP_KEYS, "name, importer, layers, exemptions...") if doc is not None else None
    if doc is None:
        reader.fail(None, "", "the file is empty; a scenario needs at least name and importer", 1)
    if top is None:
        raise ScenarioError(reader.problems)

    parent: _Draft | None = None
    if "extends" in top:
        target = reader.text(top["extends"], "extends")
        if target is not None:
            parent_path = path.parent / target
            if not parent_path.is_file():  # a bundled scenario's name, so a saved experiment runs anywhere
                parent_path = bundled_named(target.removeprefix(BUNDLED_PREFIX)) or parent_path
            shadow = path.parent / f"{target}.yaml"
            if (
                not target.startswith(BUNDLED_PREFIX)
                and bundled_name(parent_path) is not None
                and shadow.is_file()
                and shadow.resolve() != parent_path.resolve()
            ):
                reader.fail(
                    top["extends"],
                    "extends",
                    f"{short(target)} could mean {shadow.name} beside this file or the bundled scenario {target}; "
                    f"write extends: {target}.yaml for the file here, or extends: {BUNDLED_PREFIX}{target} for the "
                    "bundled one",
                )
            elif not parent_path.is_file():
                reader.fail(
                    top["extends"],
                    "extends",
                    f"no such file {short(target)} (looked in {path.parent}/) and no bundled scenario of that name",
                )
            else:
                try:
                    parent = _load(parent_path, (*stack, resolved), check_trade=check_trade)
                except ScenarioError as exc:
                    reader.problems.extend(exc.problems)

    draft = _Draft(source=path)
    for key in ("name", "description"):
        if key in top:
            draft.values[key] = reader.text(top[key], key)
    for key in ("importer", "exporter"):
        if key in top:
            draft.values[key] = reader.country(top[key], key)
    if "record_ends" in top:
        draft.values["record_ends"] = reader.day(top["record_ends"], "record_ends")
    if "base" in top:
        base = reader.text(top["base"], "base")
        if base is not None and base not in ("collected", "statutory"):
            reader.fail(
                top["base"],
                "base",
                f"unknown base {short(base)}; use collected (the duty collected in 2024, the default) or statutory",
            )
        else:
            draft.values["base"] = base
    if "trade" in top:
        target = reader.text(top["trade"], "trade")
        if target is not None:
            trade = path.parent / target
            if check_trade and not trade.exists():  # a file, or a directory holding a Parquet dataset
                reader.fail(
                    top["trade"],
                    "trade",
                    f"no such trade-flow table {short(target)} (paths are relative to {path.parent}/)",
                )
            draft.values["trade"] = trade
    draft.layers = _items(reader, top, "layers", reader.layer)
    draft.exemptions = _items(reader, top, "exemptions", reader.exemption)
    if "response" in top:
        draft.response = reader.response(top["response"])
    draft.stacking = _items(reader, top, "stacking", reader.stacking)
    if "remove" in top:
        names = reader.strings(top["remove"], "remove", "layer or exemption name")
        draft.remove = [(n, reader.where(top["remove"], "remove")) for n in names]
        if parent is None and "extends" not in top:
            reader.fail(top["remove"], "remove", "remove only applies with extends; drop the key or add extends: FILE")

    _check_unique(reader, draft.layers, draft.exemptions)
    if reader.problems:
        raise ScenarioError(reader.problems)
    return _merge(parent, draft) if parent is not None else draft


def _items(reader: Reader, top: Mapping, key: str, build: Any) -> list[Any]:
    node = top.get(key)
    if node is None:
        return []
    if not isinstance(node, Sequence):
        reader.fail(node, key, f"expected a list (each item starting with '- name: ...'), got {kind_of(node)}")
        return []
    return [item for i, raw in enumerate(node) if (item := build(raw, f"{key}[{i}]")) is not None]


def _check_unique(reader: Reader, layers: list[Layer], exemptions: list[Exemption]) -> None:
    seen: dict[str, str] = {}
    items: list[Layer | Exemption] = [*layers, *exemptions]
    for item in items:
        if item.name in seen:
            reader.problems.append(
                Problem(
                    item.where,
                    f"duplicate name {short(item.name)} (also at {seen[item.name]}); names must be unique across layers and exemptions",
                )
            )
        else:
            seen[item.name] = item.where


def _merge(parent: _Draft, child: _Draft) -> _Draft:
    """Child values win; same-named layers/exemptions are replaced whole; `remove` drops inherited ones."""
    problems: list[Problem] = []
    named: list[Layer | Exemption] = [*parent.layers, *parent.exemptions]
    inherited = {x.name for x in named}
    dropped: set[str] = set()
    for name, where in child.remove:
        if name not in inherited:
            problems.append(
                Problem(
                    where,
                    f"cannot remove {short(name)}: {parent.source.name} has no layer or exemption of that name{did_you_mean(name, inherited)}",
                )
            )
        dropped.add(name)

    def combine(old: list[Any], new: list[Any]) -> list[Any]:
        replacements = {x.name: x for x in new}
        kept = [replacements.pop(x.name, x) for x in old if x.name not in dropped]
        return kept + [x for x in new if x.name in replacements]

    merged = _Draft(
        source=child.source,
        values={**parent.values, **{k: v for k, v in child.values.items() if v is not None}},
        layers=combine(parent.layers, child.layers),
        exemptions=combine(parent.exemptions, child.exemptions),
        extends=(parent.source, *parent.extends),
        removed=(*parent.removed, *sorted(dropped)),
        response=child.response or parent.response,
        stacking=[*parent.stacking, *child.stacking],
    )
    layer_names = {x.name for x in merged.layers}
    for item in merged.exemptions:
        if item.name in layer_names:
            problems.append(
                Problem(item.where, f"duplicate name {short(item.name)}: it is a layer in {parent.source.name} too")
            )
    if problems:
        raise ScenarioError(problems)
    return merged


def _finish(draft: _Draft) -> Scenario:
    problems: list[Problem] = []
    source = draft.source
    importer = draft.values.get("importer")
    if importer is None:
        problems.append(
            Problem(f"{source}:1", "importer is required: the country that levies the duties, e.g. importer: CHN")
        )
    name = draft.values.get("name") or source.stem
    layer_names = [x.name for x in draft.layers]
    for ex in draft.exemptions:
        for waived in ex.layers or ():
            if waived not in layer_names:
                gone = " (removed by remove:)" if waived in draft.removed else ""
                problems.append(
                    Problem(
                        ex.where + ".layers", f"unknown layer {short(waived)}{gone}{did_you_mean(waived, layer_names)}"
                    )
                )
    stacking = _stacking_in_force(draft, problems)
    if problems:
        raise ScenarioError(problems)
    assert importer is not None
    return Scenario(
        name=name,
        description=(draft.values.get("description") or "").strip(),
        importer=importer,
        exporter=draft.values.get("exporter"),
        layers=tuple(draft.layers),
        exemptions=tuple(draft.exemptions),
        trade=draft.values.get("trade"),
        source=source,
        extends=draft.extends,
        removed=draft.removed,
        response=draft.response,
        stacking=stacking,
        record_ends=draft.values.get("record_ends"),
        base=draft.values.get("base") or "collected",
    )


def _stacking_in_force(draft: _Draft, problems: list[Problem]) -> tuple[Stacking, ...]:
    """Rules naming layers that do not exist are errors; names of layers removed by `remove:` drop out of
    the rules, and a rule left with nothing to stack is dropped (explain shows the rules in force)."""
    names = [x.name for x in draft.layers]
    kept: list[Stacking] = []
    for rule in draft.stacking:
        for name in (rule.layer, *rule.others) if rule.layer else rule.others:
            if name not in names and name not in draft.removed:
                problems.append(Problem(rule.where, f"unknown layer {short(name)}{did_you_mean(name, names)}"))
        others = tuple(o for o in rule.others if o in names)
        if (rule.kind == "yields_to" and rule.layer in names and others) or (
            rule.kind == "higher_of" and len(others) >= 2
        ):
            kept.append(replace(rule, others=others))
    problems.extend(_undefined_stacking(kept))
    return tuple(kept)


def _undefined_stacking(rules: list[Stacking]) -> list[Problem]:
    """Rules with no defined meaning, since each rule reads the rates before any rule: a cycle of
    `yields_to` (each layer yields to the other: neither is levied), and a layer that yields and is in
    a `higher_of` (where it yields it would still cancel the group's other layers). A layer yielded
    *to* may be in a `higher_of`: "in force" is read before any rule, so that is defined."""
    found: list[Problem] = []
    yields = {r.layer: (r, r.others) for r in rules if r.kind == "yields_to"}
    reported: set[frozenset[str]] = set()
    for start, (rule, _) in yields.items():
        path, seen = [start], {start}
        stack = [(start, iter(yields[start][1]))]
        while stack:  # depth-first: the first cycle back to `start` is reported
            _, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
            elif child == start:
                cycle = frozenset(path)
                if cycle not in reported:
                    reported.add(cycle)
                    chain = " yields to ".join([*path, start])
                    found.append(
                        Problem(
                            rule.where,
                            f"yields_to rules form a cycle ({chain}): where they are all in force none would be "
                            "levied; keep the rules for the layers that give way, drop one",
                        )
                    )
                break
            elif child in yields and child not in seen:
                seen.add(child)
                path.append(child)
                stack.append((child, iter(yields[child][1])))
    for rule in rules:
        both = [name for name in rule.others if rule.kind == "higher_of" and name in yields]
        if both:
            found.append(
                Problem(
                    rule.where,
                    f"layer {short(both[0])} yields to another layer and is in this higher_of: where it is not "
                    "levied it would still cancel the others here. Drop one of the two rules, or list the layer it "
                    "yields to in this higher_of instead",
                )
            )
    return found


def with_rates(scenario: Scenario, rates: dict[str, float]) -> Scenario:
    """A copy of the scenario with some layers' rates set to constants (for sweeps and tests)."""
    layers = tuple(replace(x, rate=Schedule.constant(rates[x.name])) if x.name in rates else x for x in scenario.layers)
    return replace(scenario, layers=layers)
