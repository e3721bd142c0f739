"""Render a Result for people (table, markdown) and for programs (json, csv).

JSON keeps rates as fractions and money in USD; the table prints percents and USD billions.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from simulator.compare import Comparison
from simulator.engine import TOTAL_KEYS, Result

FORMATS = ("table", "json", "csv", "markdown")
CATEGORY_COLUMNS = (
    ("import_value_usd", "Imports", "usd"),
    ("exempted_value_usd", "Exempted", "usd"),
    ("exempted_share", "Exempt %", "pct"),
    ("effective_rate_without_exemptions", "Rate before", "pct"),
    ("effective_rate", "Eff. rate", "pct"),
    ("duty_usd", "Duty", "usd"),
    ("duty_relief_usd", "Relief", "usd"),
)


def usd(x: float) -> str:
    """Money for people.

    >>> usd(12_345_000_000), usd(45_600_000), usd(0)
    ('$12.3B', '$45.6M', '$0')
    """
    if not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 1e9:
        return f"{sign}${a / 1e9:,.1f}B"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.1f}M"
    return f"{sign}${a:,.0f}"


def pct(x: float) -> str:
    """A fraction as a percent for people.

    >>> pct(1.25), pct(0.0345)
    ('125.0%', '3.5%')
    """
    return f"{x * 100:.1f}%" if math.isfinite(x) else "n/a"


def _clean(x: Any) -> Any:
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if hasattr(x, "item"):
        return _clean(x.item())
    return x


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as ISO text, non-finite numbers as None."""
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def to_dict(result: Result) -> dict[str, Any]:
    """The JSON contract: see README, "JSON output"."""
    s = result.scenario
    return {
        "scenario": s.name,
        "importer": s.importer,
        "exporter": s.exporter,
        "date": _clean(result.date),
        "totals": {k: _clean(v) for k, v in result.totals.items()},
        "by_category": records(result.by_category),
        "by_layer": records(result.by_layer),
        "timeline": records(result.timeline),
        "warnings": list(result.warnings),
    }


def to_json(result: Result) -> str:
    return json.dumps(to_dict(result), indent=2) + "\n"


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text: full precision without float noise, Unix line ends."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


def to_csv(result: Result) -> str:
    """One row per category plus a final 'Total' row; rates as fractions, money in USD."""
    total = pd.DataFrame([{"category": "Total", **result.totals}])
    frame = pd.concat([result.by_category, total], ignore_index=True)
    return csv_text(frame)


def _cells(result: Result) -> tuple[list[str], list[list[str]]]:
    fmt: dict[str, Callable[[float], str]] = {"usd": usd, "pct": pct}
    header = ["Category", *[label for _, label, _ in CATEGORY_COLUMNS]]
    rows = [
        [str(r["category"]), *[fmt[k](float(r[c])) for c, _, k in CATEGORY_COLUMNS]]
        for _, r in result.by_category.iterrows()
    ]
    rows.append(["Total", *[fmt[k](float(result.totals[c])) for c, _, k in CATEGORY_COLUMNS]])
    return header, rows


def headline(result: Result) -> list[tuple[str, str]]:
    t = result.totals
    return [
        (
            "Effective rate",
            f"{pct(t['effective_rate'])}  (without exemptions {pct(t['effective_rate_without_exemptions'])})",
        ),
        ("Duty", f"{usd(t['duty_usd'])} a year on {usd(t['import_value_usd'])} of imports"),
        ("Exempted value", f"{usd(t['exempted_value_usd'])}  ({pct(t['exempted_share'])} of imports)"),
        ("Duty relief", f"{usd(t['duty_relief_usd'])} a year"),
    ] + (
        [
            (
                "Trade response",
                f"imports {usd(t['baseline_import_value_usd'])} -> {usd(t['import_value_usd'])} ({usd(t['trade_change_usd'])})",
            )
        ]
        if "trade_change_usd" in t
        else []
    )


def context_line(result: Result) -> str:
    s = result.scenario
    when = f"rates in force on {result.date.isoformat()}" if result.date else "constant rates"
    return f"{s.importer} duties on imports from {s.exporter or 'all partners'} · {when} · trade: {_source_name(result.source)}"


def _source_name(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1]


def grid(header: list[str], rows: list[list[str]], *, separator_before_last: bool = False) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    body = [line(r) for r in rows]
    if separator_before_last and body:
        body.insert(len(body) - 1, "  ".join("-" * w for w in widths))
    return out + body


def to_table(result: Result) -> str:
    s = result.scenario
    out = [s.name, context_line(result), ""]
    width = max(len(k) for k, _ in headline(result))
    out += [f"  {k.ljust(width)}  {v}" for k, v in headline(result)]
    header, rows = _cells(result)
    out += ["", "By category (sorted by import value)", *grid(header, rows, separator_before_last=True)]
    layers = [
        [str(r["layer"]), usd(r["duty_usd"]), usd(r["exempted_value_usd"]), usd(r["duty_relief_usd"])]
        for _, r in result.by_layer.iterrows()
    ]
    out += ["", "By layer", *grid(["Layer", "Duty", "Exempted", "Relief"], layers)]
    if len(result.timeline):
        tl = [
            [
                r["date"].isoformat(),
                pct(r["effective_rate"]),
                usd(r["duty_usd"]),
                usd(r["exempted_value_usd"]),
                usd(r["duty_relief_usd"]),
            ]
            for _, r in result.timeline.iterrows()
        ]
        out += [
            "",
            "Timeline (totals from each change date)",
            *grid(["From", "Eff. rate", "Duty", "Exempted", "Relief"], tl),
        ]
    if result.warnings:
        out += ["", "Warnings", *[f"  ! {w}" for w in result.warnings]]
    return "\n".join(out) + "\n"


def to_markdown(result: Result) -> str:
    s = result.scenario
    out = [f"# {s.name}", "", f"*{context_line(result)}*", ""]
    out += [f"- **{k}**: {v}" for k, v in headline(result)]
    header, rows = _cells(result)
    out += ["", "| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    if len(result.timeline):
        out += ["", "| From | Eff. rate | Duty | Exempted | Relief |", "|---|---:|---:|---:|---:|"]
        out += [
            f"| {r['date'].isoformat()} | {pct(r['effective_rate'])} | {usd(r['duty_usd'])} | {usd(r['exempted_value_usd'])} | {usd(r['duty_relief_usd'])} |"
            for _, r in result.timeline.iterrows()
        ]
    if result.warnings:
        out += ["", "**Warnings**", "", *[f"- {w}" for w in result.warnings]]
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[Result], str]] = {
    "table": to_table,
    "json": to_json,
    "csv": to_csv,
    "markdown": to_markdown,
}


def render(result: Result, fmt: str) -> str:
    return RENDERERS[fmt](result)


# --- comparisons -------------------------------------------------------------------------------

COMPARE_ROWS = (
    ("effective_rate", "Effective rate", "pct"),
    ("duty_usd", "Duty", "usd"),
    ("exempted_value_usd", "Exempted value", "usd"),
    ("exempted_share", "Exempted share", "pct"),
    ("duty_relief_usd", "Duty relief", "usd"),
    ("import_value_usd", "Import value", "usd"),
)


def _delta(x: float, kind: str) -> str:
    """A difference for people: percentage points for rates, signed money otherwise.

    >>> _delta(-0.913, "pct"), _delta(2.5e9, "usd"), _delta(0.0, "usd")
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
                "totals": {k: _clean(v) for k, v in r.totals.items()},
                "difference_from_first": {k: _clean(float(c.differences.iloc[i][k])) for k in r.totals},
                "parts_from_first_on": _clean(c.parting.get(lab)) if i else None,
                "warnings": list(r.warnings),
            }
        )
    rates = c.rates.reset_index()
    return {
        "date": _clean(c.date),
        "scenarios": scenarios,
        "by_category": [{k: _clean(v) for k, v in row.items()} for row in rates.to_dict(orient="records")],
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
    for key, label, kind in COMPARE_ROWS:
        cells = [label, _fmt(float(c.totals.iloc[0][key]), kind)]
        for i in range(1, len(c.labels)):
            cells += [_fmt(float(c.totals.iloc[i][key]), kind), _delta(float(c.differences.iloc[i][key]), kind)]
        rows.append(cells)
    out += ["", *grid(header, rows)]
    if c.parting:
        out.append("")
        for n, lab in zip(names[1:], c.labels[1:], strict=True):
            d = c.parting.get(lab)
            out.append(
                f"  {n} parts from [1] on {d.isoformat()}" if d else f"  {n} never differs from [1] on a change date"
            )
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
    cat_header = ["Effective rate by category", names[0]] + [h for n in names[1:] for h in (n, f"{n} vs [1]")]
    cat_rows = []
    for cat, row in c.rates.iterrows():
        first = float(row.iloc[0])
        cells = [str(cat), _fmt(first, "pct")]
        for i in range(1, len(c.labels)):
            v = float(row.iloc[i])
            cells += [_fmt(v, "pct"), _delta(v - first, "pct") if math.isfinite(v) and math.isfinite(first) else "-"]
        cat_rows.append(cells)
    out += ["", *grid(cat_header, cat_rows)]
    warnings = [f"[{i + 1}] {w}" for i, r in enumerate(c.results) for w in r.warnings]
    if warnings:
        out += ["", "Warnings", *[f"  ! {w}" for w in warnings]]
    return "\n".join(out) + "\n"


def compare_markdown(c: Comparison) -> str:
    when = f"rates in force on {c.date.isoformat()}" if c.date else "constant rates"
    out = [f"# Comparing {len(c.results)} scenarios", "", f"*{when}*", ""]
    out += [
        f"{i + 1}. **{lab}**: {r.scenario.name} ({r.scenario.label})"
        for i, (lab, r) in enumerate(zip(c.labels, c.results, strict=True))
    ]
    out += [
        "",
        "| | " + " | ".join(f"[{i + 1}]" for i in range(len(c.labels))) + " |",
        "|---|" + "---:|" * len(c.labels),
    ]
    for key, label, kind in COMPARE_ROWS:
        cells = [_fmt(float(c.totals.iloc[0][key]), kind)] + [
            f"{_fmt(float(c.totals.iloc[i][key]), kind)} ({_delta(float(c.differences.iloc[i][key]), kind)})"
            for i in range(1, len(c.labels))
        ]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
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
