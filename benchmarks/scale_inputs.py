"""Inputs at the sizes users reach, side by side with an earlier tariffsim: rank of thousands of
exemptions, a rate table with a row a day, and a warm `run exempt_chips` (the table cache).

    python benchmarks/scale_inputs.py --baseline ../before --repeat 3

Whole processes, alternating between the trees (see benchmarks/partners.py); the inputs are written
to a temporary folder first, the same for both trees.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from partners import compared, measure_cases, print_rows, private_cache

CODES = ["8542", "1201", "8471", "3004", "2709", "8802", "2901"]


def many_exemptions(folder: Path, n: int) -> Path:
    path = folder / f"exemptions_{n}.yaml"
    path.write_text(
        "name: many\nimporter: CHN\nlayers: [{name: r, rate: 10%}]\nexemptions:\n"
        + "".join(f'  - {{name: e{i}, hs: ["{CODES[i % 7]}"], share: {1 + i % 99}%}}\n' for i in range(n))
    )
    return path


def daily_table(folder: Path, rows: int) -> Path:
    start = datetime.date(2025, 1, 1)
    lines = ["hs,rate,from"] + [
        f"{1000 + i % 9000:04d}{i // 9000:02d},{i % 50}%,{start + datetime.timedelta(days=i % 365)}"
        for i in range(rows)
    ]
    (folder / "daily.csv").write_text("\n".join(lines) + "\n")
    path = folder / "daily.yaml"
    path.write_text("name: daily\nimporter: CHN\nlayers: [{name: r, rates: daily.csv}]\n")
    return path


def main() -> None:
    def more(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--exemptions", type=int, default=5000)
        parser.add_argument("--daily-rows", type=int, default=100_000)

    options, trees = compared(__doc__.splitlines()[0], repeat=3, more=more)
    with private_cache() as (folder, env):
        cases = [
            (f"rank, {options.exemptions:,} exemptions", ["rank", str(many_exemptions(folder, options.exemptions))]),
            (
                f"run, rate table of {options.daily_rows:,} daily rows",
                ["run", str(daily_table(folder, options.daily_rows))],
            ),
            ("run exempt_chips (warm cache)", ["run", "exempt_chips"]),
        ]
        rows = measure_cases(
            trees, cases, env, options.repeat, warm=["run", "exempt_chips"]
        )  # each tree's cache format
    print_rows(rows, 44)


if __name__ == "__main__":
    main()
