"""`tariffsim report` of two scenarios as a whole process, and where its time goes.

    python benchmarks/report.py [--repeat 5] [--baseline ../before]

Rows: the whole process (median wall seconds and peak memory of `--repeat` runs, alternating with the
baseline checkout when given), then one in-process breakdown: imports, evaluating both scenarios, and
the page (each chart drawn twice: for desktops and, narrower, for phones), with its images drawn in
two processes as `report` draws them, then in this one alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from partners import compared, measure, private_cache, run_once

SCENARIOS = ["exempt_chips", "china_125"]


def breakdown() -> None:
    start = time.perf_counter()
    import simulator.output.images as images
    import simulator.output.page as page
    from simulator.analysis.compare import compare
    from simulator.scenario.load import load_scenario

    imported = time.perf_counter()
    comparison = compare([load_scenario(s) for s in SCENARIOS])
    evaluated = time.perf_counter()
    page.to_html(comparison.results, comparison=comparison)
    done = time.perf_counter()
    images.forkable = lambda _n: False  # type: ignore[assignment]
    page.to_html(comparison.results, comparison=comparison)
    alone = time.perf_counter()
    print(
        f"in one process: imports {imported - start:.2f} s, both scenarios {evaluated - imported:.2f} s, "
        f"page {done - evaluated:.2f} s (its images drawn in two processes; in this one alone: {alone - done:.2f} s)"
    )


def main() -> None:
    options, trees = compared(__doc__.splitlines()[0])
    with private_cache(MPLBACKEND="Agg") as (folder, env):
        args = ["report", *SCENARIOS, "-o", str(folder / "report.html")]
        for tree in trees.values():
            run_once(tree, args, env)  # fills the table cache
        figures = measure(trees, args, env, options.repeat)
    print(f"{'tariffsim report ' + ' '.join(SCENARIOS):48} {'tree':9} {'median s':>9} {'peak MB':>8}")
    for name, (seconds, peak) in figures.items():
        print(f"{'':48} {name:9} {seconds:9.3f} {peak:8.0f}")
    breakdown()


if __name__ == "__main__":
    main()
