"""The house style of every chart, in one place, and how a figure is made and saved.

The Okabe-Ito palette (safe for colour-blind readers), slide-sized figures, a bold title over a grey
subtitle. Figures are made without pyplot, so nothing touches the user's backend or opens a window.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.atomic import atomic_path
from simulator.engine.allocation import mostly_estimated
from simulator.engine.evaluate import Result

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GREY = "#9E9E9E"
BEFORE, AFTER, EXEMPT, DUTIABLE = GREY, PALETTE[0], PALETTE[2], GREY
SLIDE = (13.33, 7.5)  # inches, 16:9
STYLE: Any = {
    "text.parse_math": False,  # "$32B" is money, not mathtext
    "font.size": 11,
    "axes.titlesize": 15,
    "axes.titley": 1.0,  # title_text pads the title itself: matplotlib need not measure every tick to place it
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E0E0E0",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "svg.fonttype": "none",  # SVG text stays text, editable in Inkscape or Illustrator
    # glyphs unhinted: at the report's 110-150 dpi they read the same, and laying out and rendering text
    # (most of an image's time) is a fifth faster than with FreeType's native hinting, matplotlib's default
    "text.hinting": "no_hinting",
}
CHART_FORMATS = ("png", "svg")


def usd_b(x: float, _pos: object = None) -> str:
    """USD billions, with a decimal only where it says something.

    >>> usd_b(12.5), usd_b(20.0), usd_b(31.62)
    ('$12.5B', '$20B', '$31.6B')
    """
    return f"${x:,.0f}B" if round(x, 1).is_integer() else f"${x:,.1f}B"


def new_axes(ax: Axes | None, rows: int = 0) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    height = min(max(SLIDE[1], 1.4 + 0.3 * rows), 12)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(SLIDE[0], height), layout="constrained")
        return fig, fig.add_subplot()


def title_for(
    ax: Axes, what: str, result: Result, *, note: str = "", room: int = 0, spread: str = "", marks: bool = False
) -> None:
    """Bold title, then a grey line naming the scenario and, where the figures rest on estimated lines,
    how much (with `spread`, the range of that total over other splits; with `marks`, what * means)."""
    when = f", rates of {result.date:%d %b %Y}" if result.date else ""
    sub = f"{result.scenario.name} ({result.scenario.label}{when}){note}"
    title_text(ax, what, sub + estimate_note(result, spread=spread, marks=marks), room=room)


def category_labels(result: Result, names: Iterable[object]) -> list[str]:
    """Category names for an axis, ' *' after those whose value rests mostly on estimated lines."""
    marked = set(mostly_estimated(result.by_category))
    return [wrap_label(f"{n} *" if str(n) in marked else str(n)) for n in names]


def estimate_note(result: Result, *, spread: str = "", marks: bool = False) -> str:
    """'; 85% of the value on estimated lines ...' for a chart's subtitle ('' when nothing is estimated)."""
    from simulator.output.result import range_text

    share = result.totals.get("estimated_share", 0.0)
    if share <= 0:
        return ""
    out = f". Estimates: {share:.0%} of the value splits published chapter totals by older shares"
    if spread and (text := range_text(result, spread)):
        out += f"; this total is {text}"
    return out + ("; * mostly estimated" if marks and mostly_estimated(result.by_category) else "")


def title_text(ax: Axes, what: str, sub: str, *, room: int = 0) -> None:
    """Bold title and grey subtitle above the axes; `room` extra points below them for labels.

    Both wrap to the figure's width, so the phone-sized renders of the report keep their titles whole.
    """
    inches = float(ax.get_figure(root=True).get_figwidth())  # type: ignore[union-attr]
    title = textwrap.wrap(what, max(24, int(inches * 7.8))) or [""]
    subtitle = textwrap.wrap(sub, max(32, int(inches * 11))) or [""]
    sub_height = 14 * len(subtitle)
    ax.set_title(" ", loc="left", pad=room + 8 + sub_height + 19 * len(title))  # constrained layout keeps it
    lines: tuple[tuple[str, float, dict[str, Any]], ...] = (
        ("\n".join(title), 6 + sub_height, {"fontsize": 15, "fontweight": "bold"}),
        ("\n".join(subtitle), 4, {"fontsize": 11, "color": "#555555"}),
    )
    for text, rise, style in lines:
        ax.annotate(  # from the figure's left edge, so a long title uses the width the labels take below
            text,
            xy=(0.012, 1),
            xycoords=("figure fraction", "axes fraction"),
            xytext=(0, room + rise),
            textcoords="offset points",
            va="bottom",
            ha="left",
            linespacing=1.15,
            **style,
        )


def wrap_label(name: str) -> str:
    return textwrap.fill(name, 36)


def styled(func):  # type: ignore[no-untyped-def]
    """Apply the house style while a chart is drawn."""

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def unmeasured(fig: Figure) -> Figure:
    """Pin every empty axis label where it is, so that drawing does not measure every tick label to
    place a label with no text (a category axis's 36 names, twice a figure: a sixth of a report)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.label.get_text():
                axis.set_label_coords(0, 0)
    return fig


def pixels(fig: Figure, dpi: float) -> Any:
    """The RGBA pixels `fig.savefig(format="png", dpi=dpi)` would encode, drawn in one pass: savefig
    lays a constrained figure out in a draw that renders nothing, then draws it again; Figure.draw lays
    it out as it starts (a third of each image's time; tests hold the pixels equal). Sets the figure's
    dpi for good: for figures drawn once, as the page's are."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    unmeasured(fig)
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    with matplotlib.rc_context(STYLE):  # settings read as it draws (hinting), never the user's own
        canvas.draw()
    return canvas.buffer_rgba()


def save(fig: Figure, path: str | Path) -> Path:
    """Write a figure atomically; the format follows the suffix (.png or .svg)."""
    path = Path(path)
    unmeasured(fig)
    with atomic_path(path) as tmp, matplotlib.rc_context(STYLE):
        fig.savefig(
            tmp,
            format=path.suffix.lstrip(".") or "png",
            metadata={"Software": None} if path.suffix == ".png" else {"Date": None},
        )
    return path
