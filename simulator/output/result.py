"""Render one Result for people (table, Markdown) and programs (JSON, CSV).

JSON keeps rates as fractions and money in USD; the table prints percents and USD billions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from simulator.data.statutory import base_label
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
        "base": s.base,
        "totals": {k: json_safe(v) for k, v in result.totals.items()},
        "ranges": {k: [json_safe(lo), json_safe(hi)] for k, (lo, hi) in shown_ranges(result).items()},
        "by_category": records(result.by_category),
        "by_partner": records(result.by_partner),
        "by_layer": records(result.by_layer),
        "timeline": records(result.timeline),
        "shifts": records(result.shifts) if "trade_diversion_usd" in result.totals else [],
        "warnings": list(result.warnings),
        "notes": list(result.notes),
    }


def to_json(result: Result) -> str:
    return json.dumps(to_dict(result), indent=2) + "\n"


def to_csv(result: Result, by: str = "category") -> str:
    """One row per category (or partner) plus a final 'Total' row; rates as fractions, money in USD.
    The scenario and date lead every row, so exports of several runs stack into one table."""
    name = "partner" if by == "partner" else "category"
    total = pd.DataFrame([{name: "Total", **result.totals}])
    frame = pd.concat([breakdown(result, by), total], ignore_index=True)
    frame.insert(0, "base", result.scenario.base)
    frame.insert(0, "date", result.date.isoformat() if result.date else "")
    frame.insert(0, "scenario", result.scenario.name)
    return csv_text(frame)


def to_tidy(result: Result, by: str = "category") -> str:
    """Long (tidy) CSV: one row per scenario, date, breakdown, item and measure, so runs of several
    scenarios and dates concatenate and pivot in any tool. Every breakdown the result has is given."""
    when = result.date.isoformat() if result.date else ""
    bounds = {
        f"{k}_{end}": v
        for k, pair in shown_ranges(result).items()
        for end, v in zip(("low", "high"), pair, strict=True)
    }
    parts = [pd.DataFrame([{"breakdown": "total", "item": "Total", **result.totals, **bounds}])]
    frames = {"category": result.by_category}
    if result.partners > 1:
        frames["partner"] = result.by_partner.drop(columns=["partner_name"], errors="ignore")
    for name, frame in frames.items():
        parts.append(frame.rename(columns={name: "item"}).assign(breakdown=name))
    wide = pd.concat(parts, ignore_index=True)
    measures = [c for c in wide.columns if c not in ("breakdown", "item") and pd.api.types.is_numeric_dtype(wide[c])]
    long = wide.melt(id_vars=["breakdown", "item"], value_vars=measures, var_name="measure").dropna(subset=["value"])
    long.insert(0, "base", result.scenario.base)
    long.insert(0, "date", when)
    long.insert(0, "scenario", result.scenario.name)
    return csv_text(long)


ESTIMATED_COLUMN = ("estimated_share", "Estimated", "pct")


def columns_for(result: Result) -> tuple[tuple[str, str, str], ...]:
    """The table's columns; the share resting on estimated lines whenever any line the figures use is one."""
    return CATEGORY_COLUMNS + ((ESTIMATED_COLUMN,) if result.totals.get("estimated_share", 0.0) > 0 else ())


def estimate_line(result: Result, *, with_range: bool = False) -> str:
    """Beside the headline: how far the figures rest on estimates, in words ('' when not at all); with
    the exempted value's range over other splits, where the figures around it do not show it."""
    share = result.totals.get("estimated_share", 0.0)
    if share <= 0:
        return ""
    most = "most of these imports are" if share > 0.5 else "part of these imports is"
    spread = range_text(result, "exempted_value_usd") if with_range else ""
    return f"{share:.0%}: {most} estimated, not published line by line (the Estimated column; Notes)" + (
        f"; the exempted value is {spread}" if spread else ""
    )


def shown_ranges(result: Result) -> dict[str, tuple[float, float]]:
    """The ranges worth showing: those the estimated lines can move (engine.allocation)."""
    out = {}
    for key, (low, high) in result.ranges.items():
        point = abs(result.totals.get(key, 0.0))
        if high - low > max(1e-6 * point, 0.5 if key.endswith("_usd") else 1e-9):
            out[key] = (low, high)
    return out


def range_text(result: Result, key: str) -> str:
    """'$18.1B to $91.3B over other splits...' beside a figure whose estimated lines can move it."""
    found = shown_ranges(result).get(key)
    if found is None:
        return ""
    fmt = usd if key.endswith("_usd") else pct
    return f"{fmt(found[0])} to {fmt(found[1])} over other splits of estimated chapters"


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
    columns = columns_for(result)
    rows = [[label[i], *[fmt[k](float(r[c])) for c, _, k in columns]] for i, (_, r) in enumerate(frame.iterrows())]
    rows.append(["Total", *[fmt[k](float(result.totals[c])) for c, _, k in columns]])
    return ["Partner" if by == "partner" else "Category", *[label for _, label, _ in columns]], rows


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
    return (
        [
            (
                "Effective rate",
                f"{pct(t['effective_rate'])}  ({_then(range_text(result, 'effective_rate'))}"
                f"without exemptions {pct(t['effective_rate_without_exemptions'])})",
            ),
            ("Duty", f"{usd(t['duty_usd'])} a year on {usd(t['import_value_usd'])} of imports"),
            (
                "Exempted value",
                f"{usd(t['exempted_value_usd'])}  ({_then(range_text(result, 'exempted_value_usd'))}"
                f"{pct(t['exempted_share'])} of imports)",
            ),
            (
                "Duty relief",
                f"{usd(t['duty_relief_usd'])} a year" + _parenthesised(range_text(result, "duty_relief_usd")),
            ),
        ]
        + ([("Estimates", estimate_line(result))] if estimate_line(result) else [])
        + (
            [
                (
                    "Trade response",
                    f"imports {usd(t['baseline_import_value_usd'])} -> {usd(t['import_value_usd'])} ({usd(t['trade_change_usd'])})"
                    + diversion_text(result),
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
    )


def _parenthesised(text: str) -> str:
    return f"  ({text})" if text else ""


def _then(text: str) -> str:
    return f"{text}; " if text else ""


def diversion_text(result: Result) -> str:
    """'; all of it creation ...; diversion moves $33.3B between partners', with substitution between them:
    diversion nets to nothing over the partners, so the total change is creation alone."""
    if "trade_diversion_usd" not in result.totals:
        return ""
    return f"; all of it creation, by each line's own price; diversion moves {usd(result.diverted)} between partners"


DIVERTED_SHOWN = 12  # partners in the table of trade moved between partners


def diversion_sections(result: Result) -> list[tuple[str, list[str], list[list[str]]]]:
    """With substitution between partners: the partners diversion moves most, and the largest shifts."""
    if "trade_diversion_usd" not in result.totals:
        return []
    frame = result.by_partner
    frame = frame.reindex(frame["trade_diversion_usd"].abs().sort_values(ascending=False).index).head(DIVERTED_SHOWN)
    movers = [
        [
            f"{r['partner']} {r['partner_name']}",
            usd(r["baseline_import_value_usd"]),
            usd(r["trade_creation_usd"]),
            usd(r["trade_diversion_usd"]),
            usd(r["import_value_usd"]),
        ]
        for _, r in frame.iterrows()
    ]
    pairs = [
        [str(r["from"]), str(r["to"]), usd(r["value_usd"])] for _, r in result.shifts.head(DIVERTED_SHOWN).iterrows()
    ]
    return [
        (
            "Trade moved between partners (diversion sums to zero in every product; largest movers)",
            ["Partner", "Imports 2024", "Creation", "Diversion", "Imports now"],
            movers,
        ),
        (
            "Largest shifts (in each product, the losers' loss goes to the gainers by their gains)",
            ["From", "To", "Moved"],
            pairs,
        ),
    ]


def context_line(result: Result) -> str:
    s = result.scenario
    when = f"rates in force on {result.date.isoformat()}" if result.date else "constant rates"
    base = f" · base: {base_label(s.base, s.importer, result.source)}"
    return f"{s.importer} duties on imports from {s.exporter or 'all partners'} · {when} · trade: {_source_name(result.source)}{base}"


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
    for title, header, rows in diversion_sections(result):
        out += ["", title, *grid(header, rows)]
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
    for title, header, rows in diversion_sections(result):
        out += ["", f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
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
    "tidy": to_tidy,
}


def render(result: Result, fmt: str, by: str = "category") -> str:
    return RENDERERS[fmt](result, by)


# --- comparisons -------------------------------------------------------------------------------
