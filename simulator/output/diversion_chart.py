"""The chart of trade moved between partners by diversion: who gains, who loses, largest first."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulator.engine.evaluate import Result
from simulator.output.chart_style import EXEMPT, PALETTE, new_axes, styled, title_for, usd_b, wrap_label
from simulator.units import usd

MOVERS = 14  # partners shown, by the size of what diversion moves for them


@styled
def plot_diversion(result: Result, *, ax: Axes | None = None) -> Figure:
    """Diversion by partner: what each gains (green) or loses (orange) to the others, beside what its
    own price alone takes (creation, grey text). Diversion sums to zero over all partners."""
    frame = result.by_partner
    frame = frame.reindex(frame["trade_diversion_usd"].abs().sort_values(ascending=False).index).head(MOVERS)
    frame = frame.iloc[::-1]
    fig, ax = new_axes(ax, len(frame))
    y = np.arange(len(frame))
    moved = frame["trade_diversion_usd"].to_numpy() / 1e9
    ax.barh(y, moved, 0.7, color=[EXEMPT if m >= 0 else PALETTE[5] for m in moved])
    ax.axvline(0, color="#333333", linewidth=0.8)
    narrow = float(fig.get_figwidth()) < 7  # the report's phone render: the value alone
    for yi, m, created in zip(y, moved, frame["trade_creation_usd"], strict=True):
        said = f" {'+' if m >= 0 else '−'}{usd_b(abs(m))}" + ("" if narrow else f"  (creation {usd(float(created))})")
        # right of the bar's end, or for a loss right of zero: never over the partner names
        ax.text(max(m, 0.0), float(yi), said, va="center", ha="left", fontsize=9)
    low, high = min(float(moved.min()), 0.0), max(float(moved.max()), 0.0)
    ax.set_xlim(low * 1.05, high + (high - low) * (0.45 if narrow else 0.6))  # room for the labels
    ax.set_yticks(y, [wrap_label(f"{n} ({p})") for p, n in zip(frame["partner"], frame["partner_name"], strict=True)])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: ("−" if x < 0 else "") + usd_b(abs(x))))
    if narrow:
        ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.set_xlabel(
        "diverted to (+) or from (−), $B a year"
        if narrow
        else "trade diverted to (+) or from (−) the partner, USD billions a year"
    )
    ax.grid(axis="y", visible=False)
    gained = result.diverted
    title_for(
        ax,
        f"Trade moved between partners: {usd(gained)} a year",
        result,
        note="; partial equilibrium on 2024 weights, not a forecast",
    )
    return fig
