"""Render one Result for people (table, Markdown) and programs (JSON, CSV).

JSON keeps rates as fractions and money in USD; the table prints percents and USD billions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from simulator.engine.evaluate import Result
from simulator.output.formats import csv_text, grid, json_safe, markdown_cell, records
from simulator.units import pct, usd

CATEGORY_COLUMNS = (
    ("import_value_usd", "Imports", "usd"),
    ("exempted_value_usd", "Exempted", "usd"),
    ("exempted_share", "Exempt %", "pct"),
    ("effective_rate_without_exemptions", "No-exemption rate", "pct"),
    ("effective_rate", "Eff. rate", "pct"),
    ("duty_usd", "Duty", "usd"),
    ("duty_relief_usd", "Relief", "usd"),
)


def to_dict(result: Result) -> dict[str, Any]:
    """The JSON contract: see README, "JSON output"."""
    s = result.scenario
    return {
        "scenario": s.name,
        "importer": s.importer,
        "exporter": s.exporter,
        "date": json_safe(result.date),
        "totals": {k: json_safe(v) for k, v in result.totals.items()},
        "by_category": records(result.by_category),
        "by_partner": records(result.by_partner),
        "by_layer": records(result.by_layer),
        "timeline": records(result.timeline),
        "warnings": list(result.warnings),
        "notes": list(result.notes),
    }


def to_json(result: Result) -> str:
    return json.dumps(to_dict(result), indent=2) + "\n"


def to_csv(result: Result, by: str = "category") -> str:
    """One row per category (or partner) plus a final 'Total' row; rates as fractions, money in USD."""
    name = "partner" if by == "partner" else "category"
    total = pd.DataFrame([{name: "Total", **result.totals}])
    frame = pd.concat([breakdown(result, by), total], ignore_index=True)
    return csv_text(frame)


BREAKDOWNS = ("category", "partner")
LARGEST_PARTNERS = 10  # shown under the category table when a result covers several partners


def breakdown(result: Result, by: str) -> pd.DataFrame:
    return result.by_partner if by == "partner" else result.by_category


def _cells(result: Result, by: str = "category", top: int | None = None) -> tuple[list[str], list[list[str]]]:
    """The breakdown's rows as text; by partner with `top`, the largest partners then the rest as one."""
    fmt: dict[str, Callable[[float], str]] = {"usd": usd, "pct": pct}
    if by == "partner":
        frame = result.largest_partners(top) if top is not None else result.by_partner
        label = [f"{r['partner']} {r['partner_name']}".strip() for _, r in frame.iterrows()]
    else:
        frame = result.by_category
        label = frame["category"].astype(str).tolist()
    rows = [
        [label[i], *[fmt[k](float(r[c])) for c, _, k in CATEGORY_COLUMNS]] for i, (_, r) in enumerate(frame.iterrows())
    ]
    rows.append(["Total", *[fmt[k](float(result.totals[c])) for c, _, k in CATEGORY_COLUMNS]])
    return ["Partner" if by == "partner" else "Category", *[label for _, label, _ in CATEGORY_COLUMNS]], rows


def _sections(result: Result, by: str) -> list[tuple[str, tuple[list[str], list[list[str]]]]]:
    """The breakdown tables a report shows: the one asked for, and with several partners and the
    category table, the largest partners too."""
    if by == "partner":
        return [("By partner (sorted by import value)", _cells(result, "partner"))]
    out = [("By category (sorted by import value)", _cells(result))]
    if result.partners > 1:
        shown = min(LARGEST_PARTNERS, result.partners)
        title = f"Largest partners ({shown} of {result.partners}; --by partner lists all)"
        out.append((title, _cells(result, "partner", top=LARGEST_PARTNERS)))
    return out


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
            ),
            (
                "Without exemptions",
                f"imports would fall to {usd(t['import_value_without_exemptions_usd'])}, paying "
                f"{usd(t['duty_without_exemptions_usd'])} ({pct(t['effective_rate_without_exemptions'])})",
            ),
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


def to_table(result: Result, by: str = "category") -> str:
    s = result.scenario
    out = [s.name, context_line(result), ""]
    width = max(len(k) for k, _ in headline(result))
    out += [f"  {k.ljust(width)}  {v}" for k, v in headline(result)]
    for title, (header, rows) in _sections(result, by):
        out += ["", title, *grid(header, rows, separator_before_last=True)]
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
    if result.notes:
        out += ["", "Notes", *[f"  * {n}" for n in result.notes]]
    if result.warnings:
        out += ["", "Warnings", *[f"  ! {w}" for w in result.warnings]]
    return "\n".join(out) + "\n"


def to_markdown(result: Result, by: str = "category") -> str:
    s = result.scenario
    out = [f"# {s.name}", "", f"*{context_line(result)}*", ""]
    out += [f"- **{k}**: {v}" for k, v in headline(result)]
    for title, (header, rows) in _sections(result, by):
        out += ["", f"**{title}**", ""]
        out += ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        out += ["| " + " | ".join(markdown_cell(c) for c in r) + " |" for r in rows]
    if len(result.timeline):
        out += ["", "| From | Eff. rate | Duty | Exempted | Relief |", "|---|---:|---:|---:|---:|"]
        out += [
            f"| {r['date'].isoformat()} | {pct(r['effective_rate'])} | {usd(r['duty_usd'])} | {usd(r['exempted_value_usd'])} | {usd(r['duty_relief_usd'])} |"
            for _, r in result.timeline.iterrows()
        ]
    if result.notes:
        out += ["", "**Notes**", "", *[f"- {n}" for n in result.notes]]
    if result.warnings:
        out += ["", "**Warnings**", "", *[f"- {w}" for w in result.warnings]]
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[Result, str], str]] = {
    "table": to_table,
    "json": lambda result, by: to_json(result),  # JSON holds every breakdown
    "csv": to_csv,
    "markdown": to_markdown,
}


def render(result: Result, fmt: str, by: str = "category") -> str:
    return RENDERERS[fmt](result, by)


# --- comparisons -------------------------------------------------------------------------------
