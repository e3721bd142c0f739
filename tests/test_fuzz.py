"""Fuzz: mutated bundled scenarios and tables never give a traceback, a hang, or an impossible number.

Hypothesis mutates the text of real scenario files (lines dropped, doubled, swapped; tokens replaced
by nasty values) and the cells of a real slice of the bundled table. Every run must end within the
deadline with either exit 1 and a message, or exit 0 and totals that are finite, with duty >= 0 and
exempted value within imports.
"""

from __future__ import annotations

import json
import re
import resource
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.bundled import SCENARIOS, TRADE_TABLE
from simulator.cli import cli

NASTY = [
    "",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "inf",
    "nan",
    "NaN",
    "3%",
    "125%",
    "1000%",
    "1001%",
    "0.5",
    "1.25",
    "[]",
    "{}",
    "~",
    "null",
    "yes",
    "true",
    "'8542'",
    '"8542"',
    "8542",
    "0201",
    "[8542]",
    '["8542"]',
    "&a x",
    "*a",
    "!!python/object:os.system",
    "\t",
    "é",
    "\u202e",
    "\x00",
    "x" * 300,
    "2025-02-30",
    "2025-04-10",
    "{2025-04-10: 84%}",
    "{2025-04-10: 84}",
    "CHN",
    "USA",
    "chn",
    "Pharmaceuticals",
]
TABLE_NASTY = [
    "",
    "nan",
    "inf",
    "-inf",
    "-1",
    "1e308",
    "3%",
    "3",
    "0.03",
    "1,234",
    "1.234,5",
    "0x10",
    " 12 ",
    "201",
    "0201",
    "12a",
    "US",
    "usa",
    "ZZZ",
    "\u00a0",
    "True",
    "1e-320",
    "٣",
]
TABLE_LINES = TRADE_TABLE.read_text(encoding="utf-8").splitlines()
# a slice of real lines of both directions keeps each run fast
SLICE = [TABLE_LINES[0], *TABLE_LINES[1:40], *[line for line in TABLE_LINES if line.startswith("CHN,USA,85")][:40]]
BUNDLED = sorted(p for p in SCENARIOS.glob("*.yaml") if "trade:" not in p.read_text())


def check(result: object) -> None:
    from click.testing import Result

    assert isinstance(result, Result)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 0 and result.output.lstrip().startswith("{"):
        totals = json.loads(result.output)["totals"]
        for key, value in totals.items():
            assert value is not None and value == value and abs(value) != float("inf"), (key, value)
        assert totals["duty_usd"] >= 0 and totals["base_duty_usd"] >= 0
        assert totals["exempted_value_usd"] <= totals["import_value_usd"] * (1 + 1e-9) + 1e-6


def mutate_lines(lines: list[str], ops: list[tuple[int, int, int, str]]) -> str:
    out = list(lines)
    for kind, i, j, token in ops:
        if not out:
            break
        i %= len(out)
        j %= len(out)
        if kind == 0:
            del out[i]
        elif kind == 1:
            out.insert(j, out[i])
        elif kind == 2:
            out[i], out[j] = out[j], out[i]
        elif kind == 3:  # replace the value after a colon, or a list item
            out[i] = re.sub(r"(:\s*)(\S.*)$", lambda m, t=token: m.group(1) + t, out[i], count=1)
        else:
            words = re.split(r"(\s+|,|\[|\]|\{|\})", out[i])
            words[j % len(words)] = token
            out[i] = "".join(words)
    return "\n".join(out) + "\n"


OPS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 200), st.integers(0, 200), st.sampled_from(NASTY)), max_size=4
)
FUZZ = settings(
    max_examples=250,
    deadline=5000,  # milliseconds: "an answer within a few seconds"
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@FUZZ
@given(base=st.sampled_from(BUNDLED), ops=OPS, command=st.sampled_from(["run", "validate", "explain"]))
def test_mutated_scenarios(
    tmp_path_factory: pytest.TempPathFactory, base: Path, ops: list[tuple[int, int, int, str]], command: str
) -> None:
    directory = tmp_path_factory.mktemp("s")
    for other in SCENARIOS.glob("*.yaml"):  # extends: siblings resolve
        (directory / other.name).write_text(other.read_text(encoding="utf-8"), encoding="utf-8")
    path = directory / base.name
    path.write_text(mutate_lines(base.read_text(encoding="utf-8").splitlines(), ops), encoding="utf-8")
    args = [command, str(path)] + (["--format", "json"] if command == "run" else [])
    started = time.perf_counter()
    check(CliRunner().invoke(cli, args))
    assert time.perf_counter() - started < 5


CELLS = st.lists(st.tuples(st.integers(0, len(SLICE) - 2), st.integers(0, 7), st.sampled_from(TABLE_NASTY)), max_size=3)


@FUZZ
@given(cells=CELLS, scenario=st.sampled_from(["china_125", "exempt_131", "us_electronics_exemption"]))
def test_mutated_tables(
    tmp_path_factory: pytest.TempPathFactory, cells: list[tuple[int, int, str]], scenario: str
) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(SLICE))))
    for row, column, value in cells:
        rows[1 + row][column] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    check(CliRunner().invoke(cli, ["run", scenario, "--trade", str(path), "--format", "json"]))


CSV_NASTY = ['"', ",", ",,", "8542,0,25", "hs,rate", "", "rate", "25", "1e9%", "-1%", "nan", "2025-13-01", "é", "\x00"]
CSV_OPS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 90), st.integers(0, 90), st.sampled_from(CSV_NASTY)), max_size=4
)


@settings(
    max_examples=100,
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(ops=CSV_OPS, command=st.sampled_from(["run", "validate"]))
def test_mutated_rate_tables(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[int, int, int, str]], command: str
) -> None:
    """A real rate table (Section 232 copper) with lines dropped, doubled, swapped and cells replaced
    by quotes, extra fields and bad values: a message or a sound result, never a traceback."""
    directory = tmp_path_factory.mktemp("r")
    (directory / "paths").mkdir()
    (directory / "measures").mkdir()
    path = directory / "paths" / "us_on_china_escalation.yaml"
    path.write_text((SCENARIOS / "paths" / "us_on_china_escalation.yaml").read_text(encoding="utf-8"))
    for table in (SCENARIOS / "measures").glob("*.csv"):
        (directory / "measures" / table.name).write_text(table.read_text(encoding="utf-8"), encoding="utf-8")
    copper = directory / "measures" / "us_section232_copper.csv"
    lines = copper.read_text(encoding="utf-8").splitlines()
    out = list(lines)
    for kind, i, j, token in ops:
        i, j = i % len(out), j % len(out)
        if kind == 0 and len(out) > 1:
            del out[i]
        elif kind == 1:
            out.insert(j, out[i])
        elif kind == 2:
            out[i], out[j] = out[j], out[i]
        else:
            cells = out[i].split(",")
            cells[j % len(cells)] = token
            out[i] = ",".join(cells)
    copper.write_text("\n".join(out) + "\n", encoding="utf-8")
    args = [command, str(path)] + (["--format", "json"] if command == "run" else [])
    check(CliRunner().invoke(cli, args))


def test_memory_stayed_bounded() -> None:
    """Run after the fuzzers in this module: the whole test process stayed under 3 GB."""
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 3000, peak_mb
