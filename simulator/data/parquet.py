"""Open a Parquet file or dataset so that every reader sees the same rows: all files' columns, one year,
and no row hidden from the checks by a filter.

Three ways a dataset gave a silently wrong total, each closed here once for every reader (the pandas
engine's fast and slow paths, the dask engine): pyarrow takes the schema of the first file, so a
column missing there was dropped from all files; `year=` folders were summed; and a direction filter
compares text exactly, so rows written ` CHN` or `chn` (which a CSV's checks strip or refuse) were
left out without a word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.data.columns import COUNTRY
from simulator.errors import FlowsError, Problem

COUNTRY_COLUMNS = ("exporter", "importer")


def open_dataset(path: Path) -> Any:
    """The dataset at `path` with the union of its files' columns (hive folders count as columns)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(path), format="parquet", partitioning="hive")
    schemas = [f.physical_schema for f in dataset.get_fragments()]
    if all(s.equals(schemas[0]) for s in schemas[1:]):
        return dataset
    try:
        merged = pa.unify_schemas([dataset.schema, *schemas], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise FlowsError(
            [Problem(str(path), f"its files disagree on a column's type ({str(exc)[:160]}); write them alike")]
        ) from None
    return ds.dataset(str(path), schema=merged, format="parquet", partitioning="hive")


def pick_year(dataset: Any, path: Path, year: int | None) -> int | None:
    """A dataset of several years must not be summed across them: the year to keep, or an error."""
    import pyarrow.compute as pc

    if "year" not in dataset.schema.names:
        if year is not None:
            raise FlowsError([Problem(str(path), f"--year {year} given, but the table has no year column")])
        return None
    years = sorted(int(y) for y in pc.drop_null(pc.unique(dataset.to_table(columns=["year"])["year"])).to_pylist())
    return check_year(years, path, year)


def check_year(years: list[int], path: Path | str, year: int | None) -> int | None:
    if year is not None:
        if year not in years:
            raise FlowsError([Problem(str(path), f"no rows for year {year}; the table has {listing(years)}")])
        return year
    if len(years) > 1:
        raise FlowsError(
            [
                Problem(
                    str(path),
                    f"holds several years ({listing(years)}) that must not be summed; "
                    f"pick one with --year (tariffsim run), e.g. --year {years[-1]}",
                )
            ]
        )
    return None


def listing(years: list[int]) -> str:
    return ", ".join(map(str, years[:10])) + (f" and {len(years) - 10} more" if len(years) > 10 else "")


def countries_clean(dataset: Any, fragment: Any = None) -> bool:
    """Whether every row's exporter and importer is written exactly as an ISO code (`CHN`).

    Checked on all rows, not only the direction's: otherwise ` CHN` or `chn` would fail the direction
    filter and vanish, where `tariffsim flows` (and a CSV) refuses or strips them. Read as
    dictionaries, so the check costs the column scan, not a string comparison per row.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    names = [c for c in COUNTRY_COLUMNS if c in dataset.schema.names]
    batches = (
        fragment.to_batches(schema=dataset.schema, columns=names, batch_size=1 << 20)
        if fragment is not None
        else dataset.to_batches(columns=names, batch_size=1 << 20)
    )
    for batch in batches:
        for column in batch.columns:
            if column.null_count:
                return False
            values = column.dictionary if pa.types.is_dictionary(column.type) else pc.unique(column)
            if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
                return False
            if not all(isinstance(v, str) and COUNTRY.fullmatch(v) for v in pc.unique(values).to_pylist()):
                return False
    return True
