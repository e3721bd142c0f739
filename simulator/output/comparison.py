"""Render a Comparison of scenarios: one date, differences from the first, parting dates for paths."""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Callable
from typing import Any

import pandas as pd

from simulator.analysis.compare import Comparison
from simulator.data.partners import name_of
from simulator.engine.allocation import mostly_estimated
from simulator.engine.evaluate import TOTAL_KEYS
from simulator.output.formats import csv_text, grid, json_safe, records
from simulator.output.result import range_text, shown_ranges
from simulator.units import pct, usd

COMPARE_ROWS = (
    ("effective_rate", "Effective rate", "pct"),
    ("duty_usd", "Duty", "usd"),
    ("exempted_value_usd", "Exempted value", "usd"),
    ("exempted_share", "Exempted share", "pct"),
    ("duty_relief_usd", "Duty relief", "usd"),
    ("import_value_usd", "Import value", "usd"),
)
ESTIMATED_ROW = ("estimated_share", "On estimated lines", "pct")
MARK = " *"  # after a category whose value rests mostly on estimated lines


def compare_rows(c: Comparison) -> tuple[tuple[str, str, str], ...]:
    """The totals rows; the share on estimated lines whenever some scenario's figures rest on any."""
    estimated = any(r.totals.get("estimated_share", 0.0) > 0 for r in c.results)
    return COMPARE_ROWS + ((ESTIMATED_ROW,) if estimated else ())


def _mostly_estimated(c: Comparison) -> set[str]:
    """Categories whose value rests mostly on estimated lines in some scenario's table."""
    return {name for r in c.results for name in mostly_estimated(r.by_category)}


def estimate_lines(c: Comparison) -> list[str]:
    """Beside the figures: each scenario's range over other splits of its estimated chapters, and what
    the category mark means ([] when nothing rests on estimates)."""
    names = [f"[{i + 1}]" for i in range(len(c.results))]
    out = [
        f"{n} exempted value {text}"
        for n, r in zip(names, c.results, strict=True)
        if (text := range_text(r, "exempted_value_usd"))
    ]
    if _mostly_estimated(c):
        out.append(
            f"{MARK.strip()} mostly estimated: the category's value splits published chapter totals by older shares"
        )
    return out


def delta(x: float, kind: str) -> str:
    """A difference for people: percentage points for rates, signed money otherwise.

    >>> delta(-0.913, "pct"), delta(2.5e9, "usd"), delta(0.0, "usd")
    ('-91.3 pts', '+$2.5B', '0')
    """
    if abs(x) < 1e-9 * (1 if kind == "pct" else 1e3):
        return "0"
    if kind == "pct":
        return f"{x * 100:+.1f} pts"
    return ("+" if x > 0 else "") + usd(x)


def _fmt(x: float, kind: str) -> str:
    if not math.isfinite(x):
        return "-"
    return pct(x) if kind == "pct" else usd(x)


def compare_dict(c: Comparison) -> dict[str, Any]:
    """The JSON shape of `tariffsim compare` (see README)."""
    scenarios = []
    for i, (lab, r) in enumerate(zip(c.labels, c.results, strict=True)):
        scenarios.append(
            {
                "label": lab,
                "scenario": r.scenario.name,
                "importer": r.scenario.importer,
                "exporter": r.scenario.exporter,
                "totals": {k: json_safe(v) for k, v in r.totals.items()},
                "difference_from_first": {k: json_safe(float(c.differences.iloc[i][k])) for k in r.totals},
                "ranges": {k: [json_safe(lo), json_safe(hi)] for k, (lo, hi) in shown_ranges(r).items()},
                "parts_from_first_on": json_safe(c.parting.get(lab)) if i else None,  # null: never, or no dates
                "warnings": list(r.warnings),
            }
        )
    rates = c.rates.reset_index()
    return {
        "date": json_safe(c.date),
        "comparability_note": c.comparability or None,
        "scenarios": scenarios,
        "by_category": [{k: json_safe(v) for k, v in row.items()} for row in rates.to_dict(orient="records")],
        "by_partner": records(c.partner_rates.reset_index()) if not c.partner_rates.empty else [],
        "timeline": records(c.timeline),
    }


def compare_table(c: Comparison) -> str:
    when = f"rates in force on {c.date.isoformat()}" if c.date else "constant rates"
    directions = sorted({r.scenario.label for r in c.results})
    out = [f"Comparing {len(c.results)} scenarios · {when} · {', '.join(directions)}", ""]
    out += [f"  [{i + 1}] {lab}: {r.scenario.name}" for i, (lab, r) in enumerate(zip(c.labels, c.results, strict=True))]
    names = [f"[{i + 1}]" for i in range(len(c.labels))]
    header = ["Totals", names[0]] + [h for n in names[1:] for h in (n, f"{n} vs [1]")]
    rows = []
    for key, label, kind in compare_rows(c):
        cells = [label, _fmt(float(c.totals.iloc[0][key]), kind)]
        for i in range(1, len(c.labels)):
            cells += [_fmt(float(c.totals.iloc[i][key]), kind), delta(float(c.differences.iloc[i][key]), kind)]
        rows.append(cells)
    out += ["", *grid(header, rows)]
    if notes := estimate_lines(c):
        out += ["", *[f"  Estimates: {line}" for line in notes]]
    if c.parting:
        out.append("")
        for n, lab in zip(names[1:], c.labels[1:], strict=True):
            d = c.parting.get(lab)
            out.append(
                f"  {n} parts from [1] on {d.isoformat()}"
                if d
                else f"  {n} levies the same duty as [1] on every change date"
            )
    if c.comparability:
        out += ["", *textwrap.wrap("Note: " + c.comparability, 100)]
    if not c.timeline.empty:
        rate = c.timeline.pivot(index="date", columns="label", values="effective_rate")
        relief = c.timeline.pivot(index="date", columns="label", values="duty_relief_usd")
        parts = {d: n for n, lab in zip(names[1:], c.labels[1:], strict=True) if (d := c.parting.get(lab))}
        steps = []
        for d in rate.index:
            cells = [d.isoformat()] + [f"{pct(rate.loc[d, lab])} · {usd(relief.loc[d, lab])}" for lab in c.labels]
            steps.append([*cells, f"<- {parts[d]} parts" if d in parts else ""] if parts else cells)
        out += [
            "",
            "Step by step: effective rate · duty relief from the exemptions",
            *grid(["From", *names, *([""] if parts else [])], steps),
        ]
    mostly = _mostly_estimated(c)  # once, not once per category
    marked = c.rates.rename(index=lambda k: f"{k}{MARK}" if str(k) in mostly else str(k))
    out += ["", *grid(*_rate_rows("Effective rate by category", marked, names))]
    if not c.partner_rates.empty:
        shown = c.partner_rates.head(PARTNERS_COMPARED)
        title = f"Effective rate, largest partners ({len(shown)} of {len(c.partner_rates)})"
        renamed = shown.rename(index=lambda code: f"{code} {name_of(str(code))}")
        out += ["", *grid(*_rate_rows(title, renamed, names))]
    warnings = [f"[{i + 1}] {w}" for i, r in enumerate(c.results) for w in r.warnings]
    if warnings:
        out += ["", "Warnings", *[f"  ! {w}" for w in warnings]]
    return "\n".join(out) + "\n"


PARTNERS_COMPARED = 15


def _rate_rows(title: str, rates: pd.DataFrame, names: list[str]) -> tuple[list[str], list[list[str]]]:
    """A rate per row and scenario, each after the first with its difference from the first."""
    header = [title, names[0]] + [h for n in names[1:] for h in (n, f"{n} vs [1]")]
    rows = []
    for key, row in rates.iterrows():
        first = float(row.iloc[0])
        cells = [str(key), _fmt(first, "pct")]
        for i in range(1, len(names)):
            v = float(row.iloc[i])
            cells += [_fmt(v, "pct"), delta(v - first, "pct") if math.isfinite(v) and math.isfinite(first) else "-"]
        rows.append(cells)
    return header, rows


def compare_markdown(c: Comparison) -> str:
    when = f"rates in force on {c.date.isoformat()}" if c.date else "constant rates"
    out = [f"# Comparing {len(c.results)} scenarios", "", f"*{when}*", ""]
    out += [
        f"{i + 1}. **{lab}**: {r.scenario.name} ({r.scenario.label})"
        for i, (lab, r) in enumerate(zip(c.labels, c.results, strict=True))
    ]
    if c.comparability:
        out += ["", f"> {c.comparability}"]
    out += [
        "",
        "| | " + " | ".join(f"[{i + 1}]" for i in range(len(c.labels))) + " |",
        "|---|" + "---:|" * len(c.labels),
    ]
    for key, label, kind in compare_rows(c):
        cells = [_fmt(float(c.totals.iloc[0][key]), kind)] + [
            f"{_fmt(float(c.totals.iloc[i][key]), kind)} ({delta(float(c.differences.iloc[i][key]), kind)})"
            for i in range(1, len(c.labels))
        ]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    if notes := [line for line in estimate_lines(c) if not line.startswith(MARK.strip())]:
        out += ["", *[f"- Estimates: {line}" for line in notes]]
    if not c.timeline.empty:
        rate = c.timeline.pivot(index="date", columns="label", values="effective_rate")
        relief = c.timeline.pivot(index="date", columns="label", values="duty_relief_usd")
        out += [
            "",
            "| From | " + " | ".join(f"[{i + 1}] rate · relief" for i in range(len(c.labels))) + " |",
            "|---|" + "---:|" * len(c.labels),
        ]
        out += [
            f"| {d.isoformat()} | "
            + " | ".join(f"{pct(rate.loc[d, lab])} · {usd(relief.loc[d, lab])}" for lab in c.labels)
            + " |"
            for d in rate.index
        ]
    return "\n".join(out) + "\n"


def compare_csv(c: Comparison) -> str:
    """One row per scenario: label, direction, totals, then each total's difference from the first."""
    diffs = c.differences[list(TOTAL_KEYS)].add_suffix("_vs_first")
    frame = pd.concat([c.totals, diffs], axis=1)
    return csv_text(frame)


COMPARE_RENDERERS: dict[str, Callable[[Comparison], str]] = {
    "table": compare_table,
    "json": lambda c: json.dumps(compare_dict(c), indent=2) + "\n",
    "csv": compare_csv,
    "markdown": compare_markdown,
}
