"""Read a large Parquet dataset as the engine needs it: one row per line key, checked batch by batch.

The engine only ever needs, per (HS code, category), the summed value and the summed base duty (and,
with a trade response, the base rate and elasticity, which decide how a line responds). So a Parquet
dataset is streamed in record batches: only the columns needed, only the files (hive folders) and row
groups (Parquet statistics) that can hold the scenario's direction, each batch checked (codes once per
distinct value, numbers as vectorised minima and maxima) and summed per key. Rows of other directions
are dropped by comparing each dictionary's few values, not every row's text: Arrow's row filter cost
0.2 s and 110 MB on 10M rows. Batches are read one at a time, so memory stays at a batch plus the sums.

Any batch that fails a check sends the whole table to `load_flows`, whose checks name the bad rows;
so the guarantees are the same, only the error path is slower.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.data.columns import HS_PATTERN, is_estimate
from simulator.data.duck import summed_lines
from simulator.data.parquet import countries_clean, open_dataset, pick_year
from simulator.data.validate import COUNTRY, MAX_TOTAL_USD, PERCENT_LOOKING_SHARE, estimate_rows, validate_flows

REQUIRED = ("exporter", "importer", "hs", "category", "value_usd")


class _Unclean(Exception):
    """A batch failed a check: the caller reads the table the slow way to say which rows."""


def read_reduced(
    path: Path, importer: str, exporter: str | None, responds: bool, year: int | None = None
) -> pd.DataFrame | None:
    """The direction's lines of a Parquet dataset summed per key, or None when a check fails.

    Raises FlowsError for a dataset of several years and no `year` chosen (see data.parquet).
    """
    dataset = open_dataset(path)
    if not set(REQUIRED) <= set(dataset.schema.names):
        return None
    chosen = pick_year(dataset, path, year)
    summed = summed_lines(dataset, importer, exporter, responds, chosen)  # with DuckDB, when installed
    if summed is not None:
        return key_table(summed, importer, exporter, responds)
    if not countries_clean(dataset):
        return None
    columns, condition = _scan(dataset, importer, exporter, responds, chosen)
    fragments = dataset.get_fragments(filter=condition)  # hive folders of other directions are never opened
    batches = (b for f in fragments for b in _fragment_batches(f, dataset.schema, columns, condition))
    sums = _summed(batches, responds, _wanted(importer, exporter, chosen))
    return None if sums is None else key_table(sums.lines(responds), importer, exporter, responds)


def reduce_file(
    root: str, file: str, importer: str, exporter: str | None, responds: bool, year: int | None, source: str
) -> pd.DataFrame:
    """One file of the Parquet dataset at `root`: its lines of the direction (and year) summed per key,
    for the dask engine. Hive partition folders (importer=USA/...) count as columns.

    A file that fails a check is read whole and checked the slow way, so the error names its rows
    (`source` says which file); a file that passes gives the same sums the pandas engine would.
    """
    dataset = open_dataset(Path(root))
    fragment = next(f for f in dataset.get_fragments() if f.path == file)
    columns, condition = _scan(dataset, importer, exporter, responds, year)
    clean_file = countries_clean(dataset, fragment)
    batches = _fragment_batches(fragment, dataset.schema, columns, condition)
    ready = clean_file and set(REQUIRED) <= set(columns)
    sums = _summed(batches, responds, _wanted(importer, exporter, year)) if ready else None
    if sums is not None:
        return sums.lines(responds)
    # every row of the file checked, so a badly written country is named rather than filtered away
    kept = [c for c in dataset.schema.names if c in (*columns, "year")]
    table = fragment.to_table(schema=dataset.schema, columns=kept)
    rows = validate_flows(table.to_pandas(), source)  # drops the year column: it is no column of the engine's
    mask = np.array(rows["importer"] == importer, dtype=bool)
    if exporter is not None:
        mask &= np.array(rows["exporter"] == exporter, dtype=bool)
    if year is not None:
        mask &= table["year"].to_numpy() == year
    clean = rows.loc[mask].reset_index(drop=True)
    marked = estimate_rows(clean)
    frame = pd.DataFrame(
        {
            "hs": clean["hs"].astype(str).to_numpy(dtype=object),
            "category": clean["category"].astype(str).to_numpy(dtype=object),
            "value_usd": clean["value_usd"].to_numpy(dtype=float),
            "base_duty_usd": (clean["value_usd"] * clean["base_rate"]).to_numpy(dtype=float),
            "estimated_usd": (clean["value_usd"] * (0.0 if marked is None else marked)).to_numpy(dtype=float),
        }
    )
    keys = ["hs", "category"]
    if responds:
        frame["base_rate"] = clean["base_rate"].to_numpy(dtype=float)
        frame["elasticity"] = clean["elasticity"].to_numpy(dtype=float) if "elasticity" in clean else np.nan
        keys += ["base_rate", "elasticity"]
    summed = ["value_usd", "base_duty_usd", "estimated_usd"]
    return frame.groupby(keys, as_index=False, sort=False, dropna=False)[summed].sum()


def _scan(dataset: Any, importer: str, exporter: str | None, responds: bool, year: int | None) -> tuple[list[str], Any]:
    """The columns the engine needs that the dataset has, and the filter pushed down to the reader."""
    import pyarrow.dataset as ds

    names = set(dataset.schema.names)
    wanted = [*REQUIRED, "base_rate", "source", *(["elasticity"] if responds else [])]
    condition = ds.field("importer") == importer
    if exporter is not None:
        condition = condition & (ds.field("exporter") == exporter)
    if year is not None:
        condition = condition & (ds.field("year") == year)
    if year is not None and "year" in names:
        wanted.append("year")
    return [c for c in wanted if c in names], condition


def _wanted(importer: str, exporter: str | None, year: int | None) -> dict[str, object]:
    """The column values a row of the direction has."""
    out: dict[str, object] = {"importer": importer}
    if exporter is not None:
        out["exporter"] = exporter
    if year is not None:
        out["year"] = year
    return out


def _fragment_batches(fragment: Any, schema: Any, columns: list[str], condition: Any) -> Any:
    """One file's record batches: only its row groups whose statistics allow the direction, read one
    batch at a time (the scanner's default read-ahead held 16 batches), rows not filtered here."""
    for piece in fragment.split_by_row_group(condition, schema=schema):
        yield from piece.to_batches(
            schema=schema, columns=columns, batch_size=1 << 20, batch_readahead=1, fragment_readahead=1
        )


def _direction_rows(table: Any, wanted: dict[str, object]) -> Any:
    """The batch's rows of the direction; each dictionary column is compared on its few values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keep: np.ndarray | None = None
    for name, value in wanted.items():
        column = table[name].combine_chunks()
        if column.null_count:
            raise _Unclean  # a missing country or year: the slow path names the row
        if pa.types.is_dictionary(column.type):
            hits = np.asarray([v == value for v in column.dictionary.to_pylist()], dtype=bool)
            mask = hits[column.indices.to_numpy(zero_copy_only=False)] if len(hits) else np.zeros(len(column), bool)
        else:
            mask = pc.fill_null(pc.equal(column, pa.scalar(value)), False).to_numpy(zero_copy_only=False)
        keep = mask if keep is None else keep & mask
    if keep is None or keep.all():
        return table
    return table.filter(pa.array(keep))


def _summed(batches: Any, responds: bool, wanted: dict[str, object]) -> _Sums | None:
    """The batches checked and summed per key, or None when a check fails (the caller names the rows)."""
    import pyarrow as pa

    sums = _Sums()
    try:
        for batch in batches:
            table = _direction_rows(pa.Table.from_batches([batch]), wanted)
            if table.num_rows:
                _add_batch(table, sums, responds)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, KeyError):
        return None  # a column of the wrong type or missing: the slow path names it
    except _Unclean:
        return None
    if not sums.rows or sums.total > MAX_TOTAL_USD:
        return None
    if sums.positive and sums.at_least_one / sums.positive > PERCENT_LOOKING_SHARE:
        return None
    seen = {
        **sums.seen,
        "hs": sums.seen["hs"] | set(sums.ids["hs"]),
        "category": sums.seen["category"] | set(sums.ids["category"]),
    }
    if not all(HS_PATTERN.fullmatch(c) for c in seen["hs"]) or "" in {c.strip() for c in seen["category"]}:
        return None
    if not all(COUNTRY.fullmatch(c) for c in seen["exporter"] | seen["importer"]):
        return None
    return sums


class _Sums:
    """Running sums per key. Without a trade response the key is (HS code, category), numbered densely
    so that a batch adds with two bincounts; with one, base rate and elasticity join the key (Arrow
    group-by, the rare case)."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, int]] = {"hs": {}, "category": {}}
        self.value = np.zeros((0, 0))
        self.base_duty = np.zeros((0, 0))
        self.estimated = np.zeros((0, 0))  # value on lines the table marks as estimates (source estimate_...)
        self.count = np.zeros((0, 0))
        self.grouped: list[Any] = []
        self.seen: dict[str, set[str]] = {"hs": set(), "category": set(), "exporter": set(), "importer": set()}
        self.total = 0.0
        self.rows = self.positive = self.at_least_one = 0

    def _coded(self, name: str, column: Any) -> tuple[np.ndarray, np.ndarray]:
        """The batch's codes of `name` as (row -> dictionary position, dictionary position -> dense id)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        chunk = column.combine_chunks()
        coded = chunk if pa.types.is_dictionary(chunk.type) else pc.dictionary_encode(chunk)
        ids = self.ids[name]
        lookup = np.array([ids.setdefault(str(w), len(ids)) for w in coded.dictionary.to_pylist()], dtype=np.intp)
        return coded.indices.to_numpy(zero_copy_only=False), lookup

    def add(
        self, hs_column: Any, category_column: Any, value: np.ndarray, base_duty: np.ndarray, estimated: np.ndarray
    ) -> None:
        """Sum a batch per (dictionary position of hs, of category), then add the few cells that rows
        reached to the dense grids: no per-row gather to dense ids."""
        hs, hs_ids = self._coded("hs", hs_column)
        category, category_ids = self._coded("category", category_column)
        shape = (len(self.ids["hs"]), len(self.ids["category"]))
        if shape != self.value.shape:  # new codes: grow the grids, keeping what they hold
            grow = ((0, shape[0] - self.value.shape[0]), (0, shape[1] - self.value.shape[1]))
            self.value, self.base_duty, self.estimated, self.count = (
                np.pad(x, grow) for x in (self.value, self.base_duty, self.estimated, self.count)
            )
        width = max(len(category_ids), 1)
        cell = np.multiply(hs, width, dtype=np.intp)
        cell += category
        size = len(hs_ids) * width
        count = np.bincount(cell, minlength=size)
        reached = np.flatnonzero(count)
        at = (hs_ids[reached // width], category_ids[reached % width])
        # np.add.at: an Arrow dictionary may (rarely) repeat a value, so two cells can share an id
        np.add.at(self.count, at, count[reached])
        np.add.at(self.value, at, np.bincount(cell, weights=value, minlength=size)[reached])
        np.add.at(self.base_duty, at, np.bincount(cell, weights=base_duty, minlength=size)[reached])
        np.add.at(self.estimated, at, np.bincount(cell, weights=estimated, minlength=size)[reached])

    def lines(self, responds: bool) -> pd.DataFrame:
        if responds:
            import pyarrow as pa

            keys = ["hs", "category", "base_rate", "elasticity"]
            merged = (
                pa.concat_tables(self.grouped)
                .group_by(keys)
                .aggregate([("value_usd_sum", "sum"), ("base_duty_usd_sum", "sum"), ("estimated_usd_sum", "sum")])
            )
            return merged.to_pandas().rename(
                columns={
                    "value_usd_sum_sum": "value_usd",
                    "base_duty_usd_sum_sum": "base_duty_usd",
                    "estimated_usd_sum_sum": "estimated_usd",
                }
            )
        hs_of = np.array(list(self.ids["hs"]), dtype=object)
        category_of = np.array(list(self.ids["category"]), dtype=object)
        h, c = np.nonzero(self.count)  # every key some row has, zero-valued ones included
        return pd.DataFrame(
            {
                "hs": hs_of[h],
                "category": category_of[c],
                "value_usd": self.value[h, c],
                "base_duty_usd": self.base_duty[h, c],
                "estimated_usd": self.estimated[h, c],
            }
        )


def _add_batch(table: Any, sums: _Sums, responds: bool) -> None:
    """Check one batch (codes once per distinct value, numbers vectorised) and add it to the sums."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in sums.seen:
        column = table[name]
        if column.null_count:
            raise _Unclean
        if name in ("exporter", "importer"):  # the key's codes are seen through their dictionaries below
            for chunk in column.chunks:
                values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else pc.unique(chunk)
                sums.seen[name] |= {str(v) for v in values.to_pylist()}
    value = _floats(table["value_usd"])
    if not np.isfinite(value).all() or value.min() < 0:
        raise _Unclean
    if "base_rate" in table.column_names:
        base = _floats(table["base_rate"])
        if not np.isfinite(base).all() or base.min() < 0 or base.max() > 10:
            raise _Unclean
        sums.positive += int(np.count_nonzero(base > 0))
        sums.at_least_one += int(np.count_nonzero(base >= 1))
    else:
        base = np.zeros(len(value))
    sums.total += float(value.sum())
    sums.rows += len(value)
    estimated = value * _estimate_marks(table["source"]) if "source" in table.column_names else np.zeros(len(value))
    if responds:
        frame = {
            "hs": table["hs"],
            "category": table["category"],
            "value_usd": pa.array(value),
            "base_duty_usd": pa.array(value * base),
            "estimated_usd": pa.array(estimated),
            "base_rate": pa.array(base),
            "elasticity": table["elasticity"].cast(pa.float64())
            if "elasticity" in table.column_names
            else pa.nulls(table.num_rows, pa.float64()),
        }
        keys = ["hs", "category", "base_rate", "elasticity"]
        sums.grouped.append(
            pa.table(frame)
            .group_by(keys)
            .aggregate([("value_usd", "sum"), ("base_duty_usd", "sum"), ("estimated_usd", "sum")])
        )
        for name in ("hs", "category"):
            sums.seen[name] |= {str(v) for v in pc.unique(table[name]).to_pylist()}
        return
    sums.add(table["hs"], table["category"], value, value * base, estimated)


def _estimate_marks(column: Any) -> np.ndarray:
    """(N,) 1.0 for rows whose source marks an estimate, decided once per dictionary value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunk = column.combine_chunks()
    coded = chunk if pa.types.is_dictionary(chunk.type) else pc.dictionary_encode(chunk)
    marks = np.array([is_estimate(v) for v in coded.dictionary.to_pylist()] + [False], dtype=float)
    # a null points past the dictionary (to False); filled before numpy, which would make nulls NaN floats
    return marks[pc.fill_null(coded.indices, len(marks) - 1).to_numpy(zero_copy_only=False)]


def _floats(column: Any) -> np.ndarray:
    """A numeric column as float64, refusing nulls (a missing value is a bad row, never a zero)."""
    import pyarrow as pa

    if column.null_count:
        raise _Unclean
    return np.asarray(column.cast(pa.float64()).to_numpy(), dtype=float)


def key_table(lines: pd.DataFrame, importer: str, exporter: str | None, responds: bool) -> pd.DataFrame:
    """A trade-flow table of summed lines: one row per key with its value and its average base rate.

    `lines` has hs, category, value_usd, base_duty_usd, and with a response base_rate and elasticity
    (which then are part of the key). Shared by the Parquet reducer and the dask engine. A key whose
    lines are partly estimates (`estimated_usd`) becomes two rows, its estimated part marked in
    `source`, so a result's estimated share is the same as from the lines themselves.
    """
    estimated = lines["estimated_usd"].to_numpy(dtype=float) if "estimated_usd" in lines else None
    if estimated is not None and (estimated > 0).any():
        whole = lines["value_usd"].to_numpy(dtype=float)
        share = np.divide(estimated, whole, out=np.zeros(len(whole)), where=whole > 0)
        duty = lines["base_duty_usd"].to_numpy(dtype=float)
        part = lines.assign(value_usd=estimated, base_duty_usd=duty * share).drop(columns="estimated_usd")
        rest = lines.assign(value_usd=whole - estimated, base_duty_usd=duty * (1 - share)).drop(columns="estimated_usd")
        keep_rest = (estimated <= 0) | (whole - estimated > 0)
        return pd.concat(
            [
                key_table(rest[keep_rest], importer, exporter, responds).assign(source=""),
                key_table(part[estimated > 0], importer, exporter, responds).assign(source="estimate_reduced"),
            ],
            ignore_index=True,
        )
    value = lines["value_usd"].to_numpy(dtype=float)
    base_duty = lines["base_duty_usd"].to_numpy(dtype=float)
    fallback = lines["base_rate"].to_numpy(dtype=float) if responds else np.zeros(len(lines))
    out = pd.DataFrame(
        {
            "exporter": exporter or "ALL",  # every exporter, already summed
            "importer": importer,
            "hs": lines["hs"].to_numpy(dtype=object),
            "category": lines["category"].to_numpy(dtype=object),
            "value_usd": value,
            "base_rate": np.where(value > 0, base_duty / np.where(value > 0, value, 1.0), fallback),
        }
    )
    if responds and lines["elasticity"].notna().any():
        out["elasticity"] = lines["elasticity"].to_numpy(dtype=float)
    return out
