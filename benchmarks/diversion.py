"""Trade diversion on the all-partner table as whole processes, beside the same runs without it.

    python benchmarks/diversion.py [--repeat 5] [--baseline ../before]   # a checkout of an earlier commit

Rows: the world path static, with each line responding alone (constant elasticity), and with
substitution between partners (paths/us_all_partners_diversion), at one date; then a sweep of 101
steps of the reciprocal layer with and without substitution. Median wall seconds and median peak
resident memory of `--repeat` runs, each its own process (see partners.py); with `--baseline`, the
same commands in that checkout, alternating with this one so machine load falls on both alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from partners import HERE, compared, measure_cases, print_rows, private_cache

WORLD = "paths/us_all_partners"
RESPONDING = str(HERE / "benchmarks" / "scenarios" / "world_response.yaml")
DIVERTING = "paths/us_all_partners_diversion"
DATE = ["--date", "2025-05-01"]
SWEEP = ["--layer", "reciprocal", "--from", "0%", "--to", "200%", "--steps", "101", *DATE]


def main() -> None:
    options, trees = compared(__doc__.splitlines()[0])
    with private_cache() as (_, env):
        cases = [
            ("run world path, static", ["run", WORLD, *DATE]),
            ("run world path, each line responding alone", ["run", RESPONDING, *DATE]),
            ("run world path, with diversion between partners", ["run", DIVERTING, *DATE]),
            ("sweep 101 steps, each line responding alone", ["sweep", RESPONDING, *SWEEP]),
            ("sweep 101 steps, with diversion", ["sweep", DIVERTING, *SWEEP]),
        ]
        rows = measure_cases(trees, cases, env, options.repeat)
    print_rows(rows)


if __name__ == "__main__":
    main()
