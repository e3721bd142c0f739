"""Charts of a Result, for people and projectors. Each returns a Figure; nothing is shown.

Importing this module imports matplotlib; the CLI imports it only when drawing. Figures are made
without pyplot, so nothing here touches the user's backend or opens a window.
Style lives in chart_style; category names sit on the vertical axis so they never collide.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from simulator.analysis.draws import Draws
from simulator.engine.evaluate import BASE_LAYER, Result
from simulator.output.chart_style import (
    AFTER,
    BEFORE,
    DUTIABLE,
    EXEMPT,
    GREY,
    PALETTE,
    category_labels,
    new_axes,
    save,
    styled,
    title_for,
    title_text,
    usd_b,
    wrap_label,
)
from simulator.output.comparison_charts import (
    comparison_figures,
    plot_compare_duty,
    plot_compare_rates,
    plot_compare_timeline,
    write_comparison_charts,
)
from simulator.output.diversion_chart import plot_diversion
from simulator.output.time_axis import ROW_POINTS, time_axis, time_span
from simulator.units import usd

__all__ = [  # the comparison charts are part of `simulator.charts` too
    "comparison_figures",
    "figures",
    "plot_compare_duty",
    "plot_compare_rates",
    "plot_compare_timeline",
    "plot_diversion",
    "plot_draws",
    "plot_duty_by_layer",
    "plot_effective_rates",
    "plot_exempted_value",
    "plot_partner_rates",
    "plot_relief",
    "plot_sweep",
    "plot_timeline",
    "write_charts",
    "write_comparison_charts",
]


@styled
def plot_effective_rates(result: Result, *, ax: Axes | None = None) -> Figure:
    """Effective (trade-weighted) rate per category, without and with the exemptions, highest first."""
    cats = result.by_category.sort_values(["effective_rate_without_exemptions", "effective_rate"], ascending=True)
    fig, ax = new_axes(ax, len(cats))
    y = np.arange(len(cats))
    exempts = bool(result.scenario.exemptions)
    h = 0.4 if exempts else 0.7
    if exempts:  # without any exemption the pairs would be identical: one bar a category
        ax.barh(y + h / 2, cats["effective_rate_without_exemptions"], h, color=BEFORE, label="without exemptions")
    bars = ax.barh(y - h / 2 if exempts else y, cats["effective_rate"], h, color=AFTER, label="with exemptions")
    changed = cats["effective_rate"].to_numpy() < cats["effective_rate_without_exemptions"].to_numpy() - 1e-9
    changed = changed if exempts else np.ones(len(cats), bool)  # label every bar when there is one a category
    for bar, rate, moved in zip(bars, cats["effective_rate"], changed, strict=True):
        if moved:
            ax.text(
                bar.get_width(),
                bar.get_y() + bar.get_height() / 2,
                f" {rate:.0%}",
                va="center",
                fontsize=9,
                color=AFTER,
            )
    ax.set_yticks(y, category_labels(result, cats["category"]))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("effective tariff rate (duty ÷ import value, %)")
    ax.grid(axis="y", visible=False)
    if exempts:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.06), ncol=2)
    what = ", with and without the exemptions" if exempts else " (no exemption in this scenario)"
    title_for(ax, f"Effective tariff rate by category{what}", result, spread="effective_rate", marks=True)
    return fig


PARTNERS_SHOWN = 15  # bars for the largest partners; the rest are one bar


@styled
def plot_partner_rates(result: Result, *, ax: Axes | None = None, top: int = PARTNERS_SHOWN) -> Figure:
    """Effective rate on each of the largest partners (by import value), without and with the exemptions;
    the rest as one bar. Bars keep the import-value order, so the partners that weigh most come first."""
    rows = result.largest_partners(top)
    rows = rows.assign(
        label=[f"{n} ({p})" if p else n for p, n in zip(rows["partner"], rows["partner_name"], strict=True)]
    ).iloc[::-1]
    fig, ax = new_axes(ax, len(rows))
    y = np.arange(len(rows))
    exempts = bool(result.scenario.exemptions)
    h = 0.4 if exempts else 0.7
    if exempts:
        ax.barh(y + h / 2, rows["effective_rate_without_exemptions"], h, color=BEFORE, label="without exemptions")
    bars = ax.barh(y - h / 2 if exempts else y, rows["effective_rate"], h, color=AFTER, label="with exemptions")
    for bar, rate, value in zip(bars, rows["effective_rate"], rows["import_value_usd"], strict=True):
        text = f" {rate:.0%} on {usd(float(value))}"
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=9, color=AFTER)
    labels = [wrap_label(str(lab)) for lab in rows["label"]]
    ax.margins(x=0.14)  # room for the labels at the bars' ends
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("effective tariff rate (duty ÷ import value, %)")
    ax.grid(axis="y", visible=False)
    if exempts:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.06), ncol=2)
    shown = min(top, len(result.by_partner))
    title_for(
        ax,
        f"Effective tariff rate on the {shown} largest partners by import value"
        + (", the rest as one" if len(result.by_partner) > top else ""),
        result,
    )
    return fig


@styled
def plot_exempted_value(result: Result, *, ax: Axes | None = None) -> Figure:
    """Import value per category split into exempted and still dutiable, largest first."""
    cats = result.by_category.sort_values("import_value_usd", ascending=True)
    fig, ax = new_axes(ax, len(cats))
    y = np.arange(len(cats))
    exempt = cats["exempted_value_usd"].to_numpy() / 1e9
    dutiable = cats["import_value_usd"].to_numpy() / 1e9 - exempt
    ax.barh(y, exempt, color=EXEMPT, label="exempted")
    ax.barh(y, dutiable, left=exempt, color=DUTIABLE, label="dutiable")
    for yi, e, total in zip(y, exempt, exempt + dutiable, strict=True):
        if e > 0:
            share = e / total
            said = "<1%" if 0 < share < 0.005 else f"{share:.0%}"  # a sliver is not "0% exempt"
            ax.text(total, float(yi), f" {said} exempt", va="center", fontsize=9, color=EXEMPT)
    ax.set_yticks(y, category_labels(result, cats["category"]))
    ax.xaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel("annual import value (USD billions)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.06), ncol=2)
    t = result.totals
    title_for(
        ax,
        f"Imports by category: {usd_b(t['exempted_value_usd'] / 1e9)} of {usd_b(t['import_value_usd'] / 1e9)} exempted ({t['exempted_share']:.0%})",
        result,
        spread="exempted_value_usd",
        marks=True,
    )
    return fig


def layer_label(name: str, description: str | None) -> str:
    """A layer as a legend names it: its name, then the start of its description (what a reader knows)."""
    if not description:
        return name
    first = description.split("; ")[0].split(". ")[0].rstrip(".")
    return textwrap.fill(f"{name}: {textwrap.shorten(first, 60, placeholder='…')}", 40)


@styled
def plot_duty_by_layer(result: Result, *, ax: Axes | None = None) -> Figure:
    """Duty per category, stacked by the layer that raises it (base rate first)."""
    table = result.duty_by_category_layer / 1e9
    order = table.sum(axis=1).sort_values(ascending=True).index
    table = table.loc[order]
    fig, ax = new_axes(ax, len(table))
    y = np.arange(len(table))
    left = np.zeros(len(table))
    colours = [c for c in PALETTE if c != EXEMPT]  # green means "exempted" in every other chart
    described = {x.name: x.description for x in result.scenario.layers}
    for i, layer in enumerate(table.columns):
        color = GREY if layer == BASE_LAYER else colours[(i - 1) % len(colours)]
        label = (
            "base rate (MFN and earlier duties)" if layer == BASE_LAYER else layer_label(layer, described.get(layer))
        )
        ax.barh(y, table[layer].to_numpy(), left=left, color=color, label=label)
        left += table[layer].to_numpy()
    ax.set_yticks(y, category_labels(result, table.index))
    ax.xaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel("annual duty (USD billions)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", title="layer")
    title_for(
        ax,
        f"Duty by category and layer: {usd_b(result.totals['duty_usd'] / 1e9)} in all",
        result,
        spread="duty_usd",
        marks=True,
    )
    return fig


@styled
def plot_relief(result: Result, *, ax: Axes | None = None) -> Figure:
    """The number a journalist came for: the duty the exemptions waive, as the gap between two bars."""
    fig, ax = new_axes(ax)
    t = result.totals
    without, now = t["duty_without_exemptions_usd"] / 1e9, t["duty_usd"] / 1e9
    waived = t["duty_relief_usd"] / 1e9
    ax.barh(1, without, 0.55, color=BEFORE)
    ax.barh(0, now, 0.55, color=AFTER)
    ax.barh(0, waived, 0.55, left=now, facecolor="none", edgecolor=EXEMPT, hatch="//", linewidth=1.5)
    rate_without, rate = t["effective_rate_without_exemptions"], t["effective_rate"]
    ax.text(without, 1, f"  {usd_b(without)} · {rate_without:.1%}", va="center", fontsize=14)
    ax.text(now + waived, 0, f"  {usd_b(now)} · {rate:.1%}", va="center", fontsize=14)
    if waived > 0:
        ax.annotate(
            f"waived: {usd_b(waived)}",
            xy=(now + waived / 2, -0.3),
            xytext=(0, -8),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=13,
            fontweight="bold",
            color="#1B5E20",
        )
    ax.set_yticks([1, 0], ["without the exemptions", "with the exemptions"], fontsize=13)
    ax.set_ylim(-1, 1.6)
    ax.set_xlim(0, max(without, 1e-9) * 1.3)
    ax.xaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel("annual duty (USD billions) · effective rate")
    ax.grid(axis="y", visible=False)
    share = f" ({waived / without:.0%} of it)" if without > 0 else ""
    title_for(ax, f"The exemptions waive {usd_b(waived)} of duty a year{share}", result, spread="duty_relief_usd")
    return fig


@styled
def plot_timeline(result: Result, *, ax: Axes | None = None) -> Figure:
    """Effective rate (left axis) and exempted value (right axis) as steps over time, change dates labelled."""
    tl = result.timeline
    if tl.empty:
        raise ValueError("plot_timeline needs a dated scenario (its timeline is empty)")
    fig, ax = new_axes(ax)
    dates = [pd.Timestamp(d) for d in tl["date"]]
    start, end, xs = time_span(dates)
    before = result.timeline_start or tl.iloc[0].to_dict()  # no "before" when the first date is date.min
    rate = [float(before["effective_rate"]), *tl["effective_rate"]]
    exempt = [float(before["exempted_value_usd"]) / 1e9, *tl["exempted_value_usd"] / 1e9]
    ax.step(xs, [*rate, rate[-1]], where="post", color=PALETTE[0], linewidth=2.5, label="effective rate (left axis)")
    ax.set_ylabel("effective tariff rate (%)", color=PALETTE[0])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, max(max(rate) * 1.15, 0.05))
    right = ax.twinx()
    right.step(
        xs,
        [*exempt, exempt[-1]],
        where="post",
        color=PALETTE[2],
        linewidth=2.5,
        linestyle="--",
        label="exempted value (right axis)",
    )
    right.set_ylabel("exempted import value (USD billions)", color=PALETTE[2])
    right.yaxis.set_major_formatter(FuncFormatter(usd_b))
    right.set_ylim(0, max(max(exempt) * 1.15, 1))
    right.grid(False)
    right.spines["right"].set_visible(True)
    raised = time_axis(ax, dates, start, end)
    lines = ax.get_lines()[:1] + right.get_lines()[:1]
    ax.legend(lines, [str(x.get_label()) for x in lines], loc="upper left", bbox_to_anchor=(0, -0.08), ncol=2)
    title_for(
        ax,
        "Effective rate and exempted value over time",
        result,
        note="; dotted lines mark the change dates",
        room=6 + ROW_POINTS * raised,
    )
    return fig


@styled
def plot_sweep(table: pd.DataFrame, *, title: str, layer: str, swept: str = "rate", ax: Axes | None = None) -> Figure:
    """Duty (revenue), import value and exempted value as one layer's rate (or table scale) sweeps; the peak marked."""
    fig, ax = new_axes(ax)
    rate = table["rate"].to_numpy()
    duty = table["duty_usd"].to_numpy() / 1e9
    ax.plot(rate, duty, color=PALETTE[0], linewidth=2.5, label="duty collected")
    ax.plot(
        rate,
        table["import_value_usd"].to_numpy() / 1e9,
        color=PALETTE[1],
        linewidth=2,
        linestyle="--",
        label="import value",
    )
    exempted = np.where(rate > 0, table["exempted_value_usd"].to_numpy() / 1e9, np.nan)
    ax.plot(  # at 0% nothing is levied, so nothing is exempted from it: the line starts after 0%
        rate,
        exempted,
        color=PALETTE[2],
        linewidth=2,
        linestyle=":",
        label="exempted value (none at 0%: no duty to exempt from)",
    )
    top = int(np.argmax(duty))
    ax.plot([rate[top]], [duty[top]], marker="o", markersize=9, color=PALETTE[0])
    ax.annotate(
        f"most duty: {usd_b(duty[top])} at {rate[top]:.0%}" + (" of the listed rates" if swept == "scale" else ""),
        ha="right" if top > len(rate) * 0.7 else "left",
        xy=(rate[top], duty[top]),
        xytext=(-10 if top > len(rate) * 0.7 else 10, 10),
        textcoords="offset points",
        fontsize=11,
        color=PALETTE[0],
        fontweight="bold",
    )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel(
        f"layer '{layer}': its table's rates, scaled (100% = as listed)"
        if swept == "scale"
        else f"rate of layer '{layer}' (%)"
    )
    ax.set_ylabel("USD billions a year")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.1), ncol=3)
    responds = "baseline_import_value_usd" in table
    note = "imports respond to the rate" if responds else "static: imports held at 2024 values"
    rises = f"the '{layer}' table's rates are scaled up" if swept == "scale" else f"the '{layer}' rate rises"
    title_text(ax, f"Duty collected as {rises}", f"{title}; {note}")
    return fig


@styled
def plot_draws(draws: Draws, *, ax: Axes | None = None) -> Figure:
    """Histogram of the effective rate across uncertainty draws, with the 5th, 50th and 95th percentiles."""
    fig, ax = new_axes(ax)
    values = draws.samples["effective_rate"].to_numpy()
    distinct = np.unique(values)
    bins: Any = min(40, max(len(distinct), 1)) if len(distinct) > 1 else 1
    ax.hist(values, bins=bins, color=PALETTE[4], edgecolor="white")
    for p, style in zip((5, 50, 95), (":", "-", ":"), strict=True):
        x = float(np.percentile(values, p))
        ax.axvline(x, color=PALETTE[0], linestyle=style, linewidth=2)
        ax.annotate(
            f"{'median' if p == 50 else f'{p}th pct'}: {x:.1%}",
            xy=(x, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -14 - 14 * (p == 95)),
            textcoords="offset points",
            fontsize=10,
            color=PALETTE[0],
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
        )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_xlabel("effective tariff rate (%)")
    ax.set_ylabel("number of draws")
    n = len(draws.uncertain)
    sub = f"{draws.scenario.name}; {n} uncertain exemption{'s' if n != 1 else ''}, each granted independently (seed {draws.seed})"
    title_text(ax, f"Effective rate across {len(values):,} draws of the uncertain exemptions", sub)
    return fig


CHARTS = {
    "relief": plot_relief,
    "effective_rate": plot_effective_rates,
    "exempted_value": plot_exempted_value,
    "duty_by_layer": plot_duty_by_layer,
    "timeline": plot_timeline,
    "partner_rates": plot_partner_rates,
    "diversion": plot_diversion,
}


def figures(result: Result) -> dict[str, Figure]:
    """Every chart that applies to the result (`chart_names`), drawn."""
    return {name: CHARTS[name](result) for name in chart_names(result)}


def chart_names(result: Result) -> list[str]:
    """The charts that apply to the result: the timeline only for dated scenarios, the exempted value
    only for scenarios with exemptions."""
    skip = {"timeline"} if result.timeline.empty else set()
    if result.partners < 2:
        skip.add("partner_rates")  # one partner: the category chart says it all
    if not result.scenario.exemptions:
        skip |= {"relief", "exempted_value"}  # "$0 exempted" says nothing
    if "trade_diversion_usd" not in result.totals or result.partners < 2:
        skip.add("diversion")  # no substitution between partners: nothing moves between them
    return [name for name in CHARTS if name not in skip]


def write_charts(result: Result, directory: str | Path, fmt: str = "png", prefix: str = "") -> list[Path]:
    """Draw every applicable chart into `directory`; return the paths written."""
    out = Path(directory)
    return [save(fig, out / f"{prefix}{name}.{fmt}") for name, fig in figures(result).items()]
