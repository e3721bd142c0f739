"""The figures seeds/README.md quotes are what the bundled scenarios give: generated, never typed in.

TARIFFSIM_UPDATE_DOCS=1 pytest tests/test_docs_figures.py rewrites the block; review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from simulator import load_scenario, simulate
from simulator.scenario.load import bundled_scenarios
from simulator.units import usd

README = Path(__file__).resolve().parent.parent / "seeds" / "README.md"
BLOCK = re.compile(r"(<!-- figures:start -->\n).*?(<!-- figures:end -->)", re.S)


def figures_block() -> str:
    lines = [
        "| scenario | date | effective rate | without exemptions | exempted value | share | duty relief |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, path in bundled_scenarios():
        scenario = load_scenario(path)
        result = simulate(scenario)
        dates = scenario.change_dates or [None]
        rows = (
            [(d, r) for d, r in zip(dates, result.timeline.to_dict("records"), strict=True)]
            if scenario.change_dates
            else [(None, result.totals)]
        )
        for when, t in rows:
            lines.append(
                f"| `{name}` | {when or 'constant'} | {t['effective_rate']:.1%} | "
                f"{t['effective_rate_without_exemptions']:.1%} | {usd(t['exempted_value_usd'])} | "
                f"{t['exempted_share']:.1%} | {usd(t['duty_relief_usd'])} |"
            )
    return "\n".join(lines) + "\n"


def test_seeds_readme_quotes_the_figures_the_scenarios_give() -> None:
    text = README.read_text(encoding="utf-8")
    assert BLOCK.search(text), "seeds/README.md needs a <!-- figures:start --> ... <!-- figures:end --> block"
    fresh = BLOCK.sub(lambda m: m.group(1) + figures_block() + m.group(2), text)
    if os.environ.get("TARIFFSIM_UPDATE_DOCS"):
        README.write_text(fresh, encoding="utf-8")
    assert text == fresh, "run: TARIFFSIM_UPDATE_DOCS=1 pytest tests/test_docs_figures.py, then review the diff"


def test_validation_page_is_current() -> None:
    """docs/validation.md is what `tariffsim published` writes from the bundled figures, scenarios and the
    tracker's series; the chart it links is drawn beside it."""
    from simulator.analysis.published import published_comparisons
    from simulator.analysis.tracker import tracker_comparison
    from simulator.output.published import validation_page

    docs = README.parent.parent / "docs"
    page, chart = docs / "validation.md", docs / "validation_tracker.png"
    tracker = tracker_comparison()
    fresh = validation_page(published_comparisons(), tracker, chart.name)
    if os.environ.get("TARIFFSIM_UPDATE_DOCS"):
        from simulator.output.chart_style import save
        from simulator.output.tracker_chart import plot_tracker

        page.write_text(fresh, encoding="utf-8")
        save(plot_tracker(tracker), chart)
    assert chart.is_file(), "run: tariffsim published -o docs/validation.md --chart docs/validation_tracker.png"
    assert page.read_text(encoding="utf-8") == fresh, (
        "run: tariffsim published -o docs/validation.md --chart docs/validation_tracker.png"
    )


def test_every_published_figure_is_beside_a_figure_of_ours() -> None:
    from simulator.analysis.published import published_comparisons

    rows = published_comparisons()
    assert {r.source.split(" (")[0].split(",")[0] for r in rows} >= {"PIIE", "CRS", "RAND", "Bloomberg"}
    assert all(r.ours == r.ours and r.published > 0 and r.why for r in rows)
