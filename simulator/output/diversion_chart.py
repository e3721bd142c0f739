"""The chart of trade moved between partners by diversion: who gains, who loses, largest first."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

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
    for yi, m, created in zip(y, moved, frame["trade_creation_usd"], strict=True):
        said = f" {'+' if m >= 0 else '−'}{usd_b(abs(m))}  (creation {usd(float(created))})"
        ax.text(
            m,
            float(yi),
            said if m >= 0 else said.strip() + " ",
            va="center",
            ha="left" if m >= 0 else "right",
            fontsize=9,
        )
    ax.margins(x=0.45)  # room for the labels beside the bars on both sides
    ax.set_yticks(y, [wrap_label(f"{n} ({p})") for p, n in zip(frame["partner"], frame["partner_name"], strict=True)])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: ("−" if x < 0 else "") + usd_b(abs(x))))
    ax.set_xlabel("trade diverted to (+) or from (−) the partner, USD billions a year")
    ax.grid(axis="y", visible=False)
    gained = float(result.by_partner["trade_diversion_usd"].clip(lower=0).sum())
    title_for(
        ax,
        f"Trade moved between partners: {usd(gained)} a year",
        result,
        note="; partial equilibrium on 2024 weights, not a forecast",
    )
    return fig
