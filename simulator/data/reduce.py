"""Read a large Parquet dataset as the engine needs it: one row per line key, checked batch by batch.

The engine only ever needs, per (HS code, category), the summed value and the summed base duty (and,
with a trade response, the base rate and elasticity, which decide how a line responds). So a Parquet
dataset is streamed in record batches: only the columns needed, only the scenario's direction (pushed
down to the reader), each batch checked with Arrow compute (codes once per distinct value, numbers as
vectorised minima and maxima) and summed per key. Memory stays at a batch plus the sums.

Any batch that fails a check sends the whole table to `load_flows`, whose checks name the bad rows;
so the guarantees are the same, only the error path is slower.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulator.data.columns import HS_PATTERN
from simulator.data.validate import COUNTRY, MAX_TOTAL_USD, PERCENT_LOOKING_SHARE

REQUIRED = ("exporter", "importer", "hs", "category", "value_usd")


class _Unclean(Exception):
    """A batch failed a check: the caller reads the table the slow way to say which rows."""


def read_reduced(path: Path, importer: str, exporter: str | None, responds: bool) -> pd.DataFrame | None:
    """The direction's lines of a Parquet dataset summed per key, or None when a check fails."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(path), format="parquet", partitioning="hive")
    names = set(dataset.schema.names)
    if not set(REQUIRED) <= names:
        return None
    optional = [c for c in ("base_rate", "elasticity") if c in names and (c == "base_rate" or responds)]
    condition = ds.field("importer") == importer
    if exporter is not None:
        condition = condition & (ds.field("exporter") == exporter)
    keys = ["hs", "category", *(["base_rate", "elasticity"] if responds else [])]
    sums: list[pa.Table] = []
    total = 0.0
    positive = at_least_one = 0
    seen: dict[str, set[str]] = {"hs": set(), "category": set(), "exporter": set(), "importer": set()}
    try:
        for batch in dataset.to_batches(columns=[*REQUIRED, *optional], filter=condition, batch_size=1 << 20):
            if not batch.num_rows:
                continue
            table = pa.Table.from_batches([batch])
            for name in seen:
                column = table[name]
                if column.null_count:
                    raise _Unclean
                for chunk in column.chunks:  # codes are checked once per distinct value, not per row
                    values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else pc.unique(chunk)
                    seen[name] |= {str(v) for v in values.to_pylist()}
            value = table["value_usd"].cast(pa.float64())
            if value.null_count or not pc.all(pc.is_finite(value)).as_py() or pc.min(value).as_py() < 0:
                raise _Unclean
            if "base_rate" in table.column_names:
                base = table["base_rate"].cast(pa.float64())
                if base.null_count or not pc.all(pc.is_finite(base)).as_py():
                    raise _Unclean
                low, high = pc.min_max(base).values()
                if low.as_py() < 0 or high.as_py() > 10:
                    raise _Unclean
                positive += pc.sum(pc.greater(base, 0)).as_py() or 0
                at_least_one += pc.sum(pc.greater_equal(base, 1)).as_py() or 0
            else:
                base = pa.array(np.zeros(table.num_rows))
            total += pc.sum(value).as_py() or 0.0
            frame = {
                "hs": table["hs"],
                "category": table["category"],
                "value_usd": value,
                "base_duty_usd": pc.multiply(value, base),
            }
            if responds:
                frame["base_rate"] = base
                frame["elasticity"] = (
                    table["elasticity"].cast(pa.float64())
                    if "elasticity" in table.column_names
                    else pa.nulls(table.num_rows, pa.float64())
                )
            sums.append(pa.table(frame).group_by(keys).aggregate([("value_usd", "sum"), ("base_duty_usd", "sum")]))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return None  # a column of the wrong type: the slow path names it
    except _Unclean:
        return None
    if not sums or total > MAX_TOTAL_USD:
        return None
    if positive and at_least_one / positive > PERCENT_LOOKING_SHARE:
        return None
    if not all(HS_PATTERN.match(c) for c in seen["hs"]) or "" in {c.strip() for c in seen["category"]}:
        return None
    if not all(COUNTRY.fullmatch(c) for c in seen["exporter"] | seen["importer"]):
        return None
    merged = pa.concat_tables(sums).group_by(keys).aggregate([("value_usd_sum", "sum"), ("base_duty_usd_sum", "sum")])
    lines = merged.to_pandas().rename(
        columns={"value_usd_sum_sum": "value_usd", "base_duty_usd_sum_sum": "base_duty_usd"}
    )
    return key_table(lines, importer, exporter, responds)


def key_table(lines: pd.DataFrame, importer: str, exporter: str | None, responds: bool) -> pd.DataFrame:
    """A trade-flow table of summed lines: one row per key with its value and its average base rate.

    `lines` has hs, category, value_usd, base_duty_usd, and with a response base_rate and elasticity
    (which then are part of the key). Shared by the Parquet reducer and the dask engine.
    """
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
