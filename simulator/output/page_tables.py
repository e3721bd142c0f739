"""The report's tables as accessible HTML: a caption, column and row headers, a label on every cell.

On a phone each row becomes a small card of "label: value" lines (the labels come from `data-label`),
so every column is on screen without scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from simulator.analysis.compare import Comparison
from simulator.engine.evaluate import BASE_LAYER, Result
from simulator.output.comparison import compare_rows, delta
from simulator.output.result import columns_for
from simulator.units import pct, usd

FORMATS = {"usd": usd, "pct": pct}


def data_table(
    caption: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    css: str = "",
    total: Sequence[str] | None = None,
    cell_class: Sequence[Sequence[str]] | None = None,
) -> str:
    """A table whose first column names the row (<th scope=row>); `cell_class` marks cells (e.g. exempt)."""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    body = []
    for i, row in enumerate([*rows, *([total] if total is not None else [])]):
        classes = cell_class[i] if cell_class is not None and i < len(cell_class) else [""] * len(row)
        cells = [f'<th scope="row">{escape(row[0])}</th>']
        for label, value, klass in zip(columns[1:], row[1:], classes[1:], strict=True):
            attr = f' class="{klass}"' if klass else ""
            cells.append(f'<td data-label="{escape(label)}"{attr}>{escape(value)}</td>')
        tr = ' class="total"' if total is not None and i == len(rows) else ""
        body.append(f"<tr{tr}>{''.join(cells)}</tr>")
    return (
        f'<table class="data {css}"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def category_table(result: Result) -> str:
    shown = columns_for(result)
    columns = ["Category", *[c[1] for c in shown]]
    rows, marks = [], []
    for _, r in result.by_category.iterrows():
        rows.append([str(r["category"]), *[FORMATS[kind](float(r[col])) for col, _, kind in shown]])
        marks.append(
            [
                "",
                *["exempt" if col == "exempted_value_usd" and float(r[col]) > 0 else "" for col, _, _ in shown],
            ]
        )
    t = result.totals
    total = ["Total", *[FORMATS[kind](float(t[col])) for col, _, kind in shown]]
    caption = (
        "By category: import value, what is exempted, the effective rate without and with the exemptions, "
        "duty and duty relief (a year)"
    )
    return data_table(caption, columns, rows, css="categories", total=total, cell_class=marks)


def partner_table(result: Result) -> str:
    shown = columns_for(result)
    columns = ["Partner", *[c[1] for c in shown]]
    rows = [
        [f"{r['partner_name']} ({r['partner']})", *[FORMATS[kind](float(r[col])) for col, _, kind in shown]]
        for _, r in result.by_partner.iterrows()
    ]
    t = result.totals
    total = ["Total", *[FORMATS[kind](float(t[col])) for col, _, kind in shown]]
    caption = "By partner: import value, what is exempted, the effective rate without and with the exemptions, duty and duty relief (a year)"
    return data_table(caption, columns, rows, css="categories", total=total)


def layer_table(result: Result) -> str:
    """The duty-by-layer chart as a table: duty per category (rows) and layer (columns)."""
    table = result.duty_by_category_layer
    names = ["base rate" if c == BASE_LAYER else str(c) for c in table.columns]
    rows = [[str(cat), *[usd(float(v)) for v in row], usd(float(row.sum()))] for cat, row in table.iterrows()]
    total = ["Total", *[usd(float(v)) for v in table.sum(axis=0)], usd(float(table.to_numpy().sum()))]
    return data_table(
        "Duty by category and the layer that raises it (a year)",
        ["Category", *names, "All layers"],
        rows,
        css="layers",
        total=total,
    )


def timeline_table(result: Result) -> str:
    if result.timeline.empty:
        return ""
    rows = [
        [
            f"{r['date']:%Y-%m-%d}",
            pct(r["effective_rate"]),
            pct(r["effective_rate_without_exemptions"]),
            usd(r["duty_usd"]),
            usd(r["exempted_value_usd"]),
            usd(r["duty_relief_usd"]),
        ]
        for _, r in result.timeline.iterrows()
    ]
    columns = ["From", "Effective rate", "No-exemption rate", "Duty", "Exempted", "Relief"]
    return data_table("The totals from each change date on", columns, rows, css="timeline")


def comparison_table(c: Comparison) -> str:
    """Each scenario's totals, and after the first, its difference from the first."""
    columns = ["", "[1]"]
    for i in range(1, len(c.labels)):
        columns += [f"[{i + 1}]", f"[{i + 1}] vs [1]"]
    rows = []
    for key, label, kind in compare_rows(c):
        row = [label, FORMATS[kind](float(c.totals.iloc[0][key]))]
        for i in range(1, len(c.labels)):
            row += [FORMATS[kind](float(c.totals.iloc[i][key])), delta(float(c.differences.iloc[i][key]), kind)]
        rows.append(row)
    columns[0] = "Total"
    return data_table("The scenarios' totals and their differences from [1]", columns, rows, css="compared")
