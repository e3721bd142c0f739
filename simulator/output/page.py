"""One self-contained HTML page for one or more results: readable offline, on a phone, in print.

Charts are inline PNGs (data: URIs), each drawn twice: slide-sized for screens and print, and narrow
for phones, where a slide shrunk to 390 px would leave 4 px text. Styles are inline; fonts are the
reader's own. Several scenarios get the comparison `tariffsim compare` makes, all at one date.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from html import escape
from typing import Any

from simulator import __version__
from simulator.analysis.compare import Comparison
from simulator.bundled import is_bundled
from simulator.engine.evaluate import Result
from simulator.output.bibliography import cited
from simulator.output.comparison import estimate_lines
from simulator.output.describe import describe, describe_comparison
from simulator.output.images import Images
from simulator.output.page_tables import category_table, comparison_table, layer_table, partner_table, timeline_table
from simulator.output.result import context_line, estimate_line, range_text
from simulator.units import pct, usd

CSS = """
*, *::before, *::after { box-sizing: border-box; }
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
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 12px 0 28px; }
caption { text-align: left; font-weight: 600; padding: 4px 0 8px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #E0E0E0; text-align: right; }
td { white-space: nowrap; }
th[scope=row] { text-align: left; font-weight: 400; }
thead th { background: #F3F7FA; vertical-align: bottom; }
thead th:first-child { text-align: left; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid #888; }
td.exempt { color: #00704F; font-weight: 600; }
figure { margin: 24px 0; break-inside: avoid; }
figure img { width: 100%; height: auto; border: 1px solid #EEE; }
figcaption { color: #555; font-size: 14px; margin-top: 4px; }
details { margin: 8px 0 24px; }
summary { cursor: pointer; color: #0060A0; }
.note { background: #F3F7FA; padding: 8px 12px; border-left: 4px solid #0072B2; }
.warnings { color: #8A4B00; background: #FFF4E0; padding: 8px 12px; border-radius: 6px; }
footer, .source { color: #555; font-size: 14px; }
.estimates { background: #fff8e1; border-left: 4px solid #b26a00; padding: 6px 10px; }
.bibliography { overflow-wrap: anywhere; } .bibliography li { margin-bottom: 6px; }
a { color: #0060A0; }
@media (max-width: 640px) {
  body { padding: 16px 14px 48px; }
  h1 { font-size: 23px; } h2 { font-size: 19px; margin-top: 36px; }
  .card .value { font-size: 22px; }
  table.data, table.data tbody, table.data tr, table.data th[scope=row], table.data td { display: block; width: 100%; }
  table.data caption { display: block; }
  table.data thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.data tr { border: 1px solid #E0E0E0; border-radius: 6px; margin: 0 0 10px; padding: 6px 10px; }
  table.data th[scope=row] { font-weight: 700; border: 0; padding: 2px 0; }
  table.data td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 1px 0; white-space: normal; }
  table.data td::before { content: attr(data-label); color: #555; text-align: left; }
}
@page { margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { margin-top: 0; }
  main > section + section { break-before: page; }
  tr, .card { break-inside: avoid; }
  h2, h3, caption { break-after: avoid; }
  details > summary { display: none; }
}
"""

SOURCE_NOTE = (
    "The bundled trade table is goods trade in 2024 from the US Census Bureau. US imports from every partner are "
    "imports for consumption ($3,251.2B, $76.2B of calculated duty): every HTS10 line for the 50 largest partners "
    "(the EU as one), by HS chapter for the other 148. US imports from China are "
    "imports for consumption, every HTS10 line ($429.4B; the press usually quotes general imports, $438.9B, which "
    "also count goods entering bonded warehouses and free-trade zones); each line's base rate is the duty actually "
    "collected divided by its value. US exports to China ($143.3B) equal the Census chapter totals (USITC DataWeb); "
    "farm and food lines are Census HS6 values, and the rest of each chapter is split to HS6 lines by China's 2017 "
    "imports from the US, an estimate marked as such on every line. China's base rates are its MFN rates (2019 "
    "levels compiled by Bown, Jung and Zhang, PIIE). Sources: [census-imports-partners-2024], [census-imports-2024], "
    "[dataweb-exports-2024], [census-farm-hs6-2024], [trademap-2017], [piie-bjz-2019]; `tariffsim sources` lists "
    "every publisher."
)
OWN_DATA_NOTE = "The trade table is the user's own; its sources are theirs to state."
PHONE_INCHES = 4.4  # drawn this wide, 9-point chart text stays about 9 px on a 390 px screen


def _phone(draw: Callable[..., Any], subject: Any, rows: int) -> Any:
    """The same chart drawn narrow: one legend column, a smaller axis label."""
    import matplotlib
    from matplotlib.figure import Figure

    from simulator.output.chart_style import STYLE

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(PHONE_INCHES, min(max(4.4, 1.8 + 0.27 * rows), 14)), layout="constrained")
        ax = fig.add_subplot()
        draw(subject, ax=ax)
        legend = ax.get_legend()
        if legend is not None:
            handles: Any = legend.legend_handles
            labels = [textwrap.fill(t.get_text(), 44) for t in legend.get_texts()]
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0, -0.1), ncol=1, fontsize=9)
        ax.xaxis.label.set_fontsize(9)
        ax.tick_params(axis="x", labelsize=9)  # at 11 points, six money ticks ran into each other
        ticks = ax.get_yticklabels()
        if ticks and any(t.get_text() for t in ticks):  # category and scenario names: narrower lines
            names = [textwrap.fill(t.get_text().replace("\n", " "), 18) for t in ticks]
            ax.set_yticks(ax.get_yticks(), names, fontsize=9)
            # rows are evenly spaced: each as tall as the longest wrapped name (9-point lines, about 0.17
            # inch), plus the title, axis and legend, so names never overlap
            lines = max(n.count("\n") + 1 for n in names)
            tall = 3.6 + len(names) * max(0.27, 0.18 * lines)
            fig.set_size_inches(PHONE_INCHES, min(max(4.4, tall, fig.get_figheight()), 30))
        for text in ax.texts:  # value labels at the bar ends; a difference goes to its own line
            text.set_fontsize(min(float(text.get_fontsize()), 9))
            text.set_text(text.get_text().replace("   (", "\n  ("))
    return fig


def _nothing() -> None:
    pass


def _figure(
    anchor: str, draw: Callable[..., Any], subject: Any, rows: int, alt: str, caption: str, drawn: Images
) -> str:
    """A chart for phones and for desktops, drawn when the page's text is done (Images.fill)."""
    images = [drawn.add(partial(_phone, draw, subject, rows)), drawn.add(partial(draw, subject))]
    return (
        f'<figure id="{anchor}"><picture><source media="(max-width: 640px)" srcset="{images[0]}">'
        f'<img src="{images[1]}" alt="{escape(alt)}"></picture><figcaption>{escape(caption)}</figcaption></figure>'
    )


CAPTIONS = {
    "relief": "Duty without and with the exemptions; the gap is what they waive.",
    "effective_rate": "Effective rate by category, without and with the exemptions.",
    "exempted_value": "Import value by category, exempted and still dutiable.",
    "duty_by_layer": "Duty by category and layer; the same numbers are in the table below.",
    "timeline": "Effective rate and exempted value from each change date.",
    "partner_rates": "Effective rate on the largest partners, without and with the exemptions; the rest as one bar.",
    "diversion": "Trade diverted to or from each partner by the others' tariffs (substitution between partners).",
    "compare_duty": "Annual duty of each scenario, and its difference from [1].",
    "compare_rates": "Effective rate by category, one bar per scenario.",
    "compare_timeline": "Each path's effective rate over time; a dot marks where a path parts from [1].",
}


def _spread(result: Result, key: str) -> str:
    """'; the split allows $0 to $15.3B' under a card whose figure rests on estimated lines."""
    text = range_text(result, key)
    return f"; {text}" if text else ""


def _cards(result: Result) -> str:
    t = result.totals
    cards = [
        (
            "Effective rate",
            pct(t["effective_rate"]),
            f"{pct(t['effective_rate_without_exemptions'])} without exemptions" + _spread(result, "effective_rate"),
        ),
        (
            "Exempted value",
            usd(t["exempted_value_usd"]),
            f"{pct(t['exempted_share'])} of {usd(t['import_value_usd'])} imports"
            + _spread(result, "exempted_value_usd"),
        ),
        ("Duty relief", usd(t["duty_relief_usd"]), "a year, from the exemptions" + _spread(result, "duty_relief_usd")),
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
        + (
            f'<p class="estimates" role="note">Estimates: {escape(line)}.</p>'
            if (line := estimate_line(result))
            else ""
        )
    )


def section(result: Result, anchor: str, number: str, drawn: Images) -> str:
    """One scenario: description, headline figures, charts with their words, the tables."""
    from simulator.output.charts import CHARTS, chart_names  # matplotlib only when a page is drawn

    s = result.scenario
    rows = {"relief": 6, "timeline": 10, "partner_rates": 16, "diversion": 14}  # the others have a bar per category
    charts = "".join(
        _figure(
            f"{anchor}-{name}",
            CHARTS[name],
            result,
            rows.get(name, len(result.by_category)),
            describe(name, result),
            CAPTIONS[name],
            drawn,
        )
        for name in chart_names(result)
    )
    warnings = "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    return (
        f'<section id="{anchor}" aria-labelledby="{anchor}-title"><h2 id="{anchor}-title">{escape(number)}{escape(s.name)}</h2>'
        f'<p class="context">{escape(context_line(result))}</p>'
        f"<p>{escape(s.description)}</p>{_cards(result)}"
        + (f'<ul class="warnings">{warnings}</ul>' if warnings else "")
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + f"{charts}{category_table(result)}"
        + (
            f"<details><summary>By partner, as a table</summary>{partner_table(result)}</details>"
            if result.partners > 1
            else ""
        )
        + f"<details><summary>Duty by layer, as a table</summary>{layer_table(result)}</details>"
        + f"{timeline_table(result)}</section>"
    )


def comparison_section(c: Comparison, drawn: Images) -> str:
    """What `tariffsim compare` says: one date, differences from [1], the charts, where paths part."""
    from simulator.output.comparison_charts import COMPARISON_CHARTS, comparison_chart_names

    when = f"Every scenario at the rates in force on {c.date:%d %B %Y}." if c.date else "Constant rates."
    rows = {"compare_duty": 2 * len(c.labels), "compare_rates": 6 * len(c.labels), "compare_timeline": 8}
    charts = "".join(
        _figure(
            f"c-{name}", COMPARISON_CHARTS[name], c, rows[name], describe_comparison(name, c), CAPTIONS[name], drawn
        )
        for name in comparison_chart_names(c)
    )
    parting = [
        f"<li>[{i + 2}] parts from [1] on {d:%d %B %Y}.</li>"
        if (d := c.parting.get(lab))
        else f"<li>[{i + 2}] levies the same duty as [1] on every change date.</li>"
        for i, lab in enumerate(c.labels[1:])
        if c.parting
    ]
    names = "".join(f"<li>{escape(r.scenario.name)} ({escape(r.scenario.label)})</li>" for r in c.results)
    note = f'<p class="note">{escape(c.comparability)}</p>' if c.comparability else ""
    spread = "".join(f"<li>{escape(line)}</li>" for line in estimate_lines(c) if not line.startswith("*"))
    spread = f'<div class="estimates" role="note">Estimates:<ul>{spread}</ul></div>' if spread else ""
    return (
        '<section id="compared" aria-labelledby="compared-title"><h2 id="compared-title">The scenarios compared</h2>'
        f'<p class="context">{escape(when)} Differences are from [1].</p><ol>{names}</ol>{note}'
        f"{comparison_table(c)}{spread}" + (f"<ul>{''.join(parting)}</ul>" if parting else "") + f"{charts}</section>"
    )


def bibliography(results: Sequence[Result], notes: Sequence[str]) -> str:
    """The sources the page's scenarios and notes cite by [key], with their publishers and addresses."""
    texts = [*notes]
    for r in results:
        s = r.scenario
        texts += [s.description, *(x.description for x in s.layers), *(x.description for x in s.exemptions)]
        texts += [x.description for x in s.stacking]
    found = cited(*texts)
    if not found:
        return ""
    items = []
    for source in found:
        text = escape(source.text)
        for address in source.addresses:
            text = text.replace(escape(address), f'<a href="{escape(address)}">{escape(address)}</a>')
        names = ", ".join(f"[{k}]" for k in source.keys)
        items.append(f'<li id="src-{escape(source.keys[0])}"><b>{escape(names)}</b> {text}</li>')
    return (
        '<h2 id="sources">Sources cited</h2><p class="source">Scenario descriptions cite these by the name in '
        "brackets (all sources: <code>tariffsim sources</code>).</p>"
        f'<ol class="bibliography">{"".join(items)}</ol>'
    )


def to_html(
    results: Sequence[Result],
    *,
    title: str = "",
    comparison: Comparison | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """A whole page: the comparison (several scenarios), a section per result, where the data comes from.
    `progress(1, total)` after each image: two per chart (desktop and phone), about 0.15 s each."""
    from simulator.output.charts import chart_names
    from simulator.output.comparison_charts import comparison_chart_names

    charts = sum(len(chart_names(r)) for r in results)
    total = 2 * (charts + (len(comparison_chart_names(comparison)) if comparison is not None else 0))
    tick = (lambda: progress(1, total)) if progress is not None else _nothing
    title = title or (results[0].scenario.name if len(results) == 1 else "tariffsim: scenarios compared")
    several = len(results) > 1
    toc = ""
    if several:
        toc = (
            '<nav aria-label="Contents"><ol>'
            + ('<li><a href="#compared">The scenarios compared</a></li>' if comparison is not None else "")
            + "".join(f'<li><a href="#s{i}">{escape(r.scenario.name)}</a></li>' for i, r in enumerate(results))
            + "</ol></nav>"
        )
    headline_lines = "".join(
        f"<li><b>{escape(f'[{i + 1}] ' if several else '')}{escape(r.scenario.name)}</b> ({escape(r.scenario.label)}"
        + (f", rates of {r.date:%d %b %Y}" if r.date else "")
        + f"): effective rate {pct(r.totals['effective_rate'])} ({pct(r.totals['effective_rate_without_exemptions'])} "
        f"without exemptions); duty {usd(r.totals['duty_usd'])}; exempted {usd(r.totals['exempted_value_usd'])}</li>"
        for i, r in enumerate(results)
    )
    drawn = Images(tick)
    compared = comparison_section(comparison, drawn) if comparison is not None else ""
    body = drawn.fill(
        compared + "".join(section(r, f"s{i}", f"[{i + 1}] " if several else "", drawn) for i, r in enumerate(results))
    )
    sources = sorted({r.source.replace("\\", "/").rsplit("/", 1)[-1] for r in results})
    bundled = [is_bundled(r.source) for r in results]
    notes = ([SOURCE_NOTE] if any(bundled) else []) + ([OWN_DATA_NOTE] if not all(bundled) else [])
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><p class="context">Made by tariffsim {__version__} on {datetime.now():%Y-%m-%d}. '
        "Rates are trade-weighted: duty divided by import value. Money is annual, in US dollars.</p>"
        f"<ul>{headline_lines}</ul>{toc}</header><main>{body}</main>"
        f'<footer><h2>Where the data comes from</h2><p class="source">Trade table: {escape(", ".join(sources))}. '
        f"{escape(' '.join(notes))}</p>{bibliography(results, notes)}</footer></body></html>\n"
    )
