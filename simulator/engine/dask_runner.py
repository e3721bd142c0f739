"""Run the engine over a partitioned Parquet dataset with dask, for tables that do not fit in memory.

Each partition is validated and reduced to one row per distinct line key of the scenario's
direction: (hs, category) with summed value and base duty, or, with a trade response, (hs,
category, base_rate, elasticity) with summed value, since lines sharing those respond identically.
The reduced table is small (one row per HS code and category) and the ordinary engine runs on it,
so the numbers equal the pandas engine's up to floating-point summation order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.data.columns import COLUMNS
from simulator.data.reduce import key_table
from simulator.data.validate import validate_flows
from simulator.engine.evaluate import Result, evaluate
from simulator.engine.evaluate import default_date as _default_date
from simulator.engine.prepare import prepare
from simulator.errors import FlowsError, Problem
from simulator.scenario.model import Scenario


def _year_filter(dd: Any, path: Path, year: int | None) -> list[tuple[str, str, object]]:
    """A dataset of several years must not be summed across them: pick one, or be told which there are."""
    years = sorted(int(y) for y in dd.read_parquet(str(path), columns=["year"])["year"].unique().compute())
    if year is not None:
        if year not in years:
            raise FlowsError([Problem(str(path), f"no rows for year {year}; the dataset has {_listing(years)}")])
        return [("year", "==", year)]
    if len(years) > 1:
        raise FlowsError(
            [
                Problem(
                    str(path), f"holds several years ({_listing(years)}); pick one with --year, e.g. --year {years[-1]}"
                )
            ]
        )
    return []


def _listing(years: list[int]) -> str:
    return ", ".join(map(str, years[:10])) + (f" and {len(years) - 10} more" if len(years) > 10 else "")


REDUCED = {
    "hs": "object",
    "category": "object",
    "base_rate": "float64",
    "elasticity": "float64",
    "value_usd": "float64",
    "base_duty_usd": "float64",
}


def reduce_partition(
    part: pd.DataFrame, importer: str, exporter: str | None, responds: bool, source: str
) -> pd.DataFrame:
    """Validate one partition and sum its lines of the scenario's direction per line key."""
    clean = validate_flows(part.reset_index(drop=True), source)
    mask = clean["importer"].astype(str) == importer
    if exporter is not None:
        mask &= clean["exporter"].astype(str) == exporter
    rows = clean.loc[mask.to_numpy()]
    frame = pd.DataFrame(
        {
            "hs": rows["hs"].astype(str).to_numpy(dtype=object),
            "category": rows["category"].astype(str).to_numpy(dtype=object),
            "base_rate": rows["base_rate"].to_numpy(dtype=float) if responds else 0.0,
            "elasticity": rows["elasticity"].to_numpy(dtype=float) if responds and "elasticity" in rows else np.nan,
            "value_usd": rows["value_usd"].to_numpy(dtype=float),
            "base_duty_usd": rows["value_usd"].to_numpy(dtype=float) * rows["base_rate"].to_numpy(dtype=float),
        }
    )
    keys = ["hs", "category", "base_rate", "elasticity"]
    return (
        frame.groupby(keys, as_index=False, sort=False, dropna=False)[["value_usd", "base_duty_usd"]]
        .sum()
        .astype(REDUCED)
    )


def simulate_dask(
    scenario: Scenario,
    dataset: str | Path,
    *,
    date: date | None = None,
    client: Any = None,
    year: int | None = None,
) -> Result:
    """Like `simulate`, over a Parquet file or directory of Parquet files, partition by partition.

    Only the columns the engine needs are read, and only the scenario's direction (and `year`, when
    the dataset has a year column) is read from disk where Parquet statistics allow.
    """
    try:
        import dask
        import dask.dataframe as dd
        import pyarrow.dataset as ds
    except ImportError:
        raise FlowsError([Problem(str(dataset), "the dask engine needs dask: pip install 'tariffsim[dask]'")]) from None
    path = Path(dataset)
    if not path.exists():
        raise FlowsError([Problem(str(path), "no such Parquet file or dataset directory")])
    if path.is_file() and path.suffix.lower() not in (".parquet", ".pq"):
        raise FlowsError(
            [
                Problem(
                    str(path),
                    "the dask engine reads Parquet; run this table with the pandas engine (drop --engine dask), or "
                    "convert it: tariffsim data import ... --out table.parquet",
                )
            ]
        )
    try:
        names = set(ds.dataset(str(path), format="parquet", partitioning="hive").schema.names)
        filters: list[tuple[str, str, object]] = [("importer", "==", scenario.importer)]
        if scenario.exporter is not None:
            filters.append(("exporter", "==", scenario.exporter))
        if "year" in names:
            filters += _year_filter(dd, path, year)
        elif year is not None:
            raise FlowsError([Problem(str(path), f"--year {year} given, but the dataset has no year column")])
        wanted = [c.name for c in COLUMNS if c.name in names and c.name not in ("description", "source")]
        frame = dd.read_parquet(str(path), columns=wanted, filters=filters)
    except FlowsError:
        raise
    except Exception as exc:  # dask and pyarrow raise many kinds; all mean "not a readable dataset"
        raise FlowsError([Problem(str(path), f"cannot read as a Parquet dataset: {str(exc)[:200]}")]) from None
    responds = scenario.response is not None
    parts = frame.to_delayed()
    reducer = dask.delayed(reduce_partition)
    pieces = [
        reducer(p, scenario.importer, scenario.exporter, responds, f"{path}#partition{i}") for i, p in enumerate(parts)
    ]
    computed = client.compute(pieces, sync=True) if client is not None else dask.compute(*pieces)
    reduced = pd.concat(list(computed), ignore_index=True)
    keys = ["hs", "category", "base_rate", "elasticity"]
    lines = reduced.groupby(keys, as_index=False, sort=True, dropna=False)[["value_usd", "base_duty_usd"]].sum()
    table = key_table(lines, scenario.importer, scenario.exporter, responds)
    for name in ("exporter", "importer", "hs", "category"):
        table[name] = table[name].astype("category")
    prepared = prepare(replace(scenario, trade=path), table)
    return evaluate(prepared, date if date is not None else _default_date(scenario))
