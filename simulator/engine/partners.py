"""The partner in the engine: when it must be part of the key, results by partner when it is not, and
what a scenario's partners and the table's chapter-level lines mean for its figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.data.partners import expand, groups, names
from simulator.engine.keys import KeyIndex, dense_present
from simulator.scenario.model import Exemption, Layer, Scenario
from simulator.units import usd


@dataclass(frozen=True)
class Cells:
    """Value and base duty per (key, partner), for results by partner when no rule tells partners apart:
    every partner's lines of a key then pay the key's rates, so a partner's duty is its base duty plus
    its value times the key's additional rate."""

    key: np.ndarray  # (C,) the key of each cell
    partner: np.ndarray  # (C,) index into Prepared.partners
    value: np.ndarray  # (C,)
    base_duty: np.ndarray  # (C,)
    estimated: np.ndarray  # (C,) value on lines marked as estimates

    @staticmethod
    def build(
        keys: KeyIndex,
        partner_index: np.ndarray,
        n_partners: int,
        value: np.ndarray,
        base: np.ndarray,
        estimated: np.ndarray | None,
    ) -> Cells:
        """`estimated`: each row's value on lines marked as estimates, None when no line is."""
        index = KeyIndex.build([(keys.row_key.astype(np.int64), len(keys.present)), (partner_index, n_partners)])
        key, partner = index.split()
        partner = dense_present(partner, n_partners)[1][partner]  # partners present, in code order
        none = np.zeros(len(key))
        return Cells(
            key,
            partner,
            index.sum(value),
            index.sum(value * base),
            index.sum(estimated) if estimated is not None else none,
        )


class LazyCells:
    """Cells built once, on first use, by whichever preparation (merged or not) asks first."""

    def __init__(self, build: Callable[[], Cells]) -> None:
        self._build: Callable[[], Cells] | None = build
        self._cells: Cells | None = None

    def get(self) -> Cells:
        if self._cells is None:
            assert self._build is not None
            self._cells, self._build = self._build(), None
        return self._cells


def partner_rules(scenario: Scenario) -> bool:
    """Whether some rule treats partners differently: partner selectors, or tables with partner rows."""
    rules: list[Layer | Exemption] = [*scenario.layers, *scenario.exemptions]
    if any(rule.selector.partners or rule.selector.except_partners for rule in rules):
        return True
    tables = [layer.table for layer in scenario.layers] + [ex.share_table for ex in scenario.exemptions]
    return any(table is not None and table.partners for table in tables)


def partners_apart(scenario: Scenario) -> bool:
    """Whether the scenario needs each exporter's lines apart: rules that name partners, or substitution
    between them. A reader that sums exporters together (the Parquet reducer, the dask engine) cannot
    serve it: its partner rules would match no line and nothing would be diverted."""
    response = scenario.response
    return scenario.exporter is None and (partner_rules(scenario) or (response is not None and response.diverts))


def partner_warnings(scenario: Scenario, rules: list[Layer | Exemption], present: set[str], source: str) -> list[str]:
    """A partner code or group member-less in this direction's rows: like an HS prefix that matches nothing."""
    out = []
    for rule in rules:
        for entry in (*rule.selector.partners, *rule.selector.except_partners):
            if not set(expand((entry,))) & present and not _elsewhere(entry, scenario):
                hint = _eu_hint({entry}, present)
                out.append(
                    f"{rule.name}: partner '{entry}' has no line of {scenario.label} in {Path(source).name}{hint}"
                )
    return out


def reaches(layer: Layer, partners: tuple[str, ...]) -> bool:
    """The layer names no partner, or one of the run's: a warning about it concerns this run."""
    return not layer.selector.partners or bool(set(expand(layer.selector.partners)) & set(partners))


def _elsewhere(entry: str, scenario: Scenario) -> bool:
    """A known partner or group other than the one exporter a scenario names: absent by design, not by a
    typo (a path on every partner seen from one of them names all the others)."""
    if scenario.exporter is None:
        return False
    known = names().keys() | groups().keys()
    return entry in known and scenario.exporter not in expand((entry,))


def chapter_lines(
    scenario: Scenario,
    hs_distinct: np.ndarray,
    hs_of_key: np.ndarray,
    value: np.ndarray,
    keys: KeyIndex,
    rows: pd.DataFrame,
) -> list[str]:
    """Lines known only by chapter (the bundled table's small partners) cannot be reached by a product
    list finer than a chapter: say how much trade that is, where a rule uses such a list. Codes are
    looked at once each (`hs_distinct`, gathered to the keys by `hs_of_key`): the world path's 211,875
    keys hold 18,604 codes."""
    short_codes = np.char.str_len(hs_distinct) == 2
    if not short_codes.any():
        return []
    rules: list[Layer | Exemption] = [*scenario.layers, *scenario.exemptions]
    fine = {p[:2] for rule in rules for p in rule.selector.hs if len(p) > 2}
    fine |= {
        r[0][:2] for layer in scenario.layers if layer.table is not None for r in layer.table.rows if len(r[0]) > 2
    }
    chapters = (short_codes & np.isin(hs_distinct, sorted(fine)))[hs_of_key]
    if not chapters.any():
        return []
    who = rows["exporter"][chapters[keys.row_key]].nunique()
    return [
        f"{usd(float(value[chapters].sum()))} of imports from {who} partner{'s' if who != 1 else ''} is known only by HS "
        "chapter, in chapters this scenario's finer product lists and rates name: they cannot reach it, so it pays "
        "every layer that covers it whole and no exemption"
    ]


def _eu_hint(missing: set[str], present: set[str]) -> str:
    """EU members in a table that holds the EU as one partner (as the bundled one does)."""
    if "EUN" in present and missing & set(expand(("EU",))):
        return "; this table holds the EU as one partner, EUN: write EU or EUN"
    return ""


def table_partner_warnings(
    name: str, named: tuple[str | None, ...], present: set[str], scenario: Scenario, source: str
) -> list[str]:
    missing = sorted({p for p in named if p is not None and not _elsewhere(p, scenario)} - present)
    if not missing:
        return []
    listed = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
    hint = _eu_hint(set(missing), present)
    return [
        f"{name}: its table names partner(s) with no line of {scenario.label} in {Path(source).name}: {listed}{hint}"
    ]
