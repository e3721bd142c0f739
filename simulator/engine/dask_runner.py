"""Run the engine over a partitioned Parquet dataset with dask, for tables that do not fit in memory.

Each file of the dataset is one task: read with only the needed columns and the direction (and year)
pushed down, checked, and reduced to one row per distinct line key: (hs, category) with summed value
and base duty, or, with a trade response, (hs, category, base_rate, elasticity), since lines sharing
those respond identically. A task needs only dask's scheduler, not dask.dataframe, and the same
reducer as the pandas engine's Parquet path (data/reduce.py).
The reduced table is small (one row per HS code and category) and the ordinary engine runs on it,
so the numbers equal the pandas engine's up to floating-point summation order.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.data.parquet import open_dataset, pick_year
from simulator.data.reduce import key_table, reduce_file
from simulator.engine.evaluate import Result, date_for, evaluate
from simulator.engine.partners import partner_rules, partners_apart
from simulator.engine.prepare import prepare
from simulator.errors import FlowsError, Problem
from simulator.scenario.model import Scenario


def simulate_dask(
    scenario: Scenario,
    dataset: str | Path,
    *,
    date: date | str | None = None,
    client: Any = None,
    year: int | None = None,
) -> Result:
    """Like `simulate`, over a Parquet file or directory of Parquet files, partition by partition.

    Only the columns the engine needs are read, and only the scenario's direction (and `year`, when
    the dataset has a year column) is read from disk where Parquet statistics allow.
    """
    try:
        import dask
        import pyarrow.dataset as ds
    except ImportError:
        raise FlowsError([Problem(str(dataset), "the dask engine needs dask: pip install 'tariffsim[dask]'")]) from None
    path = Path(dataset)
    if partners_apart(scenario):  # the partitions are summed over exporters
        why = "rules that name partners" if partner_rules(scenario) else "substitution between partners"
        raise FlowsError(
            [
                Problem(
                    str(path),
                    f"the dask engine sums every exporter together, and this scenario has {why}: run it with the "
                    "pandas engine (drop --engine dask), or name one exporter in the scenario",
                )
            ]
        )
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
        table = open_dataset(path)
        chosen = pick_year(table, path, year)
        condition = ds.field("importer") == scenario.importer
        if scenario.exporter is not None:
            condition = condition & (ds.field("exporter") == scenario.exporter)
        files = [f.path for f in table.get_fragments(filter=condition)]  # partition folders prune files here
    except FlowsError:
        raise
    except Exception as exc:  # pyarrow raises many kinds; all mean "not a readable dataset"
        raise FlowsError([Problem(str(path), f"cannot read as a Parquet dataset: {str(exc)[:200]}")]) from None
    responds = scenario.lines_apart  # lines keep their base rate (and elasticity) apart
    reducer = dask.delayed(reduce_file, pure=True)
    pieces = [
        reducer(str(path), file, scenario.importer, scenario.exporter, responds, chosen, f"{path}#partition{i}")
        for i, file in enumerate(files)
    ]
    computed = client.compute(pieces, sync=True) if client is not None else dask.compute(*pieces, **_local(dask))
    if not computed:
        raise FlowsError([Problem(str(path), f"holds no rows of {scenario.label}")])
    reduced = pd.concat(list(computed), ignore_index=True)
    keys = ["hs", "category", *(["base_rate", "elasticity"] if responds else [])]
    summed = ["value_usd", "base_duty_usd", "estimated_usd"]
    lines = reduced.groupby(keys, as_index=False, sort=True, dropna=False)[summed].sum()
    flows = key_table(lines, scenario.importer, scenario.exporter, responds)
    for name in ("exporter", "importer", "hs", "category"):
        flows[name] = flows[name].astype("category")
    prepared = prepare(replace(scenario, trade=path), flows)
    return evaluate(prepared, date_for(scenario, date, "date"))


def _local(dask: Any) -> dict[str, Any]:
    """dask's threaded scheduler, passed as a function, unless the caller chose one. Given nothing or a
    name, dask looks for a distributed client first, and importing distributed for that took 0.24 s of
    a one-second run. A session that has imported distributed (and may hold a client) or set a
    scheduler in dask's config keeps dask's own choice."""
    if "distributed" in sys.modules or dask.config.get("scheduler", None) is not None:
        return {}
    import dask.threaded

    return {"scheduler": dask.threaded.get}
