"""The explorer's path over time: the effective rate at every change date as a step line, the pinned
path beside it, and the date the slider stands on marked. Inline SVG, so it redraws in milliseconds
as the date moves and its numbers stay readable by a screen reader (the figure's label lists them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from htmltools import HTML, Tag, tags

WIDTH, HEIGHT = 460, 200  # drawn this narrow, 13-unit text is about 9 px on a 390 px phone
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 30
CSS = """
.path-chart svg { width: 100%; height: auto; max-height: 18rem; }
.path-chart .legend { display: flex; flex-wrap: wrap; gap: 1rem; font-size: .85rem; margin: .3rem 0; }
.path-chart .key { display: inline-block; width: 1.2rem; height: .25rem; margin-right: .3rem; vertical-align: 3px; }
"""


@dataclass(frozen=True)
class Series:
    label: str
    dates: tuple[date, ...]
    rates: tuple[float, ...]  # effective rate from each date to the next
    colour: str
    dashed: bool = False


def path_chart(paths: list[Series], marker: date | None) -> Tag:
    """A <figure> with the step lines of `paths` (effective rate against time) and the `marker` date."""
    shown = [p for p in paths if p.dates]
    if not shown:
        return tags.div()
    start = min(p.dates[0] for p in shown)
    end = max(p.dates[-1] for p in shown) + timedelta(days=30)  # the last step shows as a stretch, not a point
    top = max(0.1, *(max(p.rates) for p in shown)) * 1.08
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span

    def y(rate: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - rate / top)

    parts = []
    for tick in _ticks(top):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="13" fill="#444">{tick:.0%}</text>'
        )
    for month in _months(start, end):
        parts.append(
            f'<text x="{x(month):.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="13" fill="#444">'
            f"{month:%b %y}</text>"
        )
    for p in shown:
        points = []
        for i, (day, rate) in enumerate(zip(p.dates, p.rates, strict=True)):
            until = p.dates[i + 1] if i + 1 < len(p.dates) else end
            points += [f"{x(day):.1f},{y(rate):.1f}", f"{x(until):.1f},{y(rate):.1f}"]
        dash = ' stroke-dasharray="6 4"' if p.dashed else ""
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{p.colour}" stroke-width="2.5"{dash}/>'
        )
    if marker is not None and start <= marker <= end:
        parts.append(
            f'<line x1="{x(marker):.1f}" x2="{x(marker):.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#111" '
            'stroke-width="1.5" stroke-dasharray="3 3"/>'
        )
    said = "; ".join(
        f"{p.label}: " + ", ".join(f"{d:%d %b %Y} {r:.1%}" for d, r in zip(p.dates, p.rates, strict=True))
        for p in shown
    )
    svg = (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Effective rate over time. {said}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
    legend = tags.div(
        *[
            tags.span(
                tags.span(class_="key", style=f"background:{p.colour}" + (";opacity:.7" if p.dashed else "")), p.label
            )
            for p in shown
        ],
        tags.span("dotted line: the date the slider is on" if marker else ""),
        class_="legend",
        aria_hidden="true",
    )
    caption = "The path over time: effective rate (duty ÷ import value) from each change date to the next"
    return tags.figure(tags.figcaption(caption), legend, HTML(svg), class_="path-chart", id="path-chart")


def _ticks(top: float) -> list[float]:
    step = next(s for s in (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0) if top / s <= 6)
    return [i * step for i in range(int(top / step) + 1)]


def _months(start: date, end: date) -> list[date]:
    """Month starts to label, at most about seven."""
    months = []
    day = date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    every = max(1, -(-len(months) // 7))
    return months[::every]
