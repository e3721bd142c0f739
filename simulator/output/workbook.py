"""Results as files for spreadsheets and data tools: an Excel workbook (one sheet per table, numbers as
numbers), Parquet, or CSV, written atomically so a failure never leaves half a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from simulator.atomic import atomic_path
from simulator.errors import Problem, ProblemsError
from simulator.output import TABLE_FORMATS
from simulator.output.formats import csv_text

__all__ = ["TABLE_FORMATS", "comparison_sheets", "result_sheets", "write_table", "write_workbook"]

if TYPE_CHECKING:
    from simulator.analysis.compare import Comparison
    from simulator.engine.evaluate import Result

XLSX_HINT = "writing .xlsx needs openpyxl: pip install 'tariffsim[xlsx]'"


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """One sheet per table (Excel allows 31 characters in a sheet name)."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ProblemsError([Problem(str(path), XLSX_HINT)]) from None
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)


def write_table(path: Path, frame: pd.DataFrame, fmt: str) -> None:
    """One table as CSV, Parquet or a one-sheet workbook."""
    if fmt == "xlsx":
        write_workbook(path, {"lines": frame})
    elif fmt == "parquet":
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    else:
        with atomic_path(path) as tmp:
            tmp.write_text(csv_text(frame), encoding="utf-8")


def result_sheets(result: Result) -> dict[str, pd.DataFrame]:
    """A run as sheets: totals (with the scenario and date), by category, by partner, by layer,
    the timeline, and the warnings and notes as text."""
    when = result.date.isoformat() if result.date else ""
    sheets = {
        "totals": pd.DataFrame([{"scenario": result.scenario.name, "date": when, **result.totals}]),
        "by_category": result.by_category,
    }
    if result.partners > 1:
        sheets["by_partner"] = result.by_partner
    sheets["by_layer"] = result.by_layer
    if not result.timeline.empty:
        sheets["timeline"] = result.timeline
    said = [("warning", w) for w in result.warnings] + [("note", n) for n in result.notes]
    if said:
        sheets["notes"] = pd.DataFrame(said, columns=["kind", "text"])
    return sheets


def comparison_sheets(comparison: Comparison) -> dict[str, pd.DataFrame]:
    sheets = {
        "totals": comparison.totals,
        "difference_from_first": comparison.differences,
        "rates_by_category": comparison.rates.reset_index(),
    }
    if not comparison.partner_rates.empty:
        sheets["rates_by_partner"] = comparison.partner_rates.reset_index()
    if not comparison.timeline.empty:
        sheets["timeline"] = comparison.timeline
    return sheets
