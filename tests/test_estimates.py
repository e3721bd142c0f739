"""Estimates are visible wherever they are used: the share of each figure's value on estimated lines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import load_flows, load_scenario, simulate
from simulator.cli import cli
from simulator.output.page import to_html
from simulator.scenario.model import Layer, Scenario, Schedule


def test_the_share_matches_the_tables_source_column() -> None:
    flows = load_flows()
    china = flows[flows["importer"] == "CHN"]
    marked = china["source"].astype(str).str.startswith("estimate")
    result = simulate(load_scenario("exempt_chips"))
    assert result.totals["estimated_share"] == pytest.approx(
        china["value_usd"][marked].sum() / china["value_usd"].sum()
    )
    by = result.by_category.set_index("category")["estimated_share"]
    assert by["Soybeans"] == 0 and by["Semiconductors"] == pytest.approx(1.0)
    assert any("rest on estimated lines" in note and "Semiconductors" in note for note in result.notes)
    us = simulate(load_scenario("us_electronics_exemption"))  # every US import line is a Census figure
    assert us.totals["estimated_share"] == 0 and not any("estimated" in n for n in us.notes)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.tuples(st.floats(1, 1e6), st.booleans(), st.sampled_from(["A", "B"])), min_size=1, max_size=12),
    elasticity=st.sampled_from([None, -2.0]),
)
def test_the_share_is_the_estimated_value_over_the_tables_value(
    rows: list[tuple[float, bool, str]], elasticity: float | None
) -> None:
    from simulator.scenario.model import Response

    frame = pd.DataFrame(
        {
            "exporter": "USA",
            "importer": "CHN",
            "hs": [f"{10 + i:02d}" for i in range(len(rows))],
            "category": [c for *_, c in rows],
            "value_usd": [v for v, *_ in rows],
            "source": ["estimate_x" if e else "census" for _, e, _ in rows],
        }
    )
    response = Response(elasticity=elasticity) if elasticity is not None else None
    scenario = Scenario(
        name="t",
        importer="CHN",
        exporter="USA",
        layers=(Layer("r", Schedule.constant(0.5)),),
        exemptions=(),
        response=response,
    )
    result = simulate(scenario, frame)
    value = frame["value_usd"].to_numpy()
    marked = np.array([e for _, e, _ in rows])
    assert result.totals["estimated_share"] == pytest.approx(value[marked].sum() / value.sum())
    for _, row in result.by_category.iterrows():
        mine = frame["category"].to_numpy() == row["category"]
        assert row["estimated_share"] == pytest.approx(value[mine & marked].sum() / value[mine].sum())


def test_every_format_says_so() -> None:
    runner = CliRunner()
    text = runner.invoke(cli, ["run", "exempt_chips"]).output
    assert "Estimates       85%: most of these imports are estimated" in text
    assert "Estimated" in next(line for line in text.splitlines() if line.startswith("Category"))
    data = json.loads(runner.invoke(cli, ["run", "exempt_chips", "--format", "json"]).output)
    assert data["totals"]["estimated_share"] > 0.8 and "estimated_share" in data["by_category"][0]
    assert "estimated_share" in runner.invoke(cli, ["run", "exempt_chips", "--format", "csv"]).output.split("\n")[0]
    assert "| Estimated |" in runner.invoke(cli, ["run", "exempt_chips", "--format", "markdown"]).output
    assert "of it on estimated lines" in runner.invoke(cli, ["explain", "exempt_chips"]).output
    html = to_html([simulate(load_scenario("exempt_chips"))])
    assert 'class="estimates"' in html and "<th" in html and ">Estimated<" in html
    plain = runner.invoke(cli, ["run", "us_electronics_exemption"]).output
    assert "Estimates" not in plain and "Estimated" not in plain  # no column of zeros where nothing is estimated


def test_compare_rank_and_the_validation_page_say_so_too() -> None:
    runner = CliRunner()
    text = runner.invoke(cli, ["compare", "china_125", "exempt_131"]).output
    row = next(line for line in text.splitlines() if line.startswith("On estimated lines"))
    assert row.split()[3:5] == ["84.7%", "84.7%"]
    assert "[2] exempted value $18.1B to $91.3B over other splits" in text
    assert "Semiconductors *" in text and "Soybeans *" not in text  # soybeans are Census figures
    data = json.loads(runner.invoke(cli, ["compare", "china_125", "exempt_131", "--format", "json"]).output)
    assert "exempted_value_usd" not in data["scenarios"][0]["ranges"]  # nothing exempted: nothing to move
    assert data["scenarios"][1]["ranges"]["exempted_value_usd"][1] > 9e10
    ranked = runner.invoke(cli, ["rank", "exempt_131"]).output
    assert "Estimated" in next(line for line in ranked.splitlines() if line.startswith("Exemption"))
    assert "Estimated" not in runner.invoke(cli, ["rank", "us_electronics_exemption"]).output
    page = runner.invoke(cli, ["published"]).output
    row = next(line for line in page.splitlines() if "`exempt_131`" in line and "exempted value" in line)
    assert "$35.5B ($18.1B to $91.3B)" in row and "84.7%" in row and "$40.0B" in row
