"""The two Parquet reducers (data.duck with DuckDB, data.reduce with pyarrow) give the same sums per key,
or both leave the table to the slow path that names bad rows."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

row = st.fixed_dictionaries(
    {
        "exporter": st.sampled_from(["CHN", "VNM", "MEX"]),
        "importer": st.sampled_from(["USA", "USA", "CHN"]),
        "hs": st.sampled_from(["8542", "854231", "0201", "020130"]),
        "category": st.sampled_from(["Chips", "Meat"]),
        "value_usd": st.sampled_from([0.0, 1.0, 2.5, 1e6]),
        "base_rate": st.sampled_from([0.0, 0.025, 0.1]),
        "source": st.sampled_from([None, "census_hs10", "estimate_2017_shares"]),
        "elasticity": st.sampled_from([None, -1.5, -2.5]),
    }
)
# at most one bad cell a table: each must send both reducers the slow way, or neither
BAD = [
    ("exporter", "chn"),
    ("importer", " USA"),
    ("importer", None),
    ("hs", "854"),
    ("hs", None),
    ("hs", "85a2"),
    ("hs", "\uff18\uff15"),
    ("category", " "),
    ("category", None),
    ("value_usd", -1.0),
    ("value_usd", math.inf),
    ("value_usd", None),
    ("value_usd", math.nan),
    ("value_usd", -math.inf),
    ("base_rate", 11.0),
    ("base_rate", 3.0),
    ("base_rate", -0.5),
    ("base_rate", math.inf),
    ("base_rate", None),
    ("base_rate", math.nan),
]


def write(
    root: Path, rows: list[dict[str, object]], files: int, plain: bool, drop: list[str], statistics: bool = True
) -> None:
    """Parquet files, with or without statistics (data.duck trusts what they prove, and checks the rest)."""
    frame = pd.DataFrame(rows).drop(columns=drop)
    for i in range(files):
        table = pa.Table.from_pandas(frame.iloc[i::files], preserve_index=False)
        if not plain:
            table = pa.table(
                {
                    n: table[n].dictionary_encode() if pa.types.is_string(table[n].type) else table[n]
                    for n in table.column_names
                }
            )
        pq.write_table(table, root / f"part-{i}.parquet", use_dictionary=not plain, write_statistics=statistics)


def reduced(root: Path, monkeypatch: pytest.MonkeyPatch, use_duckdb: bool, **direction: object) -> pd.DataFrame | None:
    import simulator.data.duck as duck
    from simulator.data.reduce import read_reduced

    with monkeypatch.context() as m:
        if not use_duckdb:
            m.setattr(duck, "duckdb_module", lambda: None)
        got = read_reduced(root, **direction)  # type: ignore[arg-type]
    if got is None:
        return None
    keys = [c for c in ("hs", "category", "base_rate", "elasticity", "source") if c in got]
    return got.sort_values(keys, ignore_index=True, na_position="first")[sorted(got.columns)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(row, min_size=1, max_size=12),
    bad=st.none() | st.tuples(st.sampled_from(BAD), st.integers(0, 11)),
    files=st.sampled_from([1, 2]),
    plain=st.booleans(),
    responds=st.booleans(),
    exporter=st.sampled_from([None, "CHN"]),
    drop=st.lists(st.sampled_from(["base_rate", "source", "elasticity"]), unique=True),
    statistics=st.booleans(),
)
def test_duckdb_and_pyarrow_reducers_agree(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, object]],
    files: int,
    plain: bool,
    responds: bool,
    exporter: str | None,
    drop: list[str],
    statistics: bool,
    bad: tuple[tuple[str, object], int] | None,
) -> None:
    if bad is not None:
        (column, value), at = bad
        rows = [dict(r) for r in rows]
        rows[at % len(rows)][column] = value
    root = tmp_path_factory.mktemp("ds")
    write(root, rows, files, plain, drop, statistics)
    direction = {"importer": "USA", "exporter": exporter, "responds": responds}
    arrow = reduced(root, monkeypatch, False, **direction)
    duck = reduced(root, monkeypatch, True, **direction)
    assert (arrow is None) == (duck is None)
    if arrow is not None and duck is not None:
        pd.testing.assert_frame_equal(duck, arrow, rtol=1e-12, check_dtype=False)


def test_the_duckdb_reducer_is_the_one_taken(tmp_path: Path) -> None:
    """With DuckDB installed, a plain dataset is summed by it (not silently by pyarrow)."""
    from simulator.data.duck import summed_lines
    from simulator.data.parquet import open_dataset

    rows = [{"exporter": "CHN", "importer": "USA", "hs": "8542", "category": "Chips", "value_usd": 10.0}]
    write(tmp_path, rows * 3, 1, True, [])
    got = summed_lines(open_dataset(tmp_path), "USA", None, False, None)
    assert got is not None and got["value_usd"].tolist() == [30.0]


def test_hive_folders_are_left_to_pyarrow(tmp_path: Path) -> None:
    from simulator.data.duck import summed_lines
    from simulator.data.parquet import open_dataset

    (tmp_path / "importer=USA").mkdir()
    rows = [{"exporter": "CHN", "hs": "8542", "category": "Chips", "value_usd": 10.0}]
    write(tmp_path / "importer=USA", rows, 1, True, [])
    assert summed_lines(open_dataset(tmp_path), "USA", None, False, None) is None


CLEAN = [
    {"exporter": "CHN", "importer": "USA", "hs": "8542", "category": "Chips", "value_usd": 10.0, "base_rate": 0.1},
    {"exporter": "VNM", "importer": "USA", "hs": "0201", "category": "Meat", "value_usd": 5.0, "base_rate": 0.0},
    {"exporter": "MEX", "importer": "USA", "hs": "854231", "category": "Chips", "value_usd": 1.0, "base_rate": 0.025},
    {"exporter": "USA", "importer": "CHN", "hs": "8542", "category": "Chips", "value_usd": 7.0, "base_rate": 0.1},
]


@pytest.mark.parametrize("statistics", [True, False], ids=["statistics", "no statistics"])
@pytest.mark.parametrize("plain", [False, True], ids=["dictionary", "plain"])
@pytest.mark.parametrize(("column", "value"), BAD, ids=[f"{c}={v!r}" for c, v in BAD])
def test_each_bad_cell_sends_both_reducers_the_slow_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str, value: object, plain: bool, statistics: bool
) -> None:
    """A bad cell in the direction's rows: neither reducer sums (the slow path names the row). In another
    direction's row, only a badly written country matters (it could hide a row of the direction)."""
    direction = {"importer": "USA", "exporter": None, "responds": False}
    for at, used in ((0, True), (3, False)):
        rows = [dict(r) for r in CLEAN]
        rows[at][column] = value
        root = tmp_path / f"{at}"
        root.mkdir()
        write(root, rows, 1, plain, [], statistics)
        arrow, duck = (reduced(root, monkeypatch, d, **direction) for d in (False, True))
        refused = used or column in ("exporter", "importer")
        if column == "base_rate" and value == 3.0:  # one percent-looking rate of three positive: not refused
            refused = False
        assert (arrow is None, duck is None) == (refused, refused)


@pytest.mark.parametrize("plain", [False, True], ids=["dictionary", "plain"])
def test_base_rates_written_in_percent_send_both_reducers_the_slow_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plain: bool
) -> None:
    """Most positive base rates at 1 or more (3 meaning 3%): the slow path says so, for both reducers."""
    rows = [dict(r, base_rate=rate) for r, rate in zip(CLEAN, [3.0, 0.0, 2.5, 0.1], strict=True)]
    write(tmp_path, rows, 1, plain, [])
    direction = {"importer": "USA", "exporter": None, "responds": False}
    assert [reduced(tmp_path, monkeypatch, d, **direction) for d in (False, True)] == [None, None]


def test_duckdb_draws_no_progress_bar_on_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB draws a progress bar on stdout for a query longer than 2 s, into `--format json` output
    (seen at 30M rows). Every query that reads the files must run with the bar off, even where a
    connection starts with it on."""
    import duckdb

    from simulator.data.duck import summed_lines
    from simulator.data.parquet import open_dataset

    real = duckdb.connect
    seen: list[object] = []

    class Watched:
        def __init__(self, con: object) -> None:
            self.con = con

        def __enter__(self) -> Watched:
            return self

        def __exit__(self, *exc: object) -> None:
            self.con.close()  # type: ignore[attr-defined]

        def execute(self, query: str, *args: object) -> object:
            if "read_parquet" in query:
                seen.append(self.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0])  # type: ignore[attr-defined]
            return self.con.execute(query, *args)  # type: ignore[attr-defined]

    def eager(*args: object, **kwargs: object) -> Watched:
        con = real(*args, **kwargs)  # type: ignore[arg-type]
        con.execute("SET enable_progress_bar = true")
        return Watched(con)

    monkeypatch.setattr(duckdb, "connect", eager)
    write(tmp_path, CLEAN, 1, True, [])
    assert summed_lines(open_dataset(tmp_path), "USA", None, False, None) is not None
    assert seen == [False, False]


def test_statistics_prove_what_they_can_and_no_more(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clean files with statistics need no check aggregate and no scan of a one-country importer; the
    same rows without statistics are checked in full; both give the same sums. A file lacking a column
    proves nothing of it (its rows read as nulls), and neither does a negative value elsewhere."""
    import simulator.data.duck as duck
    from simulator.data.parquet import open_dataset

    rows = [r for r in CLEAN if r["importer"] == "USA"]
    value, base = "CAST(value_usd AS DOUBLE)", "CAST(base_rate AS DOUBLE)"
    names = {"exporter", "importer", "hs", "category", "value_usd", "base_rate"}
    sums = []
    for statistics, checks, scanned in ((True, 0, ["exporter"]), (False, 5, ["exporter", "importer"])):
        root = tmp_path / str(statistics)
        root.mkdir()
        write(root, rows, 2, False, [], statistics)
        fragments = list(open_dataset(root).get_fragments())
        assert len(duck._checks(fragments, names, value, base)) == checks
        assert [c for c in ("exporter", "importer") if not duck._one_country(fragments, c)] == scanned
        sums.append(reduced(root, monkeypatch, True, importer="USA", exporter=None, responds=False))
    assert sums[0] is not None and sums[1] is not None
    pd.testing.assert_frame_equal(sums[0], sums[1])

    percent = tmp_path / "percent"  # a base rate of 1 or more: the counts are kept, the bounds proven
    percent.mkdir()
    write(percent, [dict(rows[0], base_rate=2.0)], 1, False, [])
    kept = duck._checks(list(open_dataset(percent).get_fragments()), names, value, base)
    assert [c.rsplit(" AS ", 1)[1] for c in kept] == ["positive", "at_least_one"]

    mixed = tmp_path / "mixed"  # base_rate in one file only
    mixed.mkdir()
    pq.write_table(pa.Table.from_pylist(rows[:1]), mixed / "a.parquet")
    pq.write_table(pa.Table.from_pylist([{k: v for k, v in rows[1].items() if k != "base_rate"}]), mixed / "b.parquet")
    assert duck._bounds(list(open_dataset(mixed).get_fragments()), "base_rate") is None
    assert reduced(mixed, monkeypatch, True, importer="USA", exporter=None, responds=False) is None

    negative = tmp_path / "negative"  # a negative value in another direction's row: checked, not refused
    negative.mkdir()
    write(negative, [*rows, dict(CLEAN[3], value_usd=-1.0)], 1, False, [])
    fragments = list(open_dataset(negative).get_fragments())
    assert "least_value" in " ".join(duck._checks(fragments, names, value, base))
    assert reduced(negative, monkeypatch, True, importer="USA", exporter=None, responds=False) is not None


@pytest.mark.parametrize("column", ["value_usd", "base_rate"])
def test_a_real_nan_is_refused_though_statistics_leave_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str
) -> None:
    """Written as NaN, not null (pandas would write null): Parquet statistics skip it, so the bounds look
    clean; the non-finite sum still sends both reducers the slow way."""
    rows = [dict(r) for r in CLEAN]
    table = pa.Table.from_pylist(rows)
    numbers = table[column].to_pylist()
    numbers[0] = math.nan
    table = table.set_column(table.schema.get_field_index(column), column, pa.array(numbers, pa.float64()))
    assert table[column].null_count == 0
    pq.write_table(table, tmp_path / "part-0.parquet")
    direction = {"importer": "USA", "exporter": None, "responds": False}
    assert [reduced(tmp_path, monkeypatch, d, **direction) for d in (False, True)] == [None, None]


def test_bounds_with_nan_or_a_null_prove_nothing() -> None:
    """Statistics from a writer that ranks NaN (min or max NaN) or counts a null prove no bound; clean
    ones give the least and greatest over every row group of every file."""
    from types import SimpleNamespace as Fake

    from simulator.data.duck import _bounds

    def fragment(*groups: tuple[float, float, int]) -> Fake:
        def group(low: float, high: float, nulls: int) -> Fake:
            stats = Fake(has_null_count=True, null_count=nulls, has_min_max=True, min=low, max=high)
            return Fake(
                num_columns=1, column=lambda j: Fake(path_in_schema="value_usd", is_stats_set=True, statistics=stats)
            )

        metadata = Fake(num_row_groups=len(groups), row_group=lambda g: group(*groups[g]))
        return Fake(physical_schema=pa.schema([("value_usd", pa.float64())]), metadata=metadata)

    assert _bounds([fragment((0.0, 5.0, 0), (1.0, 9.0, 0)), fragment((2.0, 3.0, 0))], "value_usd") == (0.0, 9.0)
    assert _bounds([fragment((0.0, 5.0, 0)), fragment((math.nan, 3.0, 0))], "value_usd") is None
    assert _bounds([fragment((0.0, math.nan, 0))], "value_usd") is None
    assert _bounds([fragment((0.0, 5.0, 1))], "value_usd") is None
    assert _bounds([fragment((0.0, 5.0, 0))], "base_rate") is None  # no such column
