"""Bring your own trade data: UN Comtrade and CEPII BACI files into the trade-flow table.

- Comtrade: CSV downloads from comtradeplus.un.org, with their column names (reporterISO, partnerISO,
  flowCode, cmdCode, primaryValue...). Import flows (flowCode M) are used: the reporter is the importer.
  With only export flows (X) the reporter is the exporter (mirror data).
- BACI: the CEPII yearly files (columns t, i, j, k, v, q: year, exporter, importer, HS6 product, value
  in thousands of USD, quantity) and their country-codes file, which maps i and j to ISO alpha-3.

HS codes become categories through a prefix map (the bundled hs_categories.csv covers every chapter; the
longest matching prefix wins). `base_rate` comes from an optional tariff file (hs prefix, base_rate,
and optionally importer/exporter), else 0, and the import says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.atomic import atomic_path
from simulator.bundled import CATEGORY_MAP
from simulator.data.columns import HS_PATTERN
from simulator.data.validate import validate_flows
from simulator.errors import FlowsError, Problem, short

SOURCES = ("comtrade", "baci")
COMTRADE_COLUMNS = ("reporterISO", "partnerISO", "flowCode", "cmdCode", "primaryValue")
BACI_COLUMNS = ("t", "i", "j", "k", "v")
ISO3_COLUMNS = ("country_iso3", "iso_3digit_alpha")  # newer and older BACI releases
MAX_LISTED = 10


@dataclass
class ImportReport:
    """What an import did, for the user: rows written, directions, and every choice made."""

    path: Path
    rows: int
    value_usd: float
    directions: int
    notes: list[str] = field(default_factory=list)


def _read_csv(path: Path, required: Sequence[str], what: str, dtype: dict[str, object] | None = None) -> pd.DataFrame:
    if not path.is_file():
        raise FlowsError([Problem(str(path), f"no such {what} file")])
    try:
        head = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FlowsError([Problem(str(path), f"cannot read as CSV: {str(exc).splitlines()[0][:200]}")]) from None
    missing = [c for c in required if c not in head.columns]
    if missing:
        have = ", ".join(map(str, head.columns[:15])) or "none"
        raise FlowsError(
            [Problem(str(path), f"not a {what} file: missing column(s) {', '.join(missing)}; it has: {have}")]
        )
    columns = [c for c in head.columns if c in (dtype or {}) or c in required]
    return pd.read_csv(path, usecols=columns, dtype=dtype or str, keep_default_na=False, encoding="utf-8-sig")  # type: ignore[arg-type]


def _numbers(frame: pd.DataFrame, column: str, source: str, line_offset: int = 2) -> np.ndarray:
    """A numeric column, or an error listing the rows that are not numbers (or are negative)."""
    values = pd.to_numeric(frame[column].astype(str).str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        listed = "\n".join(
            f"  row {i + line_offset}: {column} {short(str(frame[column].iloc[i]), 30)} is not a number >= 0"
            for i in bad[:MAX_LISTED]
        )
        more = f"\n  ... and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else ""
        raise FlowsError([Problem(source, f"{len(bad)} bad value{'s' if len(bad) != 1 else ''}:\n{listed}{more}")])
    return values


def _one_year(years: pd.Series, year: int | None, source: str, notes: list[str]) -> np.ndarray:
    found = sorted(set(years.astype(str)))
    if year is not None:
        keep = (years.astype(str) == str(year)).to_numpy()
        if not keep.any():
            raise FlowsError([Problem(source, f"no rows for year {year}; the file has {', '.join(found[:10])}")])
        return keep
    if len(found) > 1:
        raise FlowsError(
            [Problem(source, f"the file holds several years ({', '.join(found[:10])}); pass --year to choose one")]
        )
    notes.append(f"{source}: year {found[0] if found else 'unknown'}")
    return np.ones(len(years), bool)


def read_comtrade(
    paths: Sequence[Path], *, year: int | None = None, flow: str | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Comtrade CSV downloads -> exporter, importer, hs, description, value_usd."""
    notes: list[str] = []
    parts = []
    for path in paths:
        raw = _read_csv(
            path,
            COMTRADE_COLUMNS,
            "UN Comtrade",
            dtype={c: str for c in (*COMTRADE_COLUMNS, "cmdDesc", "refYear", "partner2Code", "customsCode", "motCode")},
        )
        source = str(path)
        keep = np.ones(len(raw), bool)
        if "refYear" in raw:
            keep &= _one_year(raw["refYear"], year, source, notes)
        flows = raw["flowCode"].astype(str).str.strip()
        chosen = flow or ("M" if (flows == "M").any() else "X")
        if chosen not in ("M", "X"):
            raise FlowsError([Problem(source, f"--flow must be M (imports) or X (exports), not {short(chosen)}")])
        keep &= (flows == chosen).to_numpy()
        for column, total in (("partner2Code", "0"), ("customsCode", "C00"), ("motCode", "0")):
            if column in raw:  # breakdowns would double count: keep the totals only
                keep &= (raw[column].astype(str).str.strip() == total).to_numpy()
        code = raw["cmdCode"].astype(str).str.strip()
        keep &= code.str.fullmatch(HS_PATTERN.pattern).to_numpy()
        rows = raw.loc[keep]
        code = code[keep]
        if len(rows) and code.str.len().nunique() > 1:
            longest = int(code.str.len().max())
            detail = (code.str.len() == longest).to_numpy()
            notes.append(f"{source}: kept the {longest}-digit lines only (coarser totals would double count)")
            rows, code = rows.loc[detail], code[detail]
        value = _numbers(rows.reset_index(drop=True), "primaryValue", source)
        reporter, partner = rows["reporterISO"].astype(str).str.strip(), rows["partnerISO"].astype(str).str.strip()
        importer, exporter = (reporter, partner) if chosen == "M" else (partner, reporter)
        parts.append(
            pd.DataFrame(
                {
                    "exporter": exporter.to_numpy(),
                    "importer": importer.to_numpy(),
                    "hs": code.to_numpy(),
                    "description": rows["cmdDesc"].to_numpy() if "cmdDesc" in rows else "",
                    "value_usd": value,
                }
            )
        )
        notes.append(
            f"{source}: {'import (M)' if chosen == 'M' else 'export (X, mirrored)'} flows, {len(rows):,} of {len(raw):,} rows used"
        )
    return pd.concat(parts, ignore_index=True), notes


def read_baci(
    paths: Sequence[Path], country_codes: Path | None, *, year: int | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """BACI yearly files (v in thousands of USD) -> exporter, importer, hs, description, value_usd."""
    if country_codes is None:
        raise FlowsError(
            [
                Problem(
                    "--country-codes",
                    "BACI needs its country-codes file (country_codes_V*.csv) to map i and j to ISO codes",
                )
            ]
        )
    codes = _baci_countries(country_codes)
    notes: list[str] = []
    parts = []
    for path in paths:
        raw = _read_csv(path, BACI_COLUMNS, "CEPII BACI", dtype={c: str for c in (*BACI_COLUMNS, "q")})
        source = str(path)
        keep = _one_year(raw["t"], year, source, notes)
        rows = raw.loc[keep].reset_index(drop=True)
        value = _numbers(rows, "v", source) * 1000.0  # BACI values are in thousands of USD
        k = rows["k"].astype(str).str.strip()
        bad = np.flatnonzero(~k.str.fullmatch(r"[0-9]{5,6}").to_numpy())
        if len(bad):
            listed = "\n".join(
                f"  row {i + 2}: k {short(str(k.iloc[i]), 30)} is not an HS6 code" for i in bad[:MAX_LISTED]
            )
            raise FlowsError([Problem(source, f"{len(bad)} bad product code(s):\n{listed}")])
        exporter = rows["i"].astype(str).str.strip().map(codes)
        importer = rows["j"].astype(str).str.strip().map(codes)
        unknown = sorted(set(rows["i"][exporter.isna()]) | set(rows["j"][importer.isna()]))
        if unknown:
            raise FlowsError(
                [
                    Problem(
                        source, f"country code(s) {', '.join(map(str, unknown[:10]))} are not in {country_codes.name}"
                    )
                ]
            )
        parts.append(
            pd.DataFrame(
                {
                    "exporter": exporter.to_numpy(),
                    "importer": importer.to_numpy(),
                    "hs": k.str.zfill(6).to_numpy(),  # the file drops leading zeros
                    "description": "",
                    "value_usd": value,
                }
            )
        )
        notes.append(f"{source}: {len(rows):,} rows; values converted from thousands of USD")
    return pd.concat(parts, ignore_index=True), notes


def _baci_countries(path: Path) -> dict[str, str]:
    table = _read_csv(
        path, ("country_code",), "BACI country codes", dtype={c: str for c in ("country_code", *ISO3_COLUMNS)}
    )
    iso = next((c for c in ISO3_COLUMNS if c in table.columns), None)
    if iso is None:
        raise FlowsError(
            [Problem(str(path), "not a BACI country-codes file: needs country_iso3 (or iso_3digit_alpha)")]
        )
    return dict(zip(table["country_code"].str.strip(), table[iso].str.strip().str.upper(), strict=True))


def load_category_map(path: Path | None = None) -> pd.DataFrame:
    """A prefix map hs -> category; every prefix 2-10 digits, each at most once."""
    path = path or CATEGORY_MAP
    table = _read_csv(path, ("hs", "category"), "HS category map")
    hs = table["hs"].astype(str).str.strip()
    bad = np.flatnonzero(
        ~hs.str.fullmatch(HS_PATTERN.pattern).to_numpy() | (table["category"].astype(str).str.strip() == "").to_numpy()
    )
    if len(bad):
        listed = "\n".join(
            f"  row {i + 2}: {short(str(hs.iloc[i]), 20)} -> {short(str(table['category'].iloc[i]), 30)}"
            for i in bad[:MAX_LISTED]
        )
        raise FlowsError(
            [Problem(str(path), f"{len(bad)} bad row(s); hs must be 2-10 digits and category not empty:\n{listed}")]
        )
    duplicated = sorted(set(hs[hs.duplicated()]))
    if duplicated:
        raise FlowsError([Problem(str(path), f"prefix(es) listed twice: {', '.join(duplicated[:10])}")])
    return pd.DataFrame({"hs": hs, "category": table["category"].astype(str).str.strip()})


def longest_prefix(codes: pd.Series, prefixes: pd.Series, values: pd.Series) -> pd.Series:
    """For each code, the value of the longest prefix that matches it (NaN where none does).

    Resolved once per distinct code, then gathered.
    """
    index, uniques = pd.factorize(codes)
    distinct = pd.Series(np.asarray(uniques, dtype=str), dtype=object)
    found = pd.Series(np.nan, index=distinct.index, dtype=object)
    lookup = dict(zip(prefixes, values, strict=True))
    for length in sorted({len(p) for p in prefixes}, reverse=True):
        hit = distinct.str[:length].map(lookup).where(distinct.str.len() >= length)
        found = found.where(found.notna(), hit)
    return pd.Series(found.to_numpy()[index], index=codes.index)


def apply_tariffs(frame: pd.DataFrame, path: Path | None, notes: list[str]) -> pd.Series:
    """base_rate per row from a tariff file (hs prefix, base_rate, optional importer/exporter), else 0."""
    if path is None:
        notes.append("no tariff file given: base_rate is 0 on every line")
        return pd.Series(0.0, index=frame.index)
    table = _read_csv(
        path, ("hs", "base_rate"), "tariff", dtype={c: str for c in ("hs", "base_rate", "importer", "exporter")}
    )

    def column(name: str) -> pd.Series:
        values = table[name].astype(str).str.strip() if name in table else pd.Series("", index=table.index)
        return values.replace("*", "")

    rules = pd.DataFrame(
        {
            "importer": column("importer"),
            "exporter": column("exporter"),
            "hs": table["hs"].astype(str).str.strip(),
            "rate": _numbers(table, "base_rate", str(path)),
        }
    )
    out = pd.Series(np.nan, index=frame.index)
    # the most specific rules first: importer and exporter given, then importer only, then any
    for level in (
        rules[(rules.importer != "") & (rules.exporter != "")],
        rules[(rules.importer != "") & (rules.exporter == "")],
        rules[rules.importer == ""],
    ):
        for (imp, exp), group in level.groupby(["importer", "exporter"]):
            todo = out.isna()
            if imp:
                todo &= frame["importer"] == imp
            if exp:
                todo &= frame["exporter"] == exp
            if todo.any():
                out[todo] = longest_prefix(frame.loc[todo, "hs"], group["hs"], group["rate"]).astype(float)
    matched = int(out.notna().sum())
    notes.append(f"base_rate from {path}: {matched:,} of {len(frame):,} lines matched; the rest get 0")
    return out.fillna(0.0)


def import_trade(
    source: str,
    paths: Sequence[str | Path],
    out: str | Path,
    *,
    country_codes: str | Path | None = None,
    categories: str | Path | None = None,
    tariffs: str | Path | None = None,
    year: int | None = None,
    flow: str | None = None,
) -> ImportReport:
    """Convert Comtrade or BACI files into a trade-flow table at `out` (.csv or .parquet)."""
    files = [Path(p) for p in paths]
    if source == "comtrade":
        frame, notes = read_comtrade(files, year=year, flow=flow)
    elif source == "baci":
        frame, notes = read_baci(files, Path(country_codes) if country_codes else None, year=year)
    else:
        raise FlowsError([Problem("--from", f"unknown source {short(source)}; use one of {', '.join(SOURCES)}")])
    known = frame["exporter"].str.fullmatch(r"[A-Z]{3}") & frame["importer"].str.fullmatch(r"[A-Z]{3}")
    if not known.all():
        dropped = sorted(set(frame.loc[~known, "exporter"]) | set(frame.loc[~known, "importer"]))
        dropped = [d for d in dropped if not pd.Series([d]).str.fullmatch(r"[A-Z]{3}").iloc[0]]
        notes.append(
            f"dropped {int((~known).sum()):,} rows with partner codes that are not countries ({', '.join(map(str, dropped[:8]))})"
        )
        frame = frame[known]
    cmap = load_category_map(Path(categories) if categories else None)
    frame = frame.groupby(["exporter", "importer", "hs"], as_index=False, sort=True).agg(
        description=("description", "first"), value_usd=("value_usd", "sum")
    )
    category = longest_prefix(frame["hs"], cmap["hs"], cmap["category"])
    unmapped = sorted(set(frame.loc[category.isna(), "hs"].str[:2]))
    if unmapped:
        raise FlowsError(
            [
                Problem(
                    str(categories or CATEGORY_MAP),
                    f"no category for HS chapter(s) {', '.join(unmapped[:10])}; add them to the map",
                )
            ]
        )
    frame["category"] = category
    frame["base_rate"] = apply_tariffs(frame, Path(tariffs) if tariffs else None, notes)
    table = validate_flows(
        frame[["exporter", "importer", "hs", "description", "category", "value_usd", "base_rate"]], "import"
    )
    target = Path(out)
    write_flows(table, target)
    directions = int(table.groupby(["importer", "exporter"], observed=True).ngroups)
    return ImportReport(target, len(table), float(table["value_usd"].sum()), directions, notes)


def write_flows(table: pd.DataFrame, out: Path) -> None:
    """Write a trade-flow table atomically, as Parquet (with pyarrow) or CSV by the suffix."""
    if out.suffix.lower() in (".parquet", ".pq"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise FlowsError(
                [Problem(str(out), "writing Parquet needs pyarrow: pip install 'tariffsim[parquet]'")]
            ) from None
        with atomic_path(out) as tmp:
            table.to_parquet(tmp, index=False)
    elif out.suffix.lower() == ".csv":
        with atomic_path(out) as tmp:
            table.to_csv(tmp, index=False)
    else:
        raise FlowsError([Problem(str(out), "write the table as .csv or .parquet")])
