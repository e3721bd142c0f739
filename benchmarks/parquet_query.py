"""Where a Parquet run's per-row time goes, in process: tariffsim's DuckDB reduction beside a baseline
checkout's, then DuckDB alone on the pieces of its work (issue 27).

    python benchmarks/parquet_query.py [--rows 3e7] [--repeat 4] [--baseline ../before]

The dataset is end_to_end.py's (BACI-shaped, 10 files), dictionary-encoded and with plain strings.
First `data.duck.summed_lines` (the query and its checks, what a run pays per row) in one process per
tree, the trees taking turns, best of `--repeat` each; both must return the same sums. Then, in this
process, queries taking turns: the DuckDB script's own (sum per HS code), grouped by HS code and
category as tariffsim must, the same with every check's aggregate (what the files' statistics now
spare), and the countries' distinct values as pairs and a column at a time. Whole processes are
`parquet_slope.py`'s job; the slope there is a difference of two medians and moves with the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from end_to_end import dataset

REDUCE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from simulator.data.duck import summed_lines
from simulator.data.parquet import open_dataset
found = open_dataset(Path(sys.argv[2]))
best, total = float("inf"), None
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    out = summed_lines(found, "USA", None, False, None)
    best = min(best, time.perf_counter() - start)
    total = float(out["value_usd"].sum() + out["base_duty_usd"].sum())
print(json.dumps({"seconds": best, "total": total}))
"""

VALUE, BASE = "CAST(value_usd AS DOUBLE)", "CAST(base_rate AS DOUBLE)"
SOURCE = "read_parquet($files, union_by_name = true)"
CHECKS = (
    f"min(coalesce({VALUE}, -1.0)), min(coalesce({BASE}, -1.0)), max({BASE}),"
    f" count(*) FILTER (WHERE {BASE} > 0), count(*) FILTER (WHERE {BASE} >= 1)"
)
QUERIES = {
    "the DuckDB script's: sum per HS code": f"SELECT hs, sum({VALUE}), sum({VALUE} * {BASE}) FROM {SOURCE} WHERE importer = 'USA' GROUP BY 1",
    "per HS code and category": f"SELECT hs, category, sum({VALUE}), sum({VALUE} * {BASE}) FROM {SOURCE} WHERE importer = 'USA' GROUP BY 1, 2",
    "... with every check's aggregate": f"SELECT hs, category, sum({VALUE}), sum({VALUE} * {BASE}), {CHECKS} FROM {SOURCE} WHERE importer = 'USA' GROUP BY 1, 2",
    "countries: distinct pairs": f"SELECT DISTINCT exporter, importer FROM {SOURCE}",
    "countries: a column at a time": f"SELECT DISTINCT exporter FROM {SOURCE} UNION ALL SELECT DISTINCT importer FROM {SOURCE}",
    "countries: exporters alone": f"SELECT DISTINCT exporter FROM {SOURCE}",
}


def reduced(tree: Path, files: Path, repeat: int) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, "-c", REDUCE, str(tree), str(files), str(repeat)], capture_output=True, text=True
    )
    if run.returncode:
        raise SystemExit(f"{tree}: {run.stderr.strip()[-600:]}")
    return dict(json.loads(run.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="3e7")
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--baseline", type=Path, help="an earlier checkout, run with this venv's python")
    args = parser.parse_args()
    import duckdb

    rows = int(float(args.rows))
    here = Path(__file__).resolve().parent.parent
    trees = {"this": here, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    for plain in (False, True):
        encoding = "plain strings" if plain else "dictionary"
        files = dataset(rows, plain)[0]
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for _ in range(2):
            for name, tree in trees.items():
                runs[name].append(reduced(tree, files, args.repeat))
        totals = {r["total"] for got in runs.values() for r in got}
        if max(totals) - min(totals) > 1e-9 * max(totals):
            raise SystemExit(f"the trees' sums differ on {encoding}: {sorted(totals)}")
        for name, got in runs.items():
            each = ", ".join(f"{r['seconds']:.3f}" for r in got)
            print(f"{encoding:14} {rows:>11,} rows  summed_lines, {name:9} best of {args.repeat}: {each} s", flush=True)
        paths = [str(p) for p in sorted(files.glob("*.parquet"))]
        best = dict.fromkeys(QUERIES, float("inf"))
        with duckdb.connect(":memory:") as con:
            con.execute("SET enable_progress_bar = false")
            for _ in range(args.repeat):
                for name, query in QUERIES.items():
                    start = time.perf_counter()
                    con.execute(query, {"files": paths}).fetchall()
                    best[name] = min(best[name], time.perf_counter() - start)
        for name, seconds in best.items():
            print(f"{encoding:14} {rows:>11,} rows  DuckDB alone, {name:40} {seconds:.3f} s", flush=True)


if __name__ == "__main__":
    main()
