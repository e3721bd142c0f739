"""One self-contained HTML page for one or more results: readable offline, no external anything.

Charts are inline PNGs (data: URIs); styles are inline; fonts are the reader's system fonts.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from simulator import __version__
from simulator.bundled import TRADE_TABLE
from simulator.engine.evaluate import Result
from simulator.output.result import CATEGORY_COLUMNS, context_line, headline
from simulator.units import pct, usd

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 24px 32px 64px; color: #222; line-height: 1.45; }
h1 { font-size: 28px; margin-bottom: 4px; }
h2 { font-size: 22px; margin-top: 48px; border-top: 3px solid #0072B2; padding-top: 16px; }
.context { color: #555; margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 20px 0; }
.card { background: #F3F7FA; border-radius: 8px; padding: 12px 14px; }
.card .label { font-size: 13px; color: #555; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 26px; font-weight: 700; color: #0072B2; }
.card .detail { font-size: 13px; color: #555; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 12px 0 24px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #E0E0E0; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #F3F7FA; position: sticky; top: 0; }
tr.total td { font-weight: 700; border-top: 2px solid #888; }
td.exempt { color: #009E73; font-weight: 600; }
figure { margin: 24px 0; }
figure img { width: 100%; height: auto; border: 1px solid #EEE; }
.warnings { color: #8A4B00; background: #FFF4E0; padding: 8px 12px; border-radius: 6px; }
footer, .source { color: #555; font-size: 14px; }
@media print { h2 { page-break-before: always; } }
"""

SOURCE_NOTE = (
    "The bundled trade table is US–China goods trade in 2024 from the US Census Bureau. US imports from China are "
    "imports for consumption, every HTS10 line ($429.4B; the press usually quotes general imports, $438.9B, which "
    "also count goods entering bonded warehouses and free-trade zones); each line's base rate is the duty actually "
    "collected divided by its value. US exports to China ($143.3B) equal the Census chapter totals (USITC DataWeb); "
    "farm and food lines are Census HS6 values, and the rest of each chapter is split to HS6 lines by China's 2017 "
    "imports from the US, an estimate marked as such on every line. China's base rates are its MFN rates (2019 "
    "levels compiled by Bown, Jung and Zhang, PIIE). The project's docs/sources.md lists every publisher."
)
OWN_DATA_NOTE = "The trade table is the user's own; its sources are theirs to state."


def _png(fig: object) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)  # type: ignore[attr-defined]
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _category_table(result: Result) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for label in ["Category", *[c[1] for c in CATEGORY_COLUMNS]])
    fmt = {"usd": usd, "pct": pct}
    rows = []
    for _, r in result.by_category.iterrows():
        cells = [f"<td>{escape(str(r['category']))}</td>"]
        for col, _, kind in CATEGORY_COLUMNS:
            css = ' class="exempt"' if col == "exempted_value_usd" and float(r[col]) > 0 else ""
            cells.append(f"<td{css}>{fmt[kind](float(r[col]))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    t = result.totals
    total = "".join(f"<td>{fmt[kind](float(t[col]))}</td>" for col, _, kind in CATEGORY_COLUMNS)
    rows.append(f'<tr class="total"><td>Total</td>{total}</tr>')
    return f'<table class="categories"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _cards(result: Result) -> str:
    t = result.totals
    cards = [
        (
            "Effective rate",
            pct(t["effective_rate"]),
            f"{pct(t['effective_rate_without_exemptions'])} without exemptions",
        ),
        (
            "Exempted value",
            usd(t["exempted_value_usd"]),
            f"{pct(t['exempted_share'])} of {usd(t['import_value_usd'])} imports",
        ),
        ("Duty relief", usd(t["duty_relief_usd"]), "a year, from the exemptions"),
        ("Duty", usd(t["duty_usd"]), "a year, all layers"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="label">{escape(a)}</div><div class="value">{escape(b)}</div>'
            f'<div class="detail">{escape(c)}</div></div>'
            for a, b, c in cards
        )
        + "</div>"
    )


def _timeline_table(result: Result) -> str:
    if result.timeline.empty:
        return ""
    rows = "".join(
        f"<tr><td>{r['date']:%Y-%m-%d}</td><td>{pct(r['effective_rate'])}</td><td>{usd(r['duty_usd'])}</td>"
        f"<td>{usd(r['exempted_value_usd'])}</td><td>{usd(r['duty_relief_usd'])}</td></tr>"
        for _, r in result.timeline.iterrows()
    )
    return (
        '<h3>Timeline</h3><table class="timeline"><thead><tr><th>From</th><th>Effective rate</th><th>Duty</th>'
        f"<th>Exempted</th><th>Relief</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def section(result: Result, anchor: str) -> str:
    """One scenario: description, headline figures, charts, category table, warnings."""
    from simulator.output.charts import figures  # matplotlib only when a page is drawn

    s = result.scenario
    charts = "".join(
        f'<figure id="{anchor}-{name}"><img alt="{escape(name.replace("_", " "))} chart" '
        f'src="data:image/png;base64,{_png(fig)}"></figure>'
        for name, fig in figures(result).items()
    )
    warnings = "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
    return (
        f'<section id="{anchor}"><h2>{escape(s.name)}</h2>'
        f'<p class="context">{escape(context_line(result))}</p>'
        f"<p>{escape(s.description)}</p>{_cards(result)}"
        + (f'<ul class="warnings">{warnings}</ul>' if warnings else "")
        + f"{charts}<h3>By category</h3>{_category_table(result)}{_timeline_table(result)}</section>"
    )


def to_html(results: Sequence[Result], *, title: str = "") -> str:
    """A whole page: a section per result, then where the data comes from."""
    title = title or (results[0].scenario.name if len(results) == 1 else "tariffsim scenarios compared")
    toc = ""
    if len(results) > 1:
        toc = (
            "<ol>"
            + "".join(f'<li><a href="#s{i}">{escape(r.scenario.name)}</a></li>' for i, r in enumerate(results))
            + "</ol>"
        )
    headline_lines = "".join(
        f"<li><b>{escape(r.scenario.name)}</b>: "
        + "; ".join(f"{escape(k.lower())} {escape(v.split('  ')[0])}" for k, v in headline(r)[:3])
        + "</li>"
        for r in results
    )
    body = "".join(section(r, f"s{i}") for i, r in enumerate(results))
    sources = sorted({r.source.replace("\\", "/").rsplit("/", 1)[-1] for r in results})
    bundled = [Path(r.source).resolve() == TRADE_TABLE.resolve() for r in results]
    notes = ([SOURCE_NOTE] if any(bundled) else []) + ([OWN_DATA_NOTE] if not all(bundled) else [])
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><p class="context">Made by tariffsim {__version__} on {datetime.now():%Y-%m-%d}. '
        "Rates are trade-weighted: duty divided by import value. Money is annual, in US dollars.</p>"
        f"<ul>{headline_lines}</ul>{toc}</header>{body}"
        f'<footer><h2>Where the data comes from</h2><p class="source">Trade table: {escape(", ".join(sources))}. '
        f"{escape(' '.join(notes))}</p></footer></body></html>\n"
    )
