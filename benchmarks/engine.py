"""Time `simulate` on BACI-shaped tables against a pure-numpy lower bound, and measure peak memory.

The table: ~5,000 HS6 codes, 200 exporters, one importer (the scenario's), N rows. The scenario:
3 layers and 131 exemption selectors. The lower bound resolves rules per distinct code and gathers
per row with plain numpy: what any implementation must at least do.

    python benchmarks/engine.py [--rows 1e6,3e6,1e7] [--selectors 131]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from simulator import simulate
from simulator.scenario.model import Exemption, Layer, Scenario, Schedule, Selector


def make_table(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    chapters = np.arange(1, 98)
    codes = np.unique(
        [
            f"{c:02d}{h:02d}{s:02d}"
            for c, h, s in zip(
                rng.choice(chapters, 6000), rng.integers(1, 90, 6000), rng.integers(0, 99, 6000), strict=True
            )
        ]
    )[:5000]
    exporters = np.array([f"X{i // 26 % 26 + 65:c}{i % 26 + 65:c}".replace("X", chr(65 + i % 7)) for i in range(200)])
    categories = np.array([f"Chapter {c:02d}" for c in chapters])
    hs = codes[rng.integers(0, len(codes), rows)]
    # the in-memory form load_flows returns: codes and names as categoricals
    return pd.DataFrame(
        {
            "exporter": pd.Categorical(exporters[rng.integers(0, 200, rows)]),
            "importer": pd.Categorical(np.full(rows, "USA", dtype=object)),
            "hs": pd.Categorical(hs),
            "category": pd.Categorical(categories[pd.Series(hs).str[:2].astype(int).to_numpy() - 1]),
            "value_usd": rng.gamma(0.5, 2e6, rows),
            "base_rate": rng.choice([0.0, 0.025, 0.05, 0.075, 0.25], rows),
        }
    )


def make_scenario(table: pd.DataFrame, n_selectors: int, seed: int = 1) -> Scenario:
    rng = np.random.default_rng(seed)
    codes = np.unique(table["hs"].to_numpy(dtype=str))
    picks = rng.choice(codes, n_selectors, replace=False)
    exemptions = tuple(
        Exemption(
            f"e{i}",
            Selector(hs=(str(code)[: rng.choice([2, 4, 6])],)),
            layers=("reciprocal",),
            share=Schedule.constant(float(rng.uniform(0.5, 1))),
        )
        for i, code in enumerate(picks)
    )
    layers = (
        Layer("fentanyl", Schedule.constant(0.20)),
        Layer("reciprocal", Schedule.constant(1.25)),
        Layer("section232", Schedule.constant(0.25), Selector(hs=("72", "73", "76"))),
    )
    return Scenario("bench", "USA", None, layers, exemptions)


def lower_bound(table: pd.DataFrame, scenario: Scenario) -> float:
    """Factorise codes, resolve one additional rate per distinct code, gather, sum. No exemption shares by layer."""
    codes, uniques = pd.factorize(table["hs"])
    uniques = np.asarray(uniques, dtype=str)
    rate = np.full(len(uniques), 1.45)
    chapters = np.char.ljust(uniques, 2).astype("U2")
    rate[np.isin(chapters, ["72", "73", "76"])] += 0.25
    value = table["value_usd"].to_numpy()
    return float((value * (table["base_rate"].to_numpy() + rate[codes])).sum())


def timed(func: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def peak_memory(func: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="1e6,3e6,1e7", help="comma-separated row counts")
    parser.add_argument("--selectors", default="131", help="comma-separated exemption counts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(
        f"{'rows':>10} {'selectors':>9} {'simulate s':>10} {'numpy bound s':>13} {'ratio':>6} {'table MB':>9} {'peak MB':>8} {'peak/table':>10}"
    )
    for rows in (int(float(r)) for r in args.rows.split(",")):
        table = make_table(rows)
        table_mb = table.memory_usage(deep=True).sum() / 2**20
        for n_sel in (int(s) for s in args.selectors.split(",")):
            scenario = make_scenario(table, n_sel)
            sim = timed(lambda: simulate(scenario, table), args.repeat)  # noqa: B023
            bound = timed(lambda: lower_bound(table, scenario), args.repeat)  # noqa: B023
            peak = peak_memory(lambda: simulate(scenario, table)) / 2**20  # noqa: B023
            print(
                f"{rows:>10,} {n_sel:>9} {sim:>10.3f} {bound:>13.3f} {sim / bound:>6.2f} {table_mb:>9.0f} {peak:>8.0f} {peak / table_mb:>10.2f}",
                flush=True,
            )
    print(
        f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}"
    )


if __name__ == "__main__":
    main()
