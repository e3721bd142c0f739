"""Sum a Parquet dataset per line key with DuckDB, when it is installed (`pip install 'tariffsim[fast]'`).

The pyarrow reducer (data.reduce) reads and sums on one core, holding the GIL in numpy's bincounts;
DuckDB reads, checks and sums on every core (a run's cost per extra million rows fell by 1.7-2.5
times; it stays 1.7-2.9 times a bare DuckDB script's, for the checks: BENCHMARKS.md). It computes what data.reduce computes, with the same checks, as sums per key: a key
with a missing, negative or non-finite value or base rate, a base rate above 10 (1,000%), a missing
code or a mostly percent-looking base rate makes the whole table go the slow way (`load_flows`),
whose checks name the bad rows. Every country of every row is checked too, as data.parquet's
`countries_clean` does. Anything DuckDB cannot read as expected (a text value column, an odd type)
returns None, and the pyarrow reducer decides. Values are passed as query parameters, never as SQL.
"""

from __future__ import annotations

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
    # a missing or negative value or base rate: a minimum below 0 (a null counts as -1); a non-finite
    # value: a non-finite sum; a base rate above 10 or NaN (DuckDB sorts NaN above every number): a
    # maximum not <= 10. Cheaper than one flag per row: each aggregate costs a pass per key.
    query = f"""
        SELECT {", ".join(keys)},
            sum({value}) AS value_usd,
            sum({value} * {base}) AS base_duty_usd,
            {estimated} AS estimated_usd,
            min(coalesce({value}, -1.0)) AS least_value,
            min(coalesce({base}, -1.0)) AS least_base,
            max({base}) AS most_base,
            count(*) FILTER (WHERE {base} > 0) AS positive,
            count(*) FILTER (WHERE {base} >= 1) AS at_least_one
        FROM read_parquet($files, union_by_name = true)
        WHERE {" AND ".join(where)}
        GROUP BY {by}
        ORDER BY {by}
    """
    countries = f"SELECT DISTINCT {', '.join(c for c in COUNTRY_COLUMNS if c in names)} FROM read_parquet($files, union_by_name = true)"
    try:
        with duckdb.connect(":memory:") as con:
            con.execute("SET enable_progress_bar = false")  # a long query would draw one on stdout
            # Parquet is built in: never fetch or load an extension (code) for a path DuckDB misreads
            con.execute("SET autoinstall_known_extensions = false")
            con.execute("SET autoload_known_extensions = false")
            seen = con.execute(countries, {"files": files}).fetchall()
            found = con.execute(query, params).fetchnumpy()
    except duckdb.Error:
        return None
    if not all(isinstance(c, str) and COUNTRY.fullmatch(c) for row in seen for c in row):
        return None
    return _checked(found, responds)


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
    least = np.minimum(np.asarray(found["least_value"], dtype=float), np.asarray(found["least_base"], dtype=float))
    if not (np.isfinite(value).all() and np.isfinite(duty).all() and (least >= 0).all()):
        return None
    if not (np.asarray(found["most_base"], dtype=float) <= 10).all():
        return None
    hs, category = (_texts(found[c]) for c in ("hs", "category"))
    if any(h is None or not HS_PATTERN.fullmatch(h) for h in set(hs)):
        return None
    if any(c is None or not c.strip() for c in set(category)):
        return None
    if float(value.sum()) > MAX_TOTAL_USD:
        return None
    positive, at_least_one = int(np.sum(found["positive"])), int(np.sum(found["at_least_one"]))
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
