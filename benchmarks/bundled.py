"""Time the bundled table as a user meets it: loading it, and `tariffsim run exempt_chips` as a process.

    python benchmarks/bundled.py

Whole processes are timed with the median of several runs, since that is what the user waits for.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from simulator import load_flows, load_scenario, simulate

TARIFFSIM = [sys.executable, "-m", "simulator"]


def median_seconds(func: object, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def process(args: list[str]) -> float:
    return median_seconds(lambda: subprocess.run([*TARIFFSIM, *args], check=True, capture_output=True))


def main() -> None:
    chips = load_scenario("exempt_chips")
    print(f"load_flows() on the bundled table:       {median_seconds(load_flows) * 1000:7.0f} ms")
    table = load_flows()
    print(f"  {len(table):,} lines")
    print(
        f"simulate(exempt_chips) with a loaded table: {median_seconds(lambda: simulate(chips, table)) * 1000:5.0f} ms"
    )
    print(f"simulate(exempt_chips) loading the table:   {median_seconds(lambda: simulate(chips)) * 1000:5.0f} ms")
    print(f"process: tariffsim run exempt_chips          {process(['run', 'exempt_chips']) * 1000:5.0f} ms")
    print(f"process: tariffsim --version                 {process(['--version']) * 1000:5.0f} ms")
    print(f"process: tariffsim list                      {process(['list']) * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
