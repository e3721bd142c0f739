"""The explorer's one chart: effective rate by category, sized for a projector.

Thirty-odd categories do not fit on a classroom screen, so it shows the largest by import value
plus every category an exemption touches, and says how many it leaves out.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.engine.evaluate import Result
from simulator.explore.bars import shown_categories
from simulator.output.chart_style import AFTER, BEFORE, PALETTE, category_labels, estimate_note, styled, title_text

PINNED = PALETTE[5]  # as on the page's bars


@styled
def plot_categories(result: Result, pinned: Result | None = None, *, title: str = "") -> Figure:
    """Effective rate per category: now, without the exemptions, and the pinned scenario if any."""
    cats = shown_categories(result).iloc[::-1]
    series = [("without exemptions", cats["effective_rate_without_exemptions"].to_numpy(), BEFORE)]
    if pinned is not None:
        then = pinned.by_category.set_index("category")["effective_rate"]
        series.append(("pinned", cats["category"].map(then).fillna(0.0).to_numpy(), PINNED))
    series.append(("now, with exemptions", cats["effective_rate"].to_numpy(), AFTER))
    fig = Figure(figsize=(10, 0.9 + 0.42 * len(cats) * (1 + 0.25 * len(series))), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(cats))
    height = 0.8 / len(series)
    for i, (label, values, colour) in enumerate(series):
        offset = ((len(series) - 1) / 2 - i) * height  # first series on top, as on the page
        bars = ax.barh(y + offset, values, height, color=colour, label=label)
        if label.startswith("now"):
            for bar, value in zip(bars, values, strict=True):
                ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.0%}", va="center", fontsize=10)
    ax.set_yticks(y, category_labels(result, cats["category"]))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("effective tariff rate (duty ÷ import value)")
    ax.grid(axis="y", visible=False)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0, -0.08), ncol=3)
    hidden = len(result.by_category) - len(cats)
    sub = f"{title}; {hidden} smaller categories not shown" if hidden else title
    title_text(ax, "Effective tariff rate by category", sub + estimate_note(result, marks=True))
    return fig
