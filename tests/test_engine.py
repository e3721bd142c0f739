"""Hand-computed cases for every duty rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from simulator import load_scenario, simulate

HEAD = """
name: t
importer: CHN
exporter: USA
trade: tiny.csv
"""


def run(write: Callable[..., Path], body: str, when: date | None = None, name: str = "s.yaml") -> dict[str, float]:
    return simulate(load_scenario(write(name, HEAD + body)), date=when).totals


def test_base_rate_only(write: Callable[..., Path]) -> None:
    t = run(write, "")
    # 200 * 0.03 + 10 * 0.2
    assert t["duty_usd"] == pytest.approx(8.0)
    assert t["import_value_usd"] == pytest.approx(360.0)
    assert t["effective_rate"] == pytest.approx(8.0 / 360)
    assert t["exempted_value_usd"] == 0


def test_layers_stack_on_base(write: Callable[..., Path]) -> None:
    t = run(
        write,
        """
layers:
  - {name: a, rate: 100%}
  - {name: b, rate: 10%, categories: [Soybeans]}
""",
    )
    # 360*1.00 + 200*0.10 + base 8
    assert t["duty_usd"] == pytest.approx(360 + 20 + 8)


def test_exemption_with_except(write: Callable[..., Path]) -> None:
    t = run(
        write,
        """
layers: [{name: a, rate: 100%}]
exemptions:
  - {name: chips, hs: ["8542"], except_hs: ["854232"]}
""",
    )
    # 854231 (100) exempt; 854232 (50) taxed; soy 200*1.03; meat 10*1.2
    assert t["duty_usd"] == pytest.approx(50 + 206 + 12)
    assert t["exempted_value_usd"] == pytest.approx(100)
    assert t["duty_relief_usd"] == pytest.approx(100)
    assert t["exempted_share"] == pytest.approx(100 / 360)


def test_partial_and_overlapping_shares_take_the_largest(write: Callable[..., Path]) -> None:
    t = run(
        write,
        """
layers: [{name: a, rate: 50%}]
exemptions:
  - {name: half, categories: [Semiconductors], share: 50%}
  - {name: most, hs: ["854231"], share: 80%}
""",
    )
    # 854231: max(0.5, 0.8) = 0.8 -> 100*0.5*0.2 = 10; 854232: 50*0.5*0.5 = 12.5; soy 200*0.53=106; meat 10*0.7=7
    assert t["duty_usd"] == pytest.approx(10 + 12.5 + 106 + 7)
    assert t["exempted_value_usd"] == pytest.approx(100 * 0.8 + 50 * 0.5)


def test_exemption_waives_only_named_layers(write: Callable[..., Path]) -> None:
    result = simulate(
        load_scenario(
            write(
                "s.yaml",
                HEAD
                + """
layers:
  - {name: fentanyl, rate: 20%}
  - {name: reciprocal, rate: 125%}
exemptions:
  - {name: soy, categories: [Soybeans], layers: [reciprocal]}
""",
            )
        )
    )
    # soy keeps base 0.03 and 20%: 200*0.23 = 46; others 160*(1.45) + meat base 2
    assert result.totals["duty_usd"] == pytest.approx(46 + 160 * 1.45 + 2)
    layers = result.by_layer.set_index("layer")
    assert layers.loc["reciprocal", "duty_relief_usd"] == pytest.approx(250)
    assert layers.loc["fentanyl", "duty_relief_usd"] == 0
    assert layers.loc["base_rate", "duty_usd"] == pytest.approx(8)
    assert layers["duty_usd"].sum() == pytest.approx(result.totals["duty_usd"])


def test_dated_schedule_steps_and_zero_before_first_date(write: Callable[..., Path]) -> None:
    body = """
layers:
  - name: a
    rate: {2025-04-10: 84%, 2025-04-12: 125%}
"""
    assert run(write, body, date(2025, 4, 9))["duty_usd"] == pytest.approx(8)
    assert run(write, body, date(2025, 4, 10))["duty_usd"] == pytest.approx(8 + 360 * 0.84)
    assert run(write, body, date(2025, 4, 11))["duty_usd"] == pytest.approx(8 + 360 * 0.84)
    assert run(write, body, date(2026, 1, 1))["duty_usd"] == pytest.approx(8 + 360 * 1.25)
    # default date: the last change
    assert run(write, body)["duty_usd"] == pytest.approx(8 + 360 * 1.25)


def test_dated_share_and_timeline(write: Callable[..., Path]) -> None:
    result = simulate(
        load_scenario(
            write(
                "s.yaml",
                HEAD
                + """
layers: [{name: a, rate: 100%}]
exemptions:
  - name: soy
    categories: [Soybeans]
    share: {2025-05-01: 50%, 2025-06-01: 100%}
""",
            )
        )
    )
    timeline = result.timeline.set_index("date")
    assert list(timeline.index) == [date(2025, 5, 1), date(2025, 6, 1)]
    assert timeline.loc[date(2025, 5, 1), "exempted_value_usd"] == pytest.approx(100)
    assert timeline.loc[date(2025, 6, 1), "exempted_value_usd"] == pytest.approx(200)
    assert result.date == date(2025, 6, 1)


def test_exempted_value_counts_only_layers_in_force(write: Callable[..., Path]) -> None:
    body = """
layers:
  - {name: a, rate: {2025-04-10: 125%}}
exemptions:
  - {name: soy, categories: [Soybeans]}
"""
    assert run(write, body, date(2025, 4, 1))["exempted_value_usd"] == 0
    assert run(write, body, date(2025, 4, 10))["exempted_value_usd"] == pytest.approx(200)


def test_extends_replace_add_remove(write: Callable[..., Path]) -> None:
    write(
        "parent.yaml",
        HEAD
        + """
layers:
  - {name: a, rate: 100%}
  - {name: b, rate: 10%}
exemptions:
  - {name: soy, categories: [Soybeans]}
  - {name: meat, categories: [Meat]}
""",
    )
    child = load_scenario(
        write(
            "child.yaml",
            """
extends: parent.yaml
name: child
layers:
  - {name: a, rate: 50%}
  - {name: c, rate: 5%, categories: [Meat]}
remove: [meat, b]
""",
        )
    )
    assert [x.name for x in child.layers] == ["a", "c"]
    assert [x.name for x in child.exemptions] == ["soy"]
    assert child.importer == "CHN"
    t = simulate(child).totals
    # soy exempt from all layers -> 200*0.03 = 6; chips 150*0.5 = 75; meat 10*(0.2+0.5+0.05) = 7.5
    assert t["duty_usd"] == pytest.approx(6 + 75 + 7.5)


def test_categories_sum_to_totals_and_are_sorted(write: Callable[..., Path]) -> None:
    result = simulate(load_scenario(write("s.yaml", HEAD + "layers: [{name: a, rate: 30%}]\n")))
    cats = result.by_category
    assert list(cats["import_value_usd"]) == sorted(cats["import_value_usd"], reverse=True)
    for key in ("import_value_usd", "duty_usd", "exempted_value_usd", "duty_relief_usd"):
        assert cats[key].sum() == pytest.approx(result.totals[key])
    assert result.duty_by_category_layer.sum().sum() == pytest.approx(result.totals["duty_usd"])


def test_simulate_does_not_mutate_inputs(write: Callable[..., Path], flows: pd.DataFrame) -> None:
    scenario = load_scenario(write("s.yaml", HEAD + "layers: [{name: a, rate: 30%}]\n"))
    before = flows.copy()
    simulate(scenario, flows)
    pd.testing.assert_frame_equal(flows, before)


def test_prefix_matching_nothing_is_a_warning(write: Callable[..., Path]) -> None:
    result = simulate(
        load_scenario(
            write(
                "s.yaml",
                HEAD
                + """
layers: [{name: a, rate: 10%}]
exemptions: [{name: x, hs: ["9999"]}]
""",
            )
        )
    )
    assert any("9999" in w and "matches no line" in w for w in result.warnings)


def test_chapter_line_is_not_matched_by_a_heading_prefix(write: Callable[..., Path], tmp_path: Path) -> None:
    pd.DataFrame(
        {
            "exporter": ["USA", "USA"],
            "importer": ["CHN", "CHN"],
            "hs": ["85", "8542"],
            "category": ["Other", "Chips"],
            "value_usd": [10.0, 5.0],
        }
    ).to_csv(tmp_path / "coarse.csv", index=False)
    t = simulate(
        load_scenario(
            write(
                "s.yaml",
                """
importer: CHN
trade: coarse.csv
layers: [{name: a, rate: 100%, hs: ["8542"]}]
""",
            )
        )
    ).totals
    assert t["duty_usd"] == pytest.approx(5)


def test_sparse_key_path_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large code spaces use hash factorisation instead of dense bincounts; the numbers must not change."""
    import simulator.engine.keys as engine
    from simulator.bundled import SCENARIOS

    scenario = load_scenario(SCENARIOS / "exempt_131.yaml")
    dense = simulate(scenario)
    monkeypatch.setattr(engine, "DENSE_SPACE", -1)
    sparse = simulate(scenario)
    assert sparse.totals == pytest.approx(dense.totals, rel=1e-12)
    pd.testing.assert_frame_equal(sparse.by_category, dense.by_category)
