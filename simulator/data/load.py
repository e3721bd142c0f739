"""Read a trade-flow table from CSV or Parquet, then validate it; the bundled table by default."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulator.bundled import TRADE_TABLE
from simulator.data.validate import validate_flows
from simulator.errors import FlowsError, Problem


def load_flows(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate a trade-flow table (CSV, or Parquet with pyarrow); default the bundled one."""
    path = Path(path) if path is not None else TRADE_TABLE
    if not path.exists():
        raise FlowsError([Problem(str(path), "no such trade-flow table; check the path")])
    if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):  # a directory is a partitioned Parquet dataset
        raw = _read_parquet(path)
    else:
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], skipinitialspace=True)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise FlowsError([Problem(str(path), f"cannot read as CSV: {str(exc).splitlines()[0][:200]}")]) from None
    return validate_flows(raw, str(path))


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise FlowsError(
            [Problem(str(path), "reading Parquet needs pyarrow: pip install 'tariffsim[parquet]'")]
        ) from None
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many kinds; all mean "not a readable Parquet file"
        raise FlowsError([Problem(str(path), f"cannot read as Parquet: {str(exc)[:200]}")]) from None
