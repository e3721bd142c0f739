"""Charts of a Comparison: the difference in duty, rates by category, and the paths over time."""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from simulator.analysis.compare import Comparison
from simulator.engine.allocation import mostly_estimated
from simulator.engine.evaluate import Result
from simulator.output.chart_style import (
    PALETTE,
    new_axes,
    save,
    styled,
    title_text,
    usd_b,
    wrap_label,
)
from simulator.output.time_axis import NARROW_INCHES, ROW_POINTS, time_axis, time_span

SHOWN = 12  # categories on a slide; the page's table has them all


def legend_name(i: int, result: Result) -> str:
    """`[2] China exempts US chips...`: the number the tables use and the scenario's own name."""
    return textwrap.fill(f"[{i + 1}] {result.scenario.name}", 48)  # wrapped, never cut: the name says which path


@styled
def plot_compare_duty(comparison: Comparison, *, ax: Axes | None = None) -> Figure:
    """The number a reader came for: each scenario's annual duty, and how far it is from the first."""
    fig, ax = new_axes(ax)
    results = comparison.results
    duty = np.array([r.totals["duty_usd"] for r in results]) / 1e9
    y = np.arange(len(results))[::-1]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(results))]
    ax.barh(y, duty, 0.6, color=colours)
    for i, (r, yy) in enumerate(zip(results, y, strict=True)):
        diff = (r.totals["duty_usd"] - results[0].totals["duty_usd"]) / 1e9
        said = f"  {usd_b(duty[i])} · {r.totals['effective_rate']:.1%}"
        if i:
            said += f"   ({'+' if diff >= 0 else '−'}{usd_b(abs(diff))} vs [1])"
        ax.text(duty[i], yy, said, va="center", fontsize=13, fontweight="bold" if i else "normal")
    ax.set_yticks(y, [textwrap.fill(legend_name(i, r), 34) for i, r in enumerate(results)])
    ax.xaxis.set_major_formatter(FuncFormatter(usd_b))
    ax.set_xlabel("annual duty (USD billions) · effective rate")
    narrow = fig.get_figwidth() < NARROW_INCHES  # a phone: the labels at the bars' ends take more of the width
    ax.set_xlim(0, max(duty.max(), 1e-9) * (2.3 if narrow else 1.6))
    ax.grid(axis="y", visible=False)
    gaps = [(r.totals["duty_usd"] - results[0].totals["duty_usd"]) / 1e9 for r in results[1:]]
    if len(gaps) == 1:
        what = f"[2] levies {usd_b(abs(gaps[0]))} {'more' if gaps[0] >= 0 else 'less'} duty a year than [1]"
    else:
        what = "Annual duty, and each scenario's difference from [1]"
    when = f"rates of {comparison.date:%d %b %Y}" if comparison.date else "constant rates"
    directions = ", ".join(sorted({r.scenario.label for r in results}))
    title_text(ax, what, f"{directions}; {when}")
    return fig


@styled
def plot_compare_rates(comparison: Comparison, *, ax: Axes | None = None) -> Figure:
    """Effective rate by category, one bar per scenario, the first scenario's largest categories on top."""
    first = comparison.results[0].by_category.set_index("category")["import_value_usd"]
    order = list(first.sort_values(ascending=False).index[:SHOWN])
    order += [c for c in comparison.rates.index if c not in first.index][: max(0, SHOWN - len(order))]
    rates = comparison.rates.loc[order].iloc[::-1]
    fig, ax = new_axes(ax)
    n = len(comparison.labels)
    height = 0.8 / n
    y = np.arange(len(rates))
    top = float(np.nanmax(rates.to_numpy(dtype=float))) if len(rates) else 0.0
    for i, (label, result) in enumerate(zip(comparison.labels, comparison.results, strict=True)):
        values = rates[label].to_numpy(dtype=float)
        where = y + (n - 1 - 2 * i) * height / 2
        colour = PALETTE[i % len(PALETTE)]
        ax.barh(where, np.nan_to_num(values), height, color=colour, label=legend_name(i, result))
        for yy, v in zip(where, values, strict=True):  # every bar says its value, so 0% reads as exempt, not missing
            said = "–" if not np.isfinite(v) else f"{v:.0%}"
            ax.text(np.nan_to_num(v) + top * 0.01, yy, said, va="center", fontsize=9, color="#333333")
            if np.isfinite(v) and v == 0:
                ax.plot([0], [yy], marker="|", markersize=10, color=colour)
    marked = {c for r in comparison.results for c in mostly_estimated(r.by_category)}
    ax.set_yticks(y, [wrap_label(f"{c} *" if str(c) in marked else str(c)) for c in rates.index])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, max(top, 0.01) * 1.12)
    ax.set_xlabel("effective tariff rate (duty ÷ import value, %)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.08), ncol=1 if n > 2 else n)
    when = f"rates of {comparison.date:%d %b %Y}" if comparison.date else "constant rates"
    hidden = len(comparison.rates) - len(rates)
    more = f"; the {len(rates)} largest categories of [1] by import value" + (
        f", {hidden} more in the table" if hidden else ""
    )
    directions = ", ".join(sorted({r.scenario.label for r in comparison.results}))
    said = "; * mostly estimated (chapter totals split by older shares)" if marked else ""
    title_text(ax, "Effective tariff rate by category, scenarios compared", f"{directions}; {when}{more}{said}")
    return fig


@styled
def plot_compare_timeline(comparison: Comparison, *, ax: Axes | None = None) -> Figure:
    """Every scenario's effective rate as steps over time on one chart; where paths part is marked."""
    tl = comparison.timeline
    if tl.empty:
        raise ValueError("plot_compare_timeline needs dated scenarios")
    fig, ax = new_axes(ax)
    dates = sorted(pd.Timestamp(d) for d in tl["date"].unique())
    start, end, xs = time_span(dates)
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
            label=legend_name(i, result),
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
    raised = time_axis(ax, dates, start, end)
    ax.set_ylim(0, top * 1.12)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("effective tariff rate (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.08), ncol=min(len(comparison.labels), 3))
    directions = ", ".join(sorted({r.scenario.label for r in comparison.results}))
    title_text(
        ax,
        "Effective tariff rate along each path",
        f"{directions}; dotted lines mark the change dates",
        room=6 + ROW_POINTS * raised,
    )
    return fig


def totals_before(result: Result, first: date) -> float:
    """The effective rate before `first`: the timeline's starting state, or the last step before it."""
    earlier = result.timeline[result.timeline["date"] < first]
    if len(earlier):
        return float(earlier["effective_rate"].iloc[-1])
    return float(result.timeline_start.get("effective_rate", result.totals["effective_rate"]))


def comparison_figures(comparison: Comparison) -> dict[str, Figure]:
    return {name: COMPARISON_CHARTS[name](comparison) for name in comparison_chart_names(comparison)}


def comparison_chart_names(comparison: Comparison) -> list[str]:
    """The comparison's charts: the timeline only where the paths are dated."""
    return [name for name in COMPARISON_CHARTS if name != "compare_timeline" or not comparison.timeline.empty]


def write_comparison_charts(
    comparison: Comparison, directory: str | Path, fmt: str = "png", stems: Sequence[str] = ()
) -> list[Path]:
    """Draw the comparison's charts into `directory`, named after what was compared
    (`compare_exempt_chips_vs_china_125_rates.png`), so the charts of another comparison in the same
    folder are never overwritten; a long list of names is cut and given a short hash of the whole."""
    out = Path(directory)
    prefix = comparison_prefix(stems)
    return [
        save(fig, out / f"{prefix}{name.removeprefix('compare_')}.{fmt}")
        for name, fig in comparison_figures(comparison).items()
    ]


def comparison_prefix(stems: Sequence[str]) -> str:
    if not stems:
        return "compare_"
    safe = [re.sub(r"[^A-Za-z0-9_-]+", "_", s).strip("_") or "scenario" for s in stems]
    joined = "_vs_".join(safe)
    if len(joined) > 80:
        digest = hashlib.blake2b("\0".join(stems).encode(), digest_size=4).hexdigest()
        joined = f"{joined[:60]}_{digest}"
    return f"compare_{joined}_"


COMPARISON_CHARTS: dict[str, Callable[[Comparison], Figure]] = {
    "compare_duty": plot_compare_duty,
    "compare_rates": plot_compare_rates,
    "compare_timeline": plot_compare_timeline,
}
