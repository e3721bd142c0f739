"""The explorer's live chart as HTML bars: effective rate by category, now, without exemptions, pinned.

Drawn by the browser, it costs a few milliseconds where a matplotlib PNG costs about 110 ms per move,
and its labels stay real text, sharp on a projector and readable by a screen reader. The same chart
as a PNG for slides comes from `chart.plot_categories` (the download button).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from htmltools import Tag, tags

from simulator.engine.evaluate import Result

TOP = 10
MOSTLY = 0.5  # a category whose value is mostly estimated is named with "(est.)"
SERIES = (  # (key, label, colour): the slide chart's colours (chart_style, which imports matplotlib), the grey at 4.5:1
    ("without", "without exemptions", "#767676"),
    ("pinned", "pinned", "#D55E00"),
    ("now", "now, with exemptions", "#0072B2"),
)
CSS = """
.bars { margin: 0; }
.bars .row { display: grid; grid-template-columns: minmax(5rem, 13rem) minmax(0, 1fr) 3.4rem; gap: .5rem;
  align-items: center; padding: .2rem 0; border-bottom: 1px solid #eee; }
.bars .name { font-size: .9rem; text-align: right; overflow-wrap: anywhere; }
.bars .bar { height: .8rem; margin: 1px 0; min-width: 2px; }
.bars .value { font-size: .8rem; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bars .legend { display: flex; flex-wrap: wrap; gap: 1rem; font-size: .85rem; margin: .4rem 0; }
.bars .key { display: inline-block; width: .9rem; height: .9rem; margin-right: .3rem; vertical-align: -2px; }
"""


def shown_categories(result: Result, top: int = TOP) -> pd.DataFrame:
    """The `top` categories by import value and the `top // 2` with the most exempted value, largest first."""
    cats = result.by_category
    keep = cats["import_value_usd"].rank(ascending=False, method="first") <= top
    keep |= (cats["exempted_value_usd"] > 0) & (
        cats["exempted_value_usd"].rank(ascending=False, method="first") <= top // 2
    )
    return cats[keep].sort_values("import_value_usd", ascending=False)


def rate_label(rate: float) -> str:
    """A rate as the bar's label: whole percent, and "<1%" rather than a misleading "0%"."""
    return "0%" if rate == 0 else "<1%" if rate < 0.005 else f"{rate:.0%}"


def bars(result: Result, pinned: Result | None = None) -> Tag:
    """A <figure> of horizontal bars, widths in percent of the largest rate shown."""
    cats = shown_categories(result)
    then = pinned.by_category.set_index("category")["effective_rate"] if pinned is not None else None
    values = {
        "without": cats["effective_rate_without_exemptions"].to_numpy(),
        "now": cats["effective_rate"].to_numpy(),
    }
    if then is not None:
        values["pinned"] = cats["category"].map(then).fillna(0.0).to_numpy()
    series = [s for s in SERIES if s[0] in values]
    top = max(max(float(v.max()) for v in values.values()), 1e-9) if len(cats) else 1.0
    rows = []
    estimated = cats["estimated_share"].to_numpy() if "estimated_share" in cats else np.zeros(len(cats))
    for i, name in enumerate(cats["category"]):
        said = ", ".join(f"{label} {values[key][i]:.1%}" for key, label, _ in series)
        if estimated[i] > 0:  # an estimate says so wherever it is shown
            said += f"; {estimated[i]:.0%} of its value estimated"
            name = f"{name} (est.)" if estimated[i] > MOSTLY else name
        track = tags.div(
            *[
                tags.div(
                    class_="bar",
                    style=f"width:{100 * values[key][i] / top:.2f}%;background:{colour}",
                    title=f"{label}: {values[key][i]:.1%}",
                )
                for key, label, colour in series
            ],
            class_="track",
            aria_hidden="true",
        )
        now = tags.div(
            rate_label(values["now"][i]), class_="value", aria_hidden="true"
        )  # its own column: never clipped
        rows.append(
            tags.div(
                tags.div(name, class_="name"), track, now, class_="row", role="listitem", aria_label=f"{name}: {said}"
            )
        )
    legend = tags.div(
        *[tags.span(tags.span(class_="key", style=f"background:{colour}"), label) for _, label, colour in series],
        class_="legend",
        aria_hidden="true",
    )
    if (estimated > MOSTLY).any():
        legend.children.append(tags.span("(est.): value mostly estimated, inside a published chapter total"))
    hidden = len(result.by_category) - len(cats)
    caption = "Effective tariff rate by category (duty ÷ import value)" + (
        f"; the {len(cats)} largest and most exempted shown, {hidden} smaller not" if hidden else ""
    )
    return tags.figure(tags.figcaption(caption), legend, tags.div(*rows, role="list"), class_="bars", id="chart-bars")
