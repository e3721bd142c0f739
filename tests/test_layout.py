"""The package reads as its pipeline: each stage imports only the stages below it."""

from __future__ import annotations

import ast
from pathlib import Path

import simulator

PACKAGE = Path(simulator.__file__).parent
# lowest first; modules at the top level (errors, atomic, units, bundled) serve every stage
STAGES = ("data", "scenario", "engine", "analysis", "output", "explore", "cli")


def stage_of(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 2 and parts[1] in STAGES else None


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("simulator."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("simulator.")}
    return found


def test_no_stage_imports_a_stage_above_it() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("simulator", *path.relative_to(PACKAGE).with_suffix("").parts))
        here = stage_of(module)
        for target in imports(path):
            there = stage_of(target)
            if here is None and there is not None and module != "simulator.__init__":
                wrong.append(f"{module} (shared) imports {target}")
            elif here is not None and there is not None and there > here:
                wrong.append(f"{module} imports {target}, a later stage")
    assert not wrong, "\n".join(wrong)


def test_every_module_is_small_enough_to_name_in_one_word() -> None:
    long = [
        f"{p.relative_to(PACKAGE)}: {n}" for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 450
    ]
    assert not long, long
