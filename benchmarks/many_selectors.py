"""A scenario of 10,000 exemption selectors on 1M rows: loading it, and the whole run against Polars.

    python benchmarks/many_selectors.py [--rows 1e6] [--selectors 10000] [--repeat 5] [--baseline ../before]

The dataset is end_to_end.py's BACI-shaped Parquet (200 exporters, about 5,000 HS6 codes, 10 files).
The scenario: 3 layers, and N exemptions of the reciprocal layer, each on one HS prefix (2, 4 or 6
digits, drawn from the table's codes, so several exemptions may name the same prefix) with a share
between 50% and 100%. Rows:

- scenario load: `load_scenario` in this process, median of `--repeat`;
- whole processes, alternating, medians: `tariffsim run --format json` against a Polars script that
  reads the importer's rows, sums them per HS code and applies the rules per code in Python (the best
  share per layer and prefix found once, so its cost does not grow with the selectors). Both print the
  total duty; the benchmark checks they agree.

With `--baseline`, the same run and load in a checkout of an earlier commit, alternating with this one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from end_to_end import DATA, POLARS_SUMS, dataset, timed

POLARS = (
    """
import json, sys
rules = json.load(open(sys.argv[2]))
best = {}
for prefix, share, layers in rules["exemptions"]:
    for name in layers:
        best[(name, prefix)] = max(share, best.get((name, prefix), 0.0))
lengths = sorted({len(p) for p, _, _ in rules["exemptions"]})
"""
    + POLARS_SUMS
    + """
total = 0.0
for hs, value, base in frame.iter_rows():
    rate = 0.0
    for name, r, prefixes in rules["layers"]:
        if prefixes and not any(hs.startswith(p) for p in prefixes):
            continue
        rate += r * (1 - max((best.get((name, hs[:k]), 0.0) for k in lengths), default=0.0))
    total += base + value * rate
print(json.dumps({"duty_usd": total}))
"""
)

LOAD = """
import statistics, sys, time
from simulator.scenario.load import load_scenario
runs = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    load_scenario(sys.argv[1])
    runs.append(time.perf_counter() - start)
print(statistics.median(runs))
"""


def scenario_files(rows: int, selectors: int) -> tuple[Path, Path, Path]:
    """The dataset's files, and a scenario of `selectors` exemptions with its rules for the Polars script."""
    files, _, _ = dataset(rows)
    root = files.parent
    yaml_file, rules_file = root / f"selectors_{selectors}.yaml", root / f"selectors_{selectors}.json"
    if not yaml_file.exists():
        import pyarrow.parquet as pq

        codes = np.unique(np.asarray(pq.read_table(files / "part-0.parquet", columns=["hs"])["hs"].to_pylist(), str))
        rng = np.random.default_rng(7)
        picks = [str(c)[: rng.choice([2, 4, 6])] for c in rng.choice(codes, selectors)]
        shares = rng.uniform(0.5, 1.0, selectors)
        layers = [("fentanyl", 0.20, []), ("reciprocal", 1.25, []), ("section232", 0.25, ["72", "73", "76"])]
        lines = ["name: selectors", "importer: USA", "trade: flows", "layers:"]
        for name, rate, prefixes in layers:
            hs = f", hs: [{', '.join(repr(p) for p in prefixes)}]" if prefixes else ""
            lines.append(f"  - {{name: {name}, rate: {rate * 100:g}%{hs}}}")
        lines.append("exemptions:")
        lines += [
            f"  - {{name: e{i}, layers: [reciprocal], hs: ['{p}'], share: {s * 100:.12g}%}}"
            for i, (p, s) in enumerate(zip(picks, shares, strict=True))
        ]
        yaml_file.write_text("\n".join(lines) + "\n")
        rules = {
            "layers": [[n, r, p] for n, r, p in layers],
            "exemptions": [[p, float(s), ["reciprocal"]] for p, s in zip(picks, shares, strict=True)],
        }
        rules_file.write_text(json.dumps(rules))
    return files, yaml_file, rules_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--selectors", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit, run alternately")
    options = parser.parse_args()
    files, scenario, rules = scenario_files(int(options.rows), options.selectors)
    scripts = DATA / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    (scripts / "polars_selectors.py").write_text(POLARS)
    (scripts / "load_scenario.py").write_text(LOAD)
    py = sys.executable
    trees = {"this": Path(__file__).resolve().parents[1]}
    if options.baseline:
        trees["baseline"] = options.baseline.resolve()

    def in_tree(tree: Path, args: list[str]) -> list[str]:
        return ["env", f"PYTHONPATH={tree}", py, *args]

    jobs = {
        f"tariffsim run ({name})": in_tree(tree, ["-m", "simulator", "run", str(scenario), "--format", "json"])
        for name, tree in trees.items()
    }
    jobs["Polars script"] = [py, str(scripts / "polars_selectors.py"), str(files), str(rules)]
    results: dict[str, list[tuple[float, float, float]]] = {k: [] for k in jobs}
    for _ in range(options.repeat):  # alternate, so a busy moment hurts every contender alike
        for name, command in jobs.items():
            results[name].append(timed(command))
    loads = {
        name: float(
            subprocess.run(
                in_tree(tree, [str(scripts / "load_scenario.py"), str(scenario), str(options.repeat)]),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for name, tree in trees.items()
    }
    polars = statistics.median(r[0] for r in results["Polars script"])
    reference = results["Polars script"][0][2]
    print(f"{int(options.rows):,} rows, {options.selectors:,} selectors; medians of {options.repeat} alternating runs")
    print(f"{'job':28} {'seconds':>8} {'peak MB':>8} {'vs Polars':>10}  duty (USD)")
    for name, runs in results.items():
        seconds, peak, duty = (statistics.median(r[i] for r in runs) for i in range(3))
        agree = "agrees" if abs(duty - reference) <= 1e-9 * abs(reference) else f"DIFFERS from {reference:.6e}"
        print(f"{name:28} {seconds:8.2f} {peak:8.0f} {seconds / polars:9.2f}x  {duty:.6e} {agree}")
    for name, seconds in loads.items():
        print(f"scenario load ({name}){'':10} {seconds:8.3f} s in process (median of {options.repeat}); target 0.3 s")
    print(time.strftime("measured %Y-%m-%d %H:%M"))


if __name__ == "__main__":
    main()
