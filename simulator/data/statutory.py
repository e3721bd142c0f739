"""The statutory base of US imports: what the schedule prescribes before 2025, not what was collected.

Statutory trackers (the Budget Lab, PIIE) start from the column 1 rate plus the duties in force at list
rates; tariffsim's default base is each line's duty collected in 2024. `base: statutory` in a scenario
replaces each US import line's base rate by: the 2025 HTS column 1 rate of its HTS8 line (specific and
compound rates count 0, as the tracker counts them; a line known only by a shorter code gets the mean
of the HTS8 lines under it), less the share of that chapter's duty the partner's goods escape through
preferences (the Budget Lab's estimate), plus Section 301 on China at the list rates of 2024-12-31,
plus the 2018 Section 232 rates on core steel (25%) and aluminium (10%) for partners that paid them.
The tables are built by seeds/build_us_record.py (seeds/README.md says where each comes from).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.bundled import BUNDLED_LABEL, HERE, SCENARIOS
from simulator.errors import Problem, ScenarioError

MEASURES = SCENARIOS / "measures"
BASES = ("collected", "statutory")
STATUTORY = "statutory: column 1 after preferences, Section 301 and 232 at 2024 list rates"
BUNDLED_BASES = {"USA": "duty collected in 2024", "CHN": "China's MFN rates (June 2019)"}


def base_label(base: str, importer: str, source: str) -> str:
    """What a result's base is, in words: `collected` is the table's own base_rate, which for the bundled
    table is the duty collected in 2024 on US imports and China's MFN schedule on China's. An empty
    `source` is the bundled table (the explorer reads it before the engine sees it)."""
    if base == "statutory":
        return STATUTORY
    bundled = source in ("", BUNDLED_LABEL) or Path(source).resolve().parent == HERE.resolve()
    return BUNDLED_BASES.get(importer, "the table's base_rate") if bundled else "the table's base_rate"


@cache
def _table(name: str, value: str) -> dict[tuple[str, str], float]:
    with open(MEASURES / name, newline="", encoding="utf-8") as f:
        return {
            (r["hs"], r.get("partner", "")): float(r[value].rstrip("%")) / (100 if r[value].endswith("%") else 1)
            for r in csv.DictReader(f)
        }


def _longest(code: str, table: dict[tuple[str, str], float], lengths: tuple[int, ...] = (), partner: str = "") -> float:
    """The row of the longest prefix of `code` in the table (at a length, the partner's own row before the
    general one); 0 where none matches."""
    for length in lengths or tuple(range(min(len(code), 8), 1, -1)):
        found = table.get((code[:length], partner), table.get((code[:length], "")))
        if found is not None:
            return found
    return 0.0


def statutory_rate(hs: str, partner: str) -> float:
    """One line's statutory base rate (see the module's docstring)."""
    mfn = _longest(hs, _table("us_statutory_mfn.csv", "mfn"))
    preference = _table("us_statutory_preferences.csv", "share").get((hs[:2], partner), 0.0)
    rate = mfn * (1 - min(max(preference, 0.0), 1.0))
    if partner == "CHN":
        rate += _longest(hs, _table("us_statutory_301.csv", "rate"), lengths=(8, 6, 4))
    # core steel and aluminium: the partner's own row (0%: it paid none in 2024) before the general one
    return rate + _longest(hs, _table("us_statutory_232.csv", "rate"), tuple(range(min(len(hs), 8), 3, -1)), partner)


def with_base(rows: pd.DataFrame, base: str, importer: str, source: str) -> pd.DataFrame:
    """The rows with the base the scenario asks for: unchanged for `collected`; for `statutory`, each
    line's statutory rate, resolved once per distinct (HS code, partner) and gathered."""
    if base == "collected":
        return rows
    if importer != "USA":
        raise ScenarioError(
            [
                Problem(
                    source,
                    f"base: statutory is bundled for US imports only (this scenario's importer is {importer}); "
                    "remove `base:` to use the table's base_rate",
                )
            ]
        )
    pairs = pd.MultiIndex.from_arrays([rows["hs"].astype(str), rows["exporter"].astype(str)])
    codes, uniques = pd.factorize(pairs)
    rates = np.fromiter((statutory_rate(h, p) for h, p in uniques), float, len(uniques))
    out = rows.copy()
    out["base_rate"] = rates[codes]
    return out
