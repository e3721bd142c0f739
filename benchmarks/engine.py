"""Time `simulate` on BACI-shaped tables against a pure-numpy lower bound, and measure peak memory.

The table: ~5,000 HS6 codes, 200 exporters, one importer (the scenario's), N rows. The scenario:
3 layers and 131 exemption selectors. The bound computes the same figures as `simulate` (totals and
by category, exemptions included; checked equal before timing) in plain numpy, resolving rules per
distinct code: the least work any implementation of those figures must do.

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


def lower_bound(table: pd.DataFrame, scenario: Scenario) -> dict[str, np.ndarray]:
    """What `simulate` returns for this scenario, in plain numpy: totals and, per category, import value,
    duty, duty without exemptions and exempted value, exemptions included. It uses the codes the
    categorical columns already carry (no re-factorising), resolves each distinct HS code once (its
    layers; the largest share among exemptions whose prefix it starts with), gathers per row and sums.

    Written for `make_scenario`'s shape only (flat layers, HS-prefix exemptions of the reciprocal layer):
    the least work any implementation of these figures must do. `check` asserts it equals `simulate`."""
    hs, category = table["hs"].cat, table["category"].cat
    uniques = np.asarray(hs.categories, dtype=str)
    codes = hs.codes.to_numpy()
    rates = {x.name: x.rate.at(None) for x in scenario.layers}
    in_232 = np.isin(np.char.ljust(uniques, 2).astype("U2"), ["72", "73", "76"])
    waived = np.zeros(len(uniques))  # per code: the largest share exempted of the reciprocal layer
    by_prefix: dict[str, float] = {}
    for ex in scenario.exemptions:
        for prefix in ex.selector.hs:
            by_prefix[prefix] = max(by_prefix.get(prefix, 0.0), ex.share.at(None))
    for length in sorted({len(p) for p in by_prefix}):
        cut = pd.Index(np.char.ljust(uniques, length).astype(f"U{length}"))
        prefixes = [p for p in by_prefix if len(p) == length]
        found = pd.Index(prefixes).get_indexer(cut)
        shares = np.array([by_prefix[p] for p in prefixes] + [0.0])
        waived = np.maximum(waived, shares[found])  # -1 picks the trailing 0
    gross = rates["fentanyl"] + rates["reciprocal"] + rates["section232"] * in_232
    additional = gross - rates["reciprocal"] * waived
    value = table["value_usd"].to_numpy()
    base = value * table["base_rate"].to_numpy()
    n = len(category.categories)
    cat = category.codes.to_numpy()
    per_code = {  # sums per distinct code first: one gather of small arrays, not four per row
        "value": np.bincount(codes, weights=value, minlength=len(uniques)),
        "base": np.bincount(codes, weights=base, minlength=len(uniques)),
    }
    code_cat = np.zeros(len(uniques), np.intp)
    code_cat[codes] = cat  # each code sits in one category (its chapter)
    out = {
        "import_value_usd": per_code["value"],
        "duty_usd": per_code["base"] + per_code["value"] * additional,
        "duty_without_exemptions_usd": per_code["base"] + per_code["value"] * gross,
        "exempted_value_usd": per_code["value"] * (waived * (rates["reciprocal"] > 0)),
    }
    return {k: np.bincount(code_cat, weights=v, minlength=n) for k, v in out.items()}


def check(table: pd.DataFrame, scenario: Scenario) -> None:
    """The bound computes exactly what `simulate` returns: totals and every category's figures."""
    result = simulate(scenario, table)
    bound = lower_bound(table, scenario)
    names = list(table["category"].cat.categories)
    frame = result.by_category.set_index("category")
    for key, per_category in bound.items():
        assert np.isclose(per_category.sum(), result.totals[key], rtol=1e-9), key
        present = [i for i, name in enumerate(names) if name in frame.index]
        assert np.allclose(per_category[present], frame.loc[[names[i] for i in present], key], rtol=1e-9), key


def timed(funcs: list[Callable[[], Any]], repeat: int = 3) -> list[float]:
    """The best time of each function, the functions taking turns: on a shared machine whose speed
    drifts, timing one after the other moved their ratio by a fifth from run to run."""
    best = [float("inf")] * len(funcs)
    for _ in range(repeat):
        for i, func in enumerate(funcs):
            gc.collect()
            start = time.perf_counter()
            func()
            best[i] = min(best[i], time.perf_counter() - start)
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
            check(table, scenario)
            sim, bound = timed(
                [lambda: simulate(scenario, table), lambda: lower_bound(table, scenario)],  # noqa: B023
                args.repeat,
            )
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
