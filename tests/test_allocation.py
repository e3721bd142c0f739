"""The ranges beside figures that rest on estimated lines: every split of each chapter's real total.

Checked by hand on a small case, and against an independent brute force: the engine run on every
vertex split (each chapter's whole estimated total on one of its lines) and on random splits.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import simulate
from simulator.cli import cli
from simulator.scenario.model import Exemption, Layer, Response, Scenario, Schedule, Selector

RANGED = ("exempted_value_usd", "duty_relief_usd", "duty_usd")


def _scenario(exempt: tuple[str, ...], response: Response | None = None) -> Scenario:
    return Scenario(
        name="t",
        importer="CHN",
        exporter="USA",
        layers=(Layer("r", Schedule.constant(1.0)),),
        exemptions=(Exemption("e", Selector(hs=exempt)),) if exempt else (),
        response=response,
    )


def test_a_hand_computed_case() -> None:
    # Chapter 10: $60 estimated over 1001 (exempt) and 1002 (not), plus a counted line 1003 (exempt, $5).
    # Chapter 20: $40 estimated over 2001 and 2002, both exempt. A 100% layer; no base rate.
    frame = pd.DataFrame(
        {
            "exporter": "USA",
            "importer": "CHN",
            "hs": ["1001", "1002", "1003", "2001", "2002"],
            "category": ["A", "A", "A", "B", "B"],
            "value_usd": [20.0, 40.0, 5.0, 30.0, 10.0],
            "base_rate": 0.0,
            "source": ["estimate_x", "estimate_x", "census", "estimate_x", "estimate_x"],
        }
    )
    result = simulate(_scenario(("1001", "1003", "20")), frame)
    assert result.totals["exempted_value_usd"] == pytest.approx(20 + 5 + 40)
    # least: chapter 10's $60 all on 1002 -> 5 + 0 + 40; most: all on 1001 -> 5 + 60 + 40
    assert result.ranges["exempted_value_usd"] == pytest.approx((45.0, 105.0))
    assert result.ranges["duty_relief_usd"] == pytest.approx((45.0, 105.0))
    # duty: 105 of imports at 100%, less the exempted
    assert result.ranges["duty_usd"] == pytest.approx((105 - 105, 105 - 45))
    assert result.ranges["effective_rate"] == pytest.approx((0.0, 60 / 105))
    assert any("every such split" in note for note in result.notes)


def test_no_estimates_no_ranges() -> None:
    frame = pd.DataFrame(
        {
            "exporter": "USA",
            "importer": "CHN",
            "hs": ["1001"],
            "category": ["A"],
            "value_usd": [1.0],
            "source": "census",
        }
    )
    result = simulate(_scenario(("1001",)), frame)
    assert result.ranges == {} and not any("split" in note for note in result.notes)


def _resplit(frame: pd.DataFrame, weights: dict[str, np.ndarray]) -> pd.DataFrame:
    """The table with each chapter's estimated total spread over its estimated lines by `weights`."""
    out = frame.copy()
    marked = out["source"].str.startswith("estimate")
    for chapter, w in weights.items():
        lines = marked & (out["hs"].str[:2] == chapter)
        total = out.loc[lines, "value_usd"].sum()
        out.loc[lines, "value_usd"] = total * w / w.sum()
    return out


lines = st.lists(
    st.tuples(
        st.sampled_from(["10", "20", "30"]),  # chapter
        st.floats(1, 1000),  # value
        st.sampled_from([0.0, 0.05, 0.3]),  # base rate
        st.booleans(),  # estimated
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=60, deadline=None)
@given(rows=lines, exempt=st.sets(st.integers(0, 6)), share=st.sampled_from([1.0, 0.5]), responds=st.booleans())
def test_the_bounds_are_the_extremes_of_every_split(
    rows: list[tuple[str, float, float, bool]], exempt: set[int], share: float, responds: bool
) -> None:
    hs = [f"{c}{i:02d}" for i, (c, *_) in enumerate(rows)]
    frame = pd.DataFrame(
        {
            "exporter": "USA",
            "importer": "CHN",
            "hs": hs,
            "category": [f"cat{i % 2}" for i in range(len(rows))],
            "value_usd": [v for _, v, _, _ in rows],
            "base_rate": [b for _, _, b, _ in rows],
            "source": ["estimate_x" if e else "census" for *_, e in rows],
        }
    )
    chosen = tuple(hs[i] for i in sorted(exempt) if i < len(hs))
    scenario = _scenario(chosen, Response(elasticity=-1.5) if responds else None)
    if chosen:
        scenario = replace(scenario, exemptions=(Exemption("e", Selector(hs=chosen), share=Schedule.constant(share)),))
    result = simulate(scenario, frame)
    marked = frame["source"].str.startswith("estimate")
    chapters = sorted(set(frame.loc[marked, "hs"].str[:2]))
    if not chapters:
        assert result.ranges == {}
        return
    # every vertex split: each chapter's estimated total on one of its estimated lines
    choices = [list(range(int((marked & (frame["hs"].str[:2] == c)).sum()))) for c in chapters]
    seen: dict[str, list[float]] = {k: [] for k in RANGED}
    for pick in itertools.product(*choices):
        weights = {}
        for c, j, n in zip(chapters, pick, (len(x) for x in choices), strict=True):
            w = np.zeros(n)
            w[j] = 1.0
            weights[c] = w
        totals = simulate(scenario, _resplit(frame, weights)).totals
        for k in RANGED:
            seen[k].append(totals[k])
    for k in RANGED:
        low, high = result.ranges[k]
        assert low == pytest.approx(min(seen[k]), rel=1e-9, abs=1e-6)
        assert high == pytest.approx(max(seen[k]), rel=1e-9, abs=1e-6)
        assert low - 1e-6 <= result.totals[k] <= high + 1e-6  # the table's own split is one of them
    # and a random interior split stays inside
    rng = np.random.default_rng(len(rows))
    inner = {c: rng.random(len(x)) + 1e-3 for c, x in zip(chapters, choices, strict=True)}
    totals = simulate(scenario, _resplit(frame, inner)).totals
    for k in RANGED:
        low, high = result.ranges[k]
        assert low - 1e-6 <= totals[k] <= high + 1e-6


def test_the_bundled_chip_exemption_says_its_range_in_every_format() -> None:
    runner = CliRunner()
    text = runner.invoke(cli, ["run", "exempt_chips"]).output
    line = next(x for x in text.splitlines() if x.strip().startswith("Exempted value"))
    assert "over other splits of estimated chapters" in line and "$0 to $" in line
    data = json.loads(runner.invoke(cli, ["run", "exempt_chips", "--format", "json"]).output)
    low, high = data["ranges"]["exempted_value_usd"]
    assert low <= data["totals"]["exempted_value_usd"] <= high and high > low
    tidy = runner.invoke(cli, ["run", "exempt_chips", "--format", "tidy"]).output
    assert "exempted_value_usd_low" in tidy and "exempted_value_usd_high" in tidy
    markdown = runner.invoke(cli, ["run", "exempt_chips", "--format", "markdown"]).output
    assert "over other splits of estimated chapters" in markdown
    us = json.loads(runner.invoke(cli, ["run", "us_electronics_exemption", "--format", "json"]).output)
    assert us["ranges"] == {}  # every US line is a Census figure: nothing to move
