"""Time resolving a layer whose rates come from a 12,000-code table (Section 301's size) against ~5,000 keys.

python benchmarks/rate_table.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine import make_table

from simulator.engine.rates import TableIndex
from simulator.scenario.model import RateTable


def measure() -> tuple[int, int, float, float]:
    """(table rows, keys, ms to resolve the table against the keys, ms to give the rates at a date)."""
    rng = np.random.default_rng(2)
    table = make_table(1_000_000)
    keys = np.unique(table["hs"].to_numpy(dtype=str))
    codes = {f"{int(c):08d}" for c in rng.integers(1_000_000, 99_999_999, 20_000)}
    codes |= {k + f"{i:02d}" for k in keys[:3000] for i in (10, 90)}  # some codes that match
    rows = tuple((c, None, float(rng.choice([0.075, 0.25]))) for c in sorted(codes)[:12_000])
    rate_table = RateTable("bench", rows)
    builds, lookups = [], []
    for _ in range(7):
        start = time.perf_counter()
        index = TableIndex.build(rate_table, keys)
        builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.rates_at(None)
        lookups.append(time.perf_counter() - start)
    return len(rows), len(keys), statistics.median(builds) * 1000, statistics.median(lookups) * 1000


def main() -> None:
    rows, keys, build, lookup = measure()
    print(
        f"{rows:,}-row rate table, {keys:,} keys: resolve {build:.1f} ms, rates at a date {lookup:.1f} ms (medians of 7)"
    )


if __name__ == "__main__":
    main()
