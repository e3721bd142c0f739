"""`tariffsim run` on Parquet datasets against DuckDB and Polars scripts, at two sizes and both ways of
storing text: the fixed cost, the cost per extra million rows, and peak memory (issue 27).

    python benchmarks/parquet_slope.py [--rows 1e7,3e7] [--repeat 5] [--baseline ../before]

The datasets and scripts are those of end_to_end.py (BACI-shaped, 10 files, 3 layers and 131
exemption selectors), written once with text columns dictionary-encoded (as pandas, DuckDB, Polars
and pyarrow write them) and once as plain strings. Every process of a size and encoding runs
alternately with the others (medians of `--repeat`); every contender's total duty is checked equal.
The slope is (seconds at the larger size - seconds at the smaller) / the millions of rows between.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from end_to_end import DATA, DUCKDB, POLARS, dataset, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="1e7,3e7", help="two sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="an earlier checkout, run with this venv's python")
    args = parser.parse_args()
    sizes = [int(float(x)) for x in args.rows.split(",")]
    scripts = DATA / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    (scripts / "duckdb_job.py").write_text(DUCKDB)
    (scripts / "polars_job.py").write_text(POLARS)
    py = sys.executable
    here = Path(__file__).resolve().parent.parent

    def tariffsim(tree: Path) -> list[str]:
        return [py, "-c", f"import sys; sys.path.insert(0, {str(tree)!r}); from simulator.cli import main; main()"]

    trees = {"tariffsim run": here, **({"tariffsim run, baseline": args.baseline.resolve()} if args.baseline else {})}
    table: dict[tuple[str, str], dict[int, tuple[float, float]]] = {}
    for plain in (False, True):
        encoding = "plain strings" if plain else "dictionary"
        for rows in sizes:
            files, scenario, rules = dataset(rows, plain)
            jobs = {
                **{name: [*tariffsim(tree), "run", str(scenario), "--format", "json"] for name, tree in trees.items()},
                "DuckDB script": [py, str(scripts / "duckdb_job.py"), str(files), str(rules)],
                "Polars script": [py, str(scripts / "polars_job.py"), str(files), str(rules)],
            }
            runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in jobs}
            for _ in range(args.repeat):
                for name, command in jobs.items():
                    runs[name].append(timed(command))
            reference = runs["DuckDB script"][0][2]
            for name, got in runs.items():
                duty = got[0][2]
                if abs(duty - reference) > 1e-9 * abs(reference):
                    raise SystemExit(f"{name} on {rows:,} rows ({encoding}): duty {duty:.6e}, DuckDB's {reference:.6e}")
                seconds = statistics.median(r[0] for r in got)
                peak = statistics.median(r[1] for r in got)
                table.setdefault((encoding, name), {})[rows] = (seconds, peak)
                print(f"{encoding:14} {rows:>11,} rows  {name:26} {seconds:6.2f} s {peak:6.0f} MB", flush=True)
    small, large = sizes[0], sizes[-1]
    millions = (large - small) / 1e6
    print(f"\nmedians of {args.repeat}; slope = seconds per extra million rows from {small:,} to {large:,}")
    print(
        f"{'encoding':14} {'job':26} {'fixed s':>8} {'s/M rows':>9} {'slope/DuckDB':>13} {'at large/DuckDB':>16} {'MB/DuckDB':>10}"
    )
    for (encoding, name), by_size in table.items():
        duck = table[(encoding, "DuckDB script")]
        slope = (by_size[large][0] - by_size[small][0]) / millions
        duck_slope = (duck[large][0] - duck[small][0]) / millions
        fixed = by_size[small][0] - slope * small / 1e6
        print(
            f"{encoding:14} {name:26} {fixed:8.2f} {slope:9.4f} {slope / duck_slope:12.2f}x"
            f" {by_size[large][0] / duck[large][0]:15.2f}x {by_size[large][1] / duck[large][1]:9.2f}x"
        )
    print(
        "\ntargets (issue 27): slope no more than 1.3x DuckDB's; at the larger size no more than 1.5x; memory no more than 2x"
    )


if __name__ == "__main__":
    main()
