"""Inputs at the sizes users reach, side by side with an earlier tariffsim: rank of thousands of
exemptions, a rate table with a row a day, and a warm `run exempt_chips` (the table cache).

    python benchmarks/scale_inputs.py --baseline ../before --repeat 3

Whole processes, alternating between the trees (see benchmarks/partners.py); the inputs are written
to a temporary folder first, the same for both trees.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from partners import HERE, measure, run_once

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exemptions", type=int, default=5000)
    parser.add_argument("--daily-rows", type=int, default=100_000)
    options = parser.parse_args()
    trees = {"this": HERE} | ({"baseline": options.baseline.resolve()} if options.baseline else {})
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        os.chmod(folder, 0o700)
        warm = {**os.environ, "TARIFFSIM_CACHE_DIR": str(folder / "cache")}
        cases = [
            (f"rank, {options.exemptions:,} exemptions", ["rank", str(many_exemptions(folder, options.exemptions))]),
            (
                f"run, rate table of {options.daily_rows:,} daily rows",
                ["run", str(daily_table(folder, options.daily_rows))],
            ),
            ("run exempt_chips (warm cache)", ["run", "exempt_chips"]),
        ]
        rows = []
        for label, args in cases:
            for tree in trees.values():
                run_once(tree, ["run", "exempt_chips"], warm)  # the table cached in each tree's format
            for name, (s, m) in measure(trees, args, warm, options.repeat).items():
                rows.append((label, name, s, m))
    print(f"{'command':44} {'tree':9} {'median s':>9} {'peak MB':>8}")
    for label, name, s, m in rows:
        print(f"{label:44} {name:9} {s:9.3f} {m:8.0f}")


if __name__ == "__main__":
    main()
