"""Charts of a Result, for people and projectors. Each returns a Figure; nothing is shown.

Importing this module imports matplotlib; the CLI imports it only when drawing. Figures are made
without pyplot, so nothing here touches the user's backend or opens a window.
Style lives in chart_style; category names sit on the vertical axis so they never collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import offset_copy

from simulator.analysis.compare import Comparison
from simulator.analysis.draws import Draws
from simulator.engine.evaluate import BASE_LAYER, Result
from simulator.output.chart_style import (
    AFTER,
    BEFORE,
    DUTIABLE,
    EXEMPT,
    GREY,
    PALETTE,
    new_axes,
    save,
    styled,
    title_for,
    title_text,
    usd_b,
    wrap_label,
)


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
    ax.set_yticks(y, [wrap_label(c) for c in cats["category"]])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("effective tariff rate (duty ÷ import value, %)")
    ax.grid(axis="y", visible=False)
    if exempts:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.06), ncol=2)
    what = ", with and without the exemptions" if exempts else " (no exemption in this scenario)"
    title_for(ax, f"Effective tariff rate by category{what}", result)
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
            ax.text(total, float(yi), f" {e / total:.0%} exempt", va="center", fontsize=9, color=EXEMPT)
    ax.set_yticks(y, [wrap_label(c) for c in cats["category"]])
    ax.xaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel("annual import value (USD billions)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.06), ncol=2)
    t = result.totals
    title_for(
        ax,
        f"Imports by category: {usd_b(t['exempted_value_usd'] / 1e9)} of {usd_b(t['import_value_usd'] / 1e9)} exempted ({t['exempted_share']:.0%})",
        result,
    )
    return fig


@styled
def plot_duty_by_layer(result: Result, *, ax: Axes | None = None) -> Figure:
    """Duty per category, stacked by the layer that raises it (base rate first)."""
    table = result.duty_by_category_layer / 1e9
    order = table.sum(axis=1).sort_values(ascending=True).index
    table = table.loc[order]
    fig, ax = new_axes(ax, len(table))
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for i, layer in enumerate(table.columns):
        color = GREY if layer == BASE_LAYER else PALETTE[(i - 1) % len(PALETTE)]
        label = "base rate (MFN and earlier duties)" if layer == BASE_LAYER else layer
        ax.barh(y, table[layer].to_numpy(), left=left, color=color, label=label)
        left += table[layer].to_numpy()
    ax.set_yticks(y, [wrap_label(c) for c in table.index])
    ax.xaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel("annual duty (USD billions)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", title="layer")
    title_for(ax, f"Duty by category and layer: {usd_b(result.totals['duty_usd'] / 1e9)} in all", result)
    return fig


def spread(positions: Sequence[float], gap: float, low: float = 0.0, high: float = 1.0) -> list[float]:
    """Move sorted label positions apart so neighbours are at least `gap` apart, staying in [low, high].

    >>> [round(x, 2) for x in spread([0.5, 0.5, 0.5], 0.1)]
    [0.4, 0.5, 0.6]
    """
    if not positions:
        return []
    out = list(positions)
    for _ in range(100):
        moved = False
        for i in range(1, len(out)):
            overlap = gap - (out[i] - out[i - 1])
            if overlap > 1e-12:
                out[i - 1] -= overlap / 2
                out[i] += overlap / 2
                moved = True
        shift = max(0.0, low - out[0]) - max(0.0, out[-1] - high)
        out = [x + shift for x in out]
        if not moved:
            break
    return out


@styled
def plot_timeline(result: Result, *, ax: Axes | None = None) -> Figure:
    """Effective rate (left axis) and exempted value (right axis) as steps over time, change dates labelled."""
    tl = result.timeline
    if tl.empty:
        raise ValueError("plot_timeline needs a dated scenario (its timeline is empty)")
    fig, ax = new_axes(ax)
    dates = [pd.Timestamp(d) for d in tl["date"]]
    start, end, xs = _time_span(dates)
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
    _time_axis(ax, dates, start, end)
    lines = ax.get_lines()[:1] + right.get_lines()[:1]
    ax.legend(lines, [str(x.get_label()) for x in lines], loc="upper left", bbox_to_anchor=(0, -0.08), ncol=2)
    title_for(
        ax, "Effective rate and exempted value over time", result, note="; dotted lines mark the change dates", room=34
    )
    return fig


def _time_span(dates: list[pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp, np.ndarray]:
    """Margins before the first and after the last change, and the step x values: start, dates, end."""
    span = max((dates[-1] - dates[0]).days, 30)
    start = dates[0] - timedelta(days=max(span // 12, 7))
    end = dates[-1] + timedelta(days=max(span // 6, 14))
    return start, end, mdates.date2num([start, *dates, end])


def _time_axis(ax: Axes, dates: list[pd.Timestamp], start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Dotted lines at the change dates, their labels above the plot, and concise date ticks."""
    ax.grid(axis="x", visible=False)  # the change-date lines are the vertical guides
    for d in dates:
        ax.axvline(float(mdates.date2num(d)), color="#BDBDBD", linestyle=":", linewidth=1, zorder=0)
    _label_dates(ax, dates, start, end)
    ax.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(end)))
    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _label_dates(ax: Axes, dates: list[pd.Timestamp], start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Change-date labels in a row above the plot, spread apart, each with a leader to its date."""
    total = (end - start).total_seconds()
    where = [(d - start).total_seconds() / total for d in dates]
    placed = spread(where, gap=0.075, low=0.02, high=0.98)
    above = offset_copy(ax.transAxes, fig=cast(Figure, ax.figure), y=14, units="points")
    for d, x0, x1 in zip(dates, where, placed, strict=True):
        ax.annotate(
            f"{d:%d %b}",
            xy=(x0, 1.0),
            xycoords="axes fraction",
            xytext=(x1, 1.0),
            textcoords=above,
            ha="center",
            va="bottom",
            fontsize=10,
            arrowprops={"arrowstyle": "-", "color": "#9E9E9E", "linewidth": 0.8},
        )


@styled
def plot_compare_rates(comparison: Comparison, *, ax: Axes | None = None) -> Figure:
    """Effective rate by category, one bar per scenario, categories of the first scenario on top."""
    rates = comparison.rates.iloc[::-1]
    fig, ax = new_axes(ax, len(rates) * max(1, len(comparison.labels)) // 2)
    n = len(comparison.labels)
    height = 0.8 / n
    y = np.arange(len(rates))
    for i, label in enumerate(comparison.labels):
        values = rates[label].to_numpy(dtype=float)
        ax.barh(
            y + (n - 1 - 2 * i) * height / 2,
            np.nan_to_num(values),
            height,
            color=PALETTE[i % len(PALETTE)],
            label=f"[{i + 1}] {label}",
        )
    ax.set_yticks(y, [wrap_label(str(c)) for c in rates.index])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("effective tariff rate (duty ÷ import value, %)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.06), ncol=min(n, 3))
    when = f"rates of {comparison.date:%d %b %Y}" if comparison.date else "constant rates"
    directions = ", ".join(sorted({r.scenario.label for r in comparison.results}))
    title_text(ax, "Effective tariff rate by category, scenarios compared", f"{directions}; {when}")
    return fig


@styled
def plot_compare_timeline(comparison: Comparison, *, ax: Axes | None = None) -> Figure:
    """Every scenario's effective rate as steps over time on one chart; where paths part is marked."""
    tl = comparison.timeline
    if tl.empty:
        raise ValueError("plot_compare_timeline needs dated scenarios")
    fig, ax = new_axes(ax)
    dates = sorted(pd.Timestamp(d) for d in tl["date"].unique())
    start, end, xs = _time_span(dates)
    styles = ["-", "--", ":", "-."]
    top = 0.05
    for i, (label, result) in enumerate(zip(comparison.labels, comparison.results, strict=True)):
        rows = tl[tl["label"] == label].sort_values("date")
        first = totals_before(result, dates[0].date())
        rate = [first, *rows["effective_rate"]]
        top = max(top, *rate)
        ax.step(
            xs,
            [*rate, rate[-1]],
            where="post",
            color=PALETTE[i % len(PALETTE)],
            linewidth=2.5,
            linestyle=styles[i % len(styles)],
            label=f"[{i + 1}] {label}",
        )
    for i, label in enumerate(comparison.labels[1:], start=1):
        parted = comparison.parting.get(label)
        if parted is None:
            continue
        rows = tl[(tl["label"] == label) & (tl["date"] == parted)]
        x, yv = float(mdates.date2num(pd.Timestamp(parted))), float(rows["effective_rate"].iloc[0])
        color = PALETTE[i % len(PALETTE)]
        ax.plot([x], [yv], marker="o", markersize=8, color=color, zorder=5)
        ax.annotate(
            f"[{i + 1}] parts from [1]",
            xy=(x, yv),
            xytext=(10, 8),
            textcoords="offset points",
            fontsize=10,
            color=color,
            fontweight="bold",
            va="bottom",
        )
    _time_axis(ax, dates, start, end)
    ax.set_ylim(0, top * 1.12)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("effective tariff rate (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.08), ncol=min(len(comparison.labels), 3))
    directions = ", ".join(sorted({r.scenario.label for r in comparison.results}))
    title_text(
        ax, "Effective tariff rate along each path", f"{directions}; dotted lines mark the change dates", room=34
    )
    return fig


def totals_before(result: Result, first: date) -> float:
    """The effective rate before `first`: the timeline's starting state, or the last step before it."""
    earlier = result.timeline[result.timeline["date"] < first]
    if len(earlier):
        return float(earlier["effective_rate"].iloc[-1])
    return float(result.timeline_start.get("effective_rate", result.totals["effective_rate"]))


def comparison_figures(comparison: Comparison) -> dict[str, Figure]:
    out = {"compare_rates": plot_compare_rates(comparison)}
    if not comparison.timeline.empty:
        out["compare_timeline"] = plot_compare_timeline(comparison)
    return out


def write_comparison_charts(comparison: Comparison, directory: str | Path, fmt: str = "png") -> list[Path]:
    out = Path(directory)
    return [save(fig, out / f"{name}.{fmt}") for name, fig in comparison_figures(comparison).items()]


@styled
def plot_sweep(table: pd.DataFrame, *, title: str, layer: str, ax: Axes | None = None) -> Figure:
    """Duty (revenue), import value and exempted value as one layer's rate sweeps; the peak marked."""
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
    ax.plot(
        rate,
        table["exempted_value_usd"].to_numpy() / 1e9,
        color=PALETTE[2],
        linewidth=2,
        linestyle=":",
        label="exempted value",
    )
    top = int(np.argmax(duty))
    ax.plot([rate[top]], [duty[top]], marker="o", markersize=9, color=PALETTE[0])
    ax.annotate(
        f"most duty: {usd_b(duty[top])} at {rate[top]:.0%}",
        xy=(rate[top], duty[top]),
        xytext=(10, 10),
        textcoords="offset points",
        fontsize=11,
        color=PALETTE[0],
        fontweight="bold",
    )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel(f"rate of layer '{layer}' (%)")
    ax.set_ylabel("USD billions a year")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.1), ncol=3)
    responds = "baseline_import_value_usd" in table
    note = "imports respond to the rate" if responds else "static: imports held at 2024 values"
    title_text(ax, f"Duty collected as the '{layer}' rate rises", f"{title}; {note}")
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
    "effective_rate": plot_effective_rates,
    "exempted_value": plot_exempted_value,
    "duty_by_layer": plot_duty_by_layer,
    "timeline": plot_timeline,
}


def figures(result: Result) -> dict[str, Figure]:
    """Every chart that applies to the result: the timeline only for dated scenarios, the exempted value
    only for scenarios with exemptions."""
    skip = {"timeline"} if result.timeline.empty else set()
    if not result.scenario.exemptions:
        skip.add("exempted_value")  # "$0 exempted" says nothing
    return {name: plot(result) for name, plot in CHARTS.items() if name not in skip}


def write_charts(result: Result, directory: str | Path, fmt: str = "png", prefix: str = "") -> list[Path]:
    """Draw every applicable chart into `directory`; return the paths written."""
    out = Path(directory)
    return [save(fig, out / f"{prefix}{name}.{fmt}") for name, fig in figures(result).items()]
