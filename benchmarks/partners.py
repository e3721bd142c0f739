"""Whole processes on the all-partner table, and the China scenarios beside an earlier tariffsim.

    python benchmarks/partners.py                        # this checkout only
    python benchmarks/partners.py --baseline ../before   # also a checkout of an earlier commit

Each command runs as its own process (what a user waits for), alternating between this checkout and
the baseline so machine load falls on both alike; the median wall time and the median peak resident
memory (the process's own maxrss, from wait4) of `--repeat` runs are printed side by side. The
table cache is turned off for cold runs and pointed at a private temporary folder for warm runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ALL_PARTNERS = str(HERE / "benchmarks" / "scenarios" / "all_partners_10_layers.yaml")  # 10 layers, 12 exemptions
FORTY_DATES = str(HERE / "benchmarks" / "scenarios" / "all_partners_40_dates.yaml")  # the same, 40 change dates
BUNDLED_PATH = "paths/us_ieepa_all_partners_2025"
WORLD = "paths/us_all_partners"  # the US record to 2026-11-10: 15 layers, 9 exemptions, 34 change dates
CHINA = ["exempt_chips", "china_125", "us_electronics_exemption"]


def run_once(tree: Path, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `python -m simulator ARGS` process in `tree`."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", *args],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{' '.join(args)} failed in {tree}: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}"
        )
    return seconds, usage.ru_maxrss / 1024


def measure(
    trees: dict[str, Path], args: list[str], env: dict[str, str], repeat: int
) -> dict[str, tuple[float, float]]:
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for _ in range(repeat):
        for name, tree in trees.items():
            samples[name].append(run_once(tree, args, env))
    return {
        name: (statistics.median(s for s, _ in runs), statistics.median(m for _, m in runs))
        for name, runs in samples.items()
    }


def compared(
    description: str, repeat: int = 5, more: Callable[[argparse.ArgumentParser], None] | None = None
) -> tuple[argparse.Namespace, dict[str, Path]]:
    """The options `--repeat`, `--baseline` (a checkout of an earlier commit, run alternately with this
    one) and any `more` adds, and the trees to run in."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit, run alternately")
    if more is not None:
        more(parser)
    options = parser.parse_args()
    return options, {"this": HERE} | ({"baseline": options.baseline.resolve()} if options.baseline else {})


@contextlib.contextmanager
def private_cache(**extra: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """A private (0700) temporary folder, and the environment that points tariffsim's table cache there."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o700)
        yield Path(folder), {**os.environ, "TARIFFSIM_CACHE_DIR": str(Path(folder) / "tariffsim"), **extra}


def measure_cases(
    trees: dict[str, Path],
    cases: list[tuple[str, list[str]]],
    env: dict[str, str],
    repeat: int,
    warm: list[str] | None = None,
) -> list[tuple[str, str, float, float]]:
    """(label, tree, median s, median peak MB) for each (label, args) case in each tree, after one run
    left unmeasured (of `warm`'s args, else the case's own) that fills the table cache."""
    rows = []
    for label, args in cases:
        for tree in trees.values():
            run_once(tree, warm or args, env)
        for name, (seconds, peak) in measure(trees, args, env, repeat).items():
            rows.append((label, name, seconds, peak))
    return rows


def print_rows(rows: list[tuple[str, str, float, float]], width: int = 52) -> None:
    print(f"{'command':{width}} {'tree':9} {'median s':>9} {'peak MB':>8}")
    for label, name, seconds, peak in rows:
        print(f"{label:{width}} {name:9} {seconds:9.3f} {peak:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit, for the China rows")
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    cold = {**os.environ, "TARIFFSIM_CACHE": "off"}
    with tempfile.TemporaryDirectory() as cache:
        os.chmod(cache, 0o700)
        warm = {**os.environ, "TARIFFSIM_CACHE_DIR": str(Path(cache) / "tariffsim")}
        rows: list[tuple[str, str, float, float]] = []
        trees = {"this": HERE} | ({"baseline": options.baseline.resolve()} if options.baseline else {})
        for label, args, env, where in (
            ("run all_partners_10_layers (cold)", ["run", ALL_PARTNERS], cold, trees),
            ("run all_partners_10_layers (warm cache)", ["run", ALL_PARTNERS], warm, trees),
            ("run all_partners_40_dates (timeline of 40)", ["run", FORTY_DATES], warm, trees),
            (f"run {BUNDLED_PATH}", ["run", BUNDLED_PATH], warm, trees),
            (f"run {WORLD} --date 2026-12-02", ["run", WORLD, "--date", "2026-12-02"], warm, trees),
            (f"run {WORLD} --date 2025-04-10", ["run", WORLD, "--date", "2025-04-10"], warm, trees),
        ):
            for tree in where.values():
                run_once(tree, args, env)  # fills the cache for warm runs
            for name, (s, m) in measure(where, args, env, options.repeat).items():
                rows.append((label, name, s, m))
        for scenario in CHINA:
            for env_name, env in (("cold", cold), ("warm", warm)):
                for tree in trees.values():
                    run_once(tree, ["run", scenario], env)
                for name, (s, m) in measure(trees, ["run", scenario], env, options.repeat).items():
                    rows.append((f"run {scenario} ({env_name})", name, s, m))
    print(f"{'command':52} {'tree':9} {'median s':>9} {'peak MB':>8}")
    for label, name, s, m in rows:
        print(f"{label:52} {name:9} {s:9.3f} {m:8.0f}")


if __name__ == "__main__":
    main()
