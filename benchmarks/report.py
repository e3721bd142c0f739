"""`tariffsim report` of two scenarios as a whole process, and where its time goes.

    python benchmarks/report.py [--repeat 5] [--baseline ../before]

Rows: the whole process (median wall seconds and peak memory of `--repeat` runs, alternating with the
baseline checkout when given), then one in-process breakdown: imports, evaluating both scenarios, and
drawing the page's images (each chart twice: for desktops and, narrower, for phones).
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
    import simulator.output.page as page
    from simulator.analysis.compare import compare
    from simulator.scenario.load import load_scenario

    imported = time.perf_counter()
    comparison = compare([load_scenario(s) for s in SCENARIOS])
    evaluated = time.perf_counter()
    drawing = [0.0, 0]
    add = page._Images.add

    def timed_add(self: page._Images, fig: object) -> str:
        begin = time.perf_counter()
        out = add(self, fig)
        drawing[0] += time.perf_counter() - begin
        drawing[1] += 1
        return out

    page._Images.add = timed_add  # type: ignore[method-assign]
    page.to_html(comparison.results, comparison=comparison)
    done = time.perf_counter()
    print(
        f"in one process: imports {imported - start:.2f} s, both scenarios {evaluated - imported:.2f} s, "
        f"page {done - evaluated:.2f} s, of which {drawing[1]} images drawn in {drawing[0]:.2f} s "
        "(their PNG encoding runs on a second thread)"
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
