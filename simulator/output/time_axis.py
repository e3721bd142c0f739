"""The time axis of step charts: margins around the change dates, dotted lines at them, their labels.

Labels sit exactly over their dates. Where dates crowd (four changes in a week of April 2025), a
label goes up a row instead of sliding sideways, so no label ever names a date weeks from its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import cast

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

ROW_POINTS = 13  # height of one label row
MAX_ROWS = 4
NARROW_INCHES = 7.0  # narrower figures (the report's phone charts) leave the date labels out


def time_span(dates: list[pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp, np.ndarray]:
    """Margins before the first and after the last change, and the step x values: start, dates, end."""
    span = max((dates[-1] - dates[0]).days, 30)
    start = dates[0] - timedelta(days=max(span // 12, 7))
    end = dates[-1] + timedelta(days=max(span // 6, 30))  # room for the last label inside the axes
    return start, end, mdates.date2num([start, *dates, end])


def label_rows(positions: Sequence[float], gap: float, rows: int = MAX_ROWS, widths: Sequence[float] = ()) -> list[int]:
    """A row for each sorted label position: the lowest row whose last label is at least `gap` away, or
    half the two labels' `widths` (a range label such as "04 Mar-10 Apr" is wider than a date).

    When every row is taken, the row whose last label is farthest away (overlap is then the lesser harm
    than a label far from its date).

    >>> label_rows([0.1, 0.12, 0.13, 0.5, 0.51], 0.05)
    [0, 1, 2, 0, 1]
    >>> label_rows([0.1, 0.18], 0.05, widths=[0.1, 0.1])
    [0, 1]
    """
    width = list(widths) or [0.0] * len(positions)
    last: list[int | None] = [None] * rows
    out = []

    def room(i: int, r: int) -> float:  # how far label i is past the last one in row r, less what both need
        j = cast(int, last[r])
        return positions[i] - positions[j] - max(gap, (width[i] + width[j]) / 2)

    for i in range(len(positions)):
        free = [r for r in range(rows) if last[r] is None or room(i, r) >= 0]
        row = free[0] if free else max(range(rows), key=lambda r: room(i, r))
        last[row] = i
        out.append(row)
    return out


def time_axis(ax: Axes, dates: list[pd.Timestamp], start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Dotted lines at the change dates, labels over them, concise date ticks; returns the label rows used."""
    ax.grid(axis="x", visible=False)  # the change-date lines are the vertical guides
    for d in dates:
        ax.axvline(float(mdates.date2num(d)), color="#BDBDBD", linestyle=":", linewidth=1, zorder=0)
    narrow = ax.get_figure(root=True).get_figwidth() < NARROW_INCHES  # type: ignore[union-attr]
    used = (
        0 if narrow else _label_dates(ax, dates, start, end)
    )  # a phone's chart: the ticks and the table say the dates
    ax.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(end)))
    locator = (
        mdates.AutoDateLocator(minticks=3, maxticks=6) if narrow else mdates.AutoDateLocator(minticks=4, maxticks=12)
    )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return used


def date_labels(dates: list[pd.Timestamp], where: list[float], gap: float) -> list[tuple[str, float]]:
    """(text, position) per label. Four or more dates within `gap` of the first of them ("03 Apr" ...
    "12 Apr", five changes in nine days) become one range label, "03-12 Apr", over the middle of the run:
    every date is still named, and no two labels print over each other.

    >>> [t for t, _ in date_labels(list(pd.to_datetime(["2025-04-03", "2025-04-05", "2025-04-09",
    ...     "2025-04-10", "2025-04-12", "2025-05-14"])), [0.30, 0.31, 0.32, 0.33, 0.34, 0.5], 0.06)]
    ['03-12 Apr', '14 May']
    """
    runs: list[list[int]] = []
    for i, x in enumerate(where):  # windows `gap` wide from their first date
        if runs and x - where[runs[-1][0]] < gap:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for run in runs:
        if len(run) < MAX_ROWS:  # stacked in rows; four or more in one window read as a range
            out += [(f"{dates[i]:%d %b}", where[i]) for i in run]
            continue
        first, last = dates[run[0]], dates[run[-1]]
        text = f"{first:%d}-{last:%d %b}" if first.month == last.month else f"{first:%d %b}-{last:%d %b}"
        out.append((text, (where[run[0]] + where[run[-1]]) / 2))
    return out


def _label_dates(ax: Axes, dates: list[pd.Timestamp], start: pd.Timestamp, end: pd.Timestamp) -> int:
    total = (end - start).total_seconds()
    labels = date_labels(dates, [(d - start).total_seconds() / total for d in dates], gap=0.06)
    inches = float(ax.get_figure(root=True).get_figwidth())  # type: ignore[union-attr]
    char = 9.5 * 0.6 / (inches * 72 * 0.8)  # one character of the labels, as a fraction of the axes (about)
    rows = label_rows([x for _, x in labels], gap=0.06, widths=[(len(t) + 1) * char for t, _ in labels])
    for (text, x), row in zip(labels, rows, strict=True):
        ax.annotate(
            text,
            xy=(x, 1.0),
            xycoords="axes fraction",
            xytext=(0, 3 + ROW_POINTS * row),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9.5,
            color="#333333",
            arrowprops={"arrowstyle": "-", "color": "#BDBDBD", "linewidth": 0.8, "shrinkA": 0, "shrinkB": 0}
            if row
            else None,
        )
    return max(rows, default=0) + 1
