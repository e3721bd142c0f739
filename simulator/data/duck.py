"""Sum a Parquet dataset per line key with DuckDB, when it is installed (`pip install 'tariffsim[fast]'`).

The pyarrow reducer (data.reduce) reads and sums on one core, holding the GIL in numpy's bincounts;
DuckDB reads, checks and sums on every core. It computes what data.reduce computes, with the same
checks, as sums per key: a key with a missing, negative or non-finite value or base rate, a base rate
above 10 (1,000%), a missing code or a mostly percent-looking base rate makes the whole table go the
slow way (`load_flows`), whose checks name the bad rows. Every country of every row is checked too,
as data.parquet's `countries_clean` does. What the files' Parquet statistics prove (no null, the
bounds of a number, an importer column of one country) is not checked again row by row: on 30M rows
that halved the query (BENCHMARKS.md). Anything DuckDB cannot read as expected (a text value column,
an odd type) returns None, and the pyarrow reducer decides. Values are passed as query parameters,
never as SQL.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from simulator.data.columns import CODED, COUNTRY, ESTIMATE_PREFIX, HS_PATTERN
from simulator.data.parquet import COUNTRY_COLUMNS
from simulator.data.validate import MAX_TOTAL_USD, PERCENT_LOOKING_SHARE


def duckdb_module() -> Any:
    """DuckDB, or None when it is not installed (the pyarrow reducer is used then)."""
    try:
        import duckdb
    except ImportError:
        return None
    return duckdb


def summed_lines(
    dataset: Any, importer: str, exporter: str | None, responds: bool, year: int | None
) -> pd.DataFrame | None:
    """The direction's rows summed per key (hs, category, and with a response base_rate and elasticity)
    as data.reduce's `_Sums.lines` gives them, or None for the pyarrow reducer to decide."""
    duckdb = duckdb_module()
    fragments = list(dataset.get_fragments())
    if duckdb is None or not _plain_layout(dataset, fragments):
        return None
    names = set(dataset.schema.names)
    files = [f.path for f in fragments]
    base = "CAST(base_rate AS DOUBLE)" if "base_rate" in names else "0.0::DOUBLE"
    keys = ["hs", "category"]
    if responds:
        keys += [
            f"{base} AS base_rate",
            "CAST(elasticity AS DOUBLE) AS elasticity" if "elasticity" in names else "NULL::DOUBLE AS elasticity",
        ]
    value = "CAST(value_usd AS DOUBLE)"
    where = ["importer = $importer"]
    params: dict[str, object] = {"files": files, "importer": importer}
    if "source" in names:  # data.columns' rule: a source starting with the prefix marks an estimate
        params["estimate"] = ESTIMATE_PREFIX
    estimated = (
        f"sum(CASE WHEN starts_with(source, $estimate) THEN {value} ELSE 0.0 END)" if "source" in names else "0.0"
    )
    if exporter is not None:
        where.append("exporter = $exporter")
        params["exporter"] = exporter
    if year is not None:
        where.append("year = $year")
        params["year"] = year
    by = ", ".join(str(i + 1) for i in range(len(keys)))
    query = f"""
        SELECT {", ".join(keys)},
            sum({value}) AS value_usd,
            sum({value} * {base}) AS base_duty_usd,
            {", ".join([f"{estimated} AS estimated_usd", *_checks(fragments, names, value, base)])}
        FROM read_parquet($files, union_by_name = true)
        WHERE {" AND ".join(where)}
        GROUP BY {by}
        ORDER BY {by}
    """
    # each column's distinct values alone: half the pairs' time dictionary-encoded, as much with plain strings
    unproven = [c for c in COUNTRY_COLUMNS if c in names and not _one_country(fragments, c)]
    countries = " UNION ALL ".join(
        f"SELECT DISTINCT {c} FROM read_parquet($files, union_by_name = true)" for c in unproven
    )
    try:
        with duckdb.connect(":memory:") as con:
            con.execute("SET enable_progress_bar = false")  # a long query would draw one on stdout
            # Parquet is built in: never fetch or load an extension (code) for a path DuckDB misreads
            con.execute("SET autoinstall_known_extensions = false")
            con.execute("SET autoload_known_extensions = false")
            seen = con.execute(countries, {"files": files}).fetchall() if unproven else []
            found = con.execute(query, params).fetchnumpy()
    except duckdb.Error:
        return None
    if not all(isinstance(c, str) and COUNTRY.fullmatch(c) for (c,) in seen):
        return None
    return _checked(found, responds)


def _checks(fragments: list[Any], names: set[str], value: str, base: str) -> list[str]:
    """The checks' aggregates that the files' Parquet statistics do not already prove (a third of the
    query's time on 30M rows when all are computed: BENCHMARKS.md).

    A missing or negative value or base rate: a minimum below 0 (a null counts as -1); a base rate
    above 10 or NaN (DuckDB sorts NaN above every number): a maximum not <= 10; counts for
    percent-looking rates. Statistics prove a column has no null and its bounds, but say nothing of NaN
    (writers leave it out of them): a NaN value or base rate makes a non-finite sum, which `_checked`
    refuses whatever was proven.
    """
    values = _bounds(fragments, "value_usd")
    bases = _bounds(fragments, "base_rate") if "base_rate" in names else (0.0, 0.0)
    checks = []
    if values is None or values[0] < 0:
        checks.append(f"min(coalesce({value}, -1.0)) AS least_value")
    if bases is None or not (bases[0] >= 0 and bases[1] <= 10):
        checks += [f"min(coalesce({base}, -1.0)) AS least_base", f"max({base}) AS most_base"]
    if bases is None or not bases[1] < 1:
        checks += [
            f"count(*) FILTER (WHERE {base} > 0) AS positive",
            f"count(*) FILTER (WHERE {base} >= 1) AS at_least_one",
        ]
    return checks


def _bounds(fragments: list[Any], name: str) -> tuple[float, float] | None:
    """The least and greatest number in column `name` over every row group of every file, when the
    Parquet statistics of each say it holds no null; None when any cannot say (no statistics, a file
    without the column, an unsigned or odd type)."""
    import pyarrow as pa

    least, most = float("inf"), float("-inf")
    for fragment in fragments:
        schema, metadata = fragment.physical_schema, fragment.metadata
        at = schema.get_field_index(name)
        if at < 0:
            return None
        kind = schema.field(at).type
        if not (pa.types.is_float32(kind) or pa.types.is_float64(kind) or pa.types.is_signed_integer(kind)):
            return None
        for g in range(metadata.num_row_groups):
            stats = _stats(metadata.row_group(g), name)
            if stats is None or not stats.has_min_max:
                return None
            low, high = float(stats.min), float(stats.max)
            if math.isnan(low) or math.isnan(high):  # a writer that ranks NaN: its bounds say nothing
                return None
            least, most = min(least, low), max(most, high)
    return least, most


def _one_country(fragments: list[Any], name: str) -> bool:
    """Whether the statistics prove every row of text column `name` holds one and the same country code
    (an importer column of one country): then its values need no scan."""
    seen = set()
    for fragment in fragments:
        metadata = fragment.metadata
        for g in range(metadata.num_row_groups):
            stats = _stats(metadata.row_group(g), name)
            if stats is None or not stats.has_min_max or stats.min != stats.max:
                return False
            seen.add(stats.min)
    return len(seen) == 1 and all(isinstance(c, str) and COUNTRY.fullmatch(c) for c in seen)


def _stats(group: Any, name: str) -> Any:
    """A row group's statistics of flat column `name` when they count its nulls and there are none."""
    for j in range(group.num_columns):
        column = group.column(j)
        if column.path_in_schema == name:
            stats = column.statistics if column.is_stats_set else None
            return stats if stats is not None and stats.has_null_count and stats.null_count == 0 else None
    return None


def _plain_layout(dataset: Any, fragments: list[Any]) -> bool:
    """Files without hive folders, whose code columns are text and whose numbers are numbers: the layout
    DuckDB reads as pyarrow does. Anything else is left to the pyarrow reducer."""
    import pyarrow as pa

    if any(str(f.partition_expression) != "true" for f in fragments):  # hive folders
        return False

    def text(t: Any) -> bool:
        t = t.value_type if pa.types.is_dictionary(t) else t
        return bool(pa.types.is_string(t) or pa.types.is_large_string(t))

    schema = dataset.schema
    for field in schema:
        if field.name in (*CODED, "source") and not text(field.type):
            return False
        if field.name in ("value_usd", "base_rate", "elasticity", "year") and not (
            pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
        ):
            return False
    return True


def _checked(found: dict[str, Any], responds: bool) -> pd.DataFrame | None:
    """The per-key sums, or None when a check fails (the slow path then names the rows)."""
    if not len(found["hs"]):
        return None
    value, duty = (np.asarray(found[c], dtype=float) for c in ("value_usd", "base_duty_usd"))
    if not (np.isfinite(value).all() and np.isfinite(duty).all()):
        return None
    for least in ("least_value", "least_base"):  # an aggregate left out is proven by the statistics
        if least in found and not (np.asarray(found[least], dtype=float) >= 0).all():
            return None
    if "most_base" in found and not (np.asarray(found["most_base"], dtype=float) <= 10).all():
        return None
    hs, category = (_texts(found[c]) for c in ("hs", "category"))
    if any(h is None or not HS_PATTERN.fullmatch(h) for h in set(hs)):
        return None
    if any(c is None or not c.strip() for c in set(category)):
        return None
    if float(value.sum()) > MAX_TOTAL_USD:
        return None
    positive, at_least_one = (int(np.sum(found[c])) if c in found else 0 for c in ("positive", "at_least_one"))
    if positive and at_least_one / positive > PERCENT_LOOKING_SHARE:
        return None
    out = pd.DataFrame(
        {
            "hs": hs,
            "category": category,
            "value_usd": value,
            "base_duty_usd": duty,
            "estimated_usd": np.asarray(found["estimated_usd"], dtype=float),
        }
    )
    if responds:
        out.insert(2, "base_rate", np.asarray(found["base_rate"], dtype=float))
        out.insert(3, "elasticity", np.ma.filled(np.ma.asarray(found["elasticity"], dtype=float), np.nan))
    return out


def _texts(column: Any) -> np.ndarray:
    """A text column DuckDB returned, its NULLs as None (np.ma.filled would write '?' for them)."""
    out = np.array(np.ma.getdata(column), dtype=object)
    out[np.ma.getmaskarray(column)] = None
    return out
