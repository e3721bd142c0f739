"""Read a trade-flow table from CSV or Parquet, then validate it; the bundled table by default.

Tables come from spreadsheets as often as from scripts, so the reader detects what it safely can
(a byte-order mark, Windows-1252 text, `;` or tab separators) and names the fix for what it cannot
(an Excel workbook, a file that is not a table).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.bundled import BUNDLED_LABEL, PARTNERS_TABLE, bundled_parts
from simulator.data.cache import cached
from simulator.data.columns import CODED
from simulator.data.parquet import check_year, countries_clean, open_dataset, pick_year
from simulator.data.validate import validate_flows
from simulator.errors import FlowsError, Problem

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"


def load_flows(
    path: str | Path | None = None,
    *,
    columns: tuple[str, ...] | None = None,
    direction: tuple[str, str | None] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Load and validate a trade-flow table (CSV, or Parquet with pyarrow); default the bundled one.

    A table with a `year` column holding several years is refused unless `year` picks one: summing
    years would double every figure.

    `columns` (the engine's needs) and `direction` (importer, exporter or None) let a Parquet dataset
    be read in part: only those columns, only those rows, with codes kept as dictionaries from the
    file to the engine. A CSV is read whole and checked whole. The bundled table is read only in the
    files the direction needs (see simulator.bundled).
    """
    if path is None:
        if year is not None:
            raise FlowsError([Problem(BUNDLED_LABEL, f"--year {year} given, but the bundled table holds 2024 only")])
        return load_bundled(columns=columns, direction=direction)
    path = Path(path)
    check_readable(path, "trade-flow table")
    parquet = path.is_dir() or path.suffix.lower() in (".parquet", ".pq")  # a directory is a Parquet dataset
    if parquet:
        return validate_flows(_read_parquet(path, columns, direction, year), str(path))
    if year is not None:
        return validate_flows(one_year(_read_csv(path), year, path), str(path))
    return cached(path, lambda: validate_flows(one_year(_read_csv(path), None, path), str(path)))


def one_year(frame: pd.DataFrame, year: int | None, path: Path) -> pd.DataFrame:
    """The rows of `year` from a table with a year column (checked as data/parquet checks a dataset)."""
    if "year" not in frame.columns:
        if year is not None:
            raise FlowsError([Problem(str(path), f"--year {year} given, but the table has no year column")])
        return frame
    text = frame["year"].astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    wrong = numbers.isna() | (numbers != numbers.round())
    if bool(wrong.any()):
        row = int(np.flatnonzero(wrong.to_numpy())[0])
        raise FlowsError([Problem(str(path), f"row {row + 2}: year {text.iloc[row]!r} is not a year like 2024")])
    years = numbers.astype(int)
    chosen = check_year(sorted(set(years.tolist())), path, year)
    return frame if chosen is None else frame.loc[(years == chosen).to_numpy()].reset_index(drop=True)


def load_bundled(
    *, columns: tuple[str, ...] | None = None, direction: tuple[str, str | None] | None = None
) -> pd.DataFrame:
    """The bundled table's files for a direction, validated, as one table (codes stay categorical).

    Kept in the table cache as read for the direction and columns: reading the Parquet part, checking
    it and joining it to the China part took 0.15 s of every run on all partners, reading the entry back
    a few hundredths."""
    files = bundled_parts(direction)

    def build() -> pd.DataFrame:
        parts = [load_flows(p, columns=columns, direction=direction if p == PARTNERS_TABLE else None) for p in files]
        return parts[0] if len(parts) == 1 else concat_tables(parts, BUNDLED_LABEL)

    return cached(files, build, variant=f"bundled|{columns}|{direction}")


def concat_tables(parts: list[pd.DataFrame], source: str) -> pd.DataFrame:
    """Validated tables as one, their coded columns kept categorical over the union of their values."""
    names = [c for c in parts[0].columns if all(c in p.columns for p in parts)]
    out: dict[str, object] = {}
    for name in names:
        if all(isinstance(p[name].dtype, pd.CategoricalDtype) for p in parts):
            # each part's codes mapped into the union of the categories: no per-row hashing
            union = pd.Index(np.unique(np.concatenate([np.asarray(p[name].cat.categories, dtype=str) for p in parts])))
            codes = [
                union.get_indexer(np.asarray(p[name].cat.categories, dtype=str))[p[name].cat.codes.to_numpy()]
                for p in parts
            ]
            out[name] = pd.Categorical.from_codes(np.concatenate(codes), categories=union)
        else:
            out[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    return pd.DataFrame(out)


def check_readable(path: Path, what: str) -> None:
    """A file or directory that exists; never a FIFO or device, which would block or never end."""
    if not path.exists():
        broken = " (a symbolic link to nowhere, or one that loops)" if path.is_symlink() else ""
        raise FlowsError([Problem(str(path), f"no such {what}{broken}; check the path")])
    if not (path.is_file() or path.is_dir()):
        raise FlowsError(
            [Problem(str(path), f"is not a regular file (a pipe, device or socket?); save the {what} to a file first")]
        )


def _read_csv(path: Path) -> pd.DataFrame:
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FlowsError(
            [
                Problem(
                    str(path),
                    "is an Excel workbook, not a CSV file; in Excel use File > Save As > 'CSV UTF-8 (comma delimited)'",
                )
            ]
        )
    if b"\x00" in head:
        raise FlowsError([Problem(str(path), "holds binary data or UTF-16 text; save it as CSV in UTF-8")])
    encoding = "utf-8-sig"  # a byte-order mark, as Excel writes, is dropped
    try:
        head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the sniffing boundary
            encoding = "cp1252"  # what Excel on Windows writes when asked for plain "CSV"
    sample = head.decode(encoding, errors="ignore")
    first = sample.splitlines()[0] if sample.strip() else ""
    delimiter = _delimiter(first)
    names = [n.strip() for n in next(csv.reader(io.StringIO(first), delimiter=delimiter))] if first else []
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # pandas would rename the second one silently ("value_usd.1")
        raise FlowsError([Problem(str(path), f"column(s) {', '.join(twice)} appear twice in the header; keep one")])
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skipinitialspace=True,
            sep=delimiter,
            encoding=encoding,
        )
        if delimiter == ";":  # European spreadsheets: ';' between fields, ',' before decimals
            for name in ("value_usd", "base_rate", "elasticity"):
                if name in frame.columns:
                    frame[name] = frame[name].str.replace(r"^(-?\d+),(\d+)(%?)$", r"\1.\2\3", regex=True)
        return frame
    except UnicodeDecodeError:
        raise FlowsError(
            [Problem(str(path), "is not UTF-8 text past its first lines; save it as CSV in UTF-8")]
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else "empty file"
        raise FlowsError([Problem(str(path), f"cannot read as CSV: {reason}")]) from None


def _delimiter(header: str) -> str:
    """The separator of the header line: the one of , ; tab | that splits it into the most columns."""
    if not header:
        return ","
    reader = {d: next(csv.reader(io.StringIO(header), delimiter=d)) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (len(reader[d]), d == ","))


def _read_parquet(
    path: Path, columns: tuple[str, ...] | None, direction: tuple[str, str | None] | None, year: int | None
) -> pd.DataFrame:
    """The table's rows (of the direction, where every country is written cleanly) and needed columns.

    Where a country is written unclean (` CHN`, `chn`), every row is read, so that the checks strip
    or name it as they would in a CSV; the engine then keeps the direction's rows.
    """
    try:
        import pyarrow.compute as pc
        import pyarrow.dataset as ds
    except ImportError:
        raise FlowsError(
            [Problem(str(path), "reading Parquet needs pyarrow: pip install 'tariffsim[parquet]'")]
        ) from None
    try:
        dataset = open_dataset(path)
        names = dataset.schema.names
        wanted = [c for c in (columns or names) if c in names]
        chosen = pick_year(dataset, path, year)
        condition = ds.field("year") == chosen if chosen is not None else None
        if direction is not None and {"importer", "exporter"} <= set(names) and countries_clean(dataset):
            importer, exporter = direction
            towards = ds.field("importer") == importer
            if exporter is not None:
                towards = towards & (ds.field("exporter") == exporter)
            condition = towards if condition is None else condition & towards
        table = dataset.to_table(columns=wanted, filter=condition)
        if condition is not None and table.num_rows == 0:  # say which directions there are
            table = dataset.to_table(columns=wanted)
        for i, name in enumerate(table.column_names):
            if name in CODED and str(table.schema.field(name).type) in ("string", "large_string"):
                table = table.set_column(i, name, pc.dictionary_encode(table[name]))
        return table.to_pandas()
    except FlowsError:
        raise
    except Exception as exc:  # pyarrow raises many kinds; all mean "not a readable Parquet file"
        raise FlowsError([Problem(str(path), f"cannot read as Parquet: {str(exc)[:200]}")]) from None
