"""The validation page's chart: tariffsim's world path and the Budget Lab tracker over time."""

from __future__ import annotations

from datetime import date

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from simulator.analysis.tracker import WORLD, TrackerComparison
from simulator.output.chart_style import GREY, PALETTE, new_axes, styled, title_text

END = date(2026, 12, 31)  # the chart runs to the end of the tracker's series


@styled
def plot_tracker(c: TrackerComparison) -> Figure:
    """Both series as steps over time, in points of change since 2025-01-01 (the chart the page shows)."""
    fig, ax = new_axes(None)
    theirs = [s.date for s in c.steps]
    ours = c.ours_over_time or tuple((s.date, s.ours) for s in c.steps)
    series = (
        ("tariffsim: each step at its legal effect", [d for d, _ in ours], [v for _, v in ours], PALETTE[0], "-"),
        ("Budget Lab tracker, release of 2026-06-09", theirs, [s.release for s in c.steps], PALETTE[5], "-"),
        (
            "the tracker's later build, with the forced-labor duty from 1 Aug 2026",
            theirs,
            [s.forced_labor for s in c.steps],
            PALETTE[5],
            ":",
        ),
    )
    for label, days, values, color, style in series:
        points = [v * 100 for v in values]
        xs = mdates.date2num([*days, END])
        ax.step(xs, [*points, points[-1]], where="post", label=label, color=color, linestyle=style, linewidth=2.5)
    if c.record_ends is not None:
        ends = float(mdates.date2num(c.record_ends))
        ax.axvline(ends, color=GREY, linewidth=1, linestyle="--")
        ax.annotate(
            f"tariffsim's record ends {c.record_ends:%d %b %Y}",
            xy=(ends, 0.98),
            xycoords=("data", "axes fraction"),
            ha="right",
            va="top",
            fontsize=10,
            color="#555555",
            xytext=(-4, 0),
            textcoords="offset points",
        )
    ax.set_ylabel("change since 1 Jan 2025 (percentage points)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.08), ncol=2)
    title_text(
        ax,
        "US effective tariff rate on all imports: tariffsim beside the Budget Lab's tracker",
        f"Change since 1 January 2025; both on 2024 Census imports without chapters 98-99. tariffsim's rates: {WORLD}.",
    )
    return fig
