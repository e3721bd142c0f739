"""Time rate sweeps and uncertainty draws on the bundled table (issue targets: 1,000 sweep steps
well under a second; 10,000 draws within 2 seconds).

    python benchmarks/analysis.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from simulator import Exemption, Selector, load_flows, load_scenario
from simulator.analysis.draws import draw
from simulator.analysis.sweep import sweep
from simulator.bundled import SCENARIOS


def best_of(func: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    static = load_scenario(SCENARIOS / "china_125.yaml")
    responding = load_scenario(SCENARIOS / "china_125_response.yaml")
    uncertain = load_scenario(SCENARIOS / "exempt_131_uncertain.yaml")
    us = load_scenario(SCENARIOS / "us_electronics_exemption.yaml")
    # a harder case: every one of the 131-list exemptions uncertain, with a trade response
    harder = replace(uncertain, response=responding.response)
    # worst case: one uncertain exemption per line of the direction (4,435 since the table holds every
    # real line; 100 before), so every draw is a new pattern and every line has its own share
    lines = load_flows().query("importer == 'CHN'")["hs"].astype(str).unique()
    per_line = tuple(Exemption(f"x{code}", Selector(hs=(code,)), probability=0.5) for code in lines)
    worst = replace(static, exemptions=per_line)
    us_lines = len(load_flows().query("importer == 'USA'"))
    print(f"{'case':<64} {'seconds':>8}")
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("sweep 1,000 steps, static (CHN 125%)", lambda: sweep(static, "retaliation", 0, 2, 1000)),
        ("sweep 1,000 steps, trade response (CHN 125%)", lambda: sweep(responding, "retaliation", 0, 2, 1000)),
        (
            f"sweep 1,000 steps, static (USA, electronics exempt, {us_lines:,} lines)",
            lambda: sweep(us, "reciprocal", 0, 2, 1000),
        ),
        ("draws 10,000, 7 uncertain exemptions, static", lambda: draw(uncertain, 10_000, 1)),
        ("draws 10,000, 7 uncertain exemptions, trade response", lambda: draw(harder, 10_000, 1)),
        (f"draws 10,000, {len(per_line)} uncertain exemptions (one per line), static", lambda: draw(worst, 10_000, 1)),
    ]
    for label, func in cases:
        print(f"{label:<64} {best_of(func):>8.3f}", flush=True)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; best of 5 runs each")


if __name__ == "__main__":
    main()
