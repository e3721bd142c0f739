"""Check a raw trade-flow table; return it with declared dtypes, or list the first bad rows.

Text columns (countries, HS codes, categories) hold a few thousand distinct values in millions of
rows, so they are checked once per distinct value and the verdicts gathered back to rows. Numbers
are checked with vectorised masks. The same checks run whatever the input: CSV text, Parquet, or a
DataFrame handed to the Python API (already float or categorical columns included).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.data.columns import (
    CODED,
    COLUMN_NAMES,
    COLUMNS,
    COUNTRY,
    MAX_LISTED,
    PERCENT_LOOKING_SHARE,
    Column,
    is_estimate,
)
from simulator.errors import FlowsError, Problem, short

THOUSANDS = re.compile(r"-?\d{1,3}([,.' ]\d{3})+([.,]\d+)?")
MAX_TOTAL_USD = 1e15  # world goods trade is about $2.5e13 a year


class _Bad:
    """Collects bad rows (index, reason) and counts them, listing only the first few."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str]] = []
        self.count = 0

    def flag(self, mask: np.ndarray, column: str, values: pd.Series, why: str) -> None:
        hits = np.flatnonzero(mask)
        self.count += len(hits)
        for i in hits[: MAX_LISTED + 1]:
            self.rows.append((int(i), f"{column} {short(str(values.iloc[i]), 30)} {why}"))

    def flag_distinct(self, verdict: np.ndarray, codes: np.ndarray, column: str, values: pd.Series, why: str) -> None:
        """Flag the rows whose distinct value has a True verdict; no per-row work when none has."""
        if verdict.any():
            self.flag(_gather(verdict, codes), column, values, why)


def validate_flows(raw: pd.DataFrame, source: str = "<table>") -> pd.DataFrame:
    """Check every column and row; return a clean table with declared dtypes and row order kept.

    Raises FlowsError naming the source, the missing columns or the first bad rows and a count.
    """
    columns = [str(c) for c in raw.columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise FlowsError([Problem(source, f"column(s) {', '.join(duplicated)} appear twice in the header; keep one")])
    missing = [c.name for c in COLUMNS if c.required and c.name not in raw.columns]
    if missing:
        have = ", ".join(columns[:12]) or "none"
        raise FlowsError([Problem(source, f"missing column(s) {', '.join(missing)}; the table has: {have}")])
    n = len(raw)
    bad = _Bad()
    out: dict[str, object] = {}
    for col in COLUMNS:
        if col.name not in raw.columns:
            continue
        values = raw[col.name]
        if col.kind in ("country", "hs", "text"):
            out[col.name] = _text(col, values, bad, source)
        else:
            out[col.name] = _number(col, values, bad)
    if not bad.count:
        _check_sums(out, bad)
    if bad.count:
        bad.rows.sort()
        line = np.arange(n) + 2  # CSV line numbers: the header is line 1
        listed = "\n".join(f"  row {line[i]}: {why}" for i, why in bad.rows[:MAX_LISTED])
        more = f"\n  ... and {bad.count - MAX_LISTED} more" if bad.count > MAX_LISTED else ""
        raise FlowsError([Problem(source, f"{bad.count} bad value{'s' if bad.count != 1 else ''}:\n{listed}{more}")])
    if "base_rate" not in out:
        out["base_rate"] = np.zeros(n)
    if "description" not in out:  # one shared empty text, not a million strings (7 ms a million rows)
        out["description"] = pd.Categorical.from_codes(np.zeros(n, np.int8), categories=pd.Index([""], dtype=object))
    # built once in the columns' order: adding columns and then reordering cost a millisecond a million rows
    return pd.DataFrame({c: out[c] for c in COLUMN_NAMES if c in out}, index=pd.RangeIndex(n), copy=False)


def _text(col: Column, values: pd.Series, bad: _Bad, source: str) -> pd.Series:
    """Check a text column once per distinct value; coded columns come back as categoricals.

    The distinct values are handled as Python lists and object arrays, not Series: on a table of a few
    thousand codes pandas' per-call costs were most of the check."""
    if col.kind == "hs" and pd.api.types.is_numeric_dtype(values):
        raise FlowsError(
            [
                Problem(
                    source,
                    f"column hs holds numbers ({values.dtype}); HS codes must be text so leading zeros survive: store them as strings",
                )
            ]
        )
    if isinstance(values.dtype, pd.CategoricalDtype):  # codes already: nothing to factorise
        codes, uniques = values.array.codes, values.cat.categories  # the codes' own view: `.cat.codes` copies
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)  # missing values (None, NaN) become -1
    given = np.asarray(uniques, dtype=object).tolist()  # through numpy: an Arrow-backed Index lists slower
    text = [str(v).strip() for v in given]
    if not all(map(str.isascii, text)):  # ASCII is its own NFC form
        # NFC: "Café" typed on a Mac (e + combining accent) and on Windows (é) is one category, as a reader sees it
        text = [unicodedata.normalize("NFC", t) for t in text]
    words = np.array(text, dtype=object).reshape(len(text))  # reshape: an empty list gives shape (0,)
    absent = codes < 0
    any_absent = bool(absent.any())
    if col.required or col.kind == "hs":
        empty_u = words == ""
        if any_absent or empty_u.any():
            bad.flag(absent | _gather(empty_u, codes), col.name, _shown(values, absent), "is empty")
    if col.name in CODED and isinstance(values.dtype, pd.CategoricalDtype) and not any_absent and text == given:
        _check_codes(col, words, codes, values, bad)  # already clean categories: check them, keep the column
        return values.reset_index(drop=True)
    _check_codes(col, words, codes, values, bad)
    if col.name in CODED:  # built from the codes, never from per-row strings; missing rows were flagged
        clean_codes, clean_values = pd.factorize(words)  # " USA" and "USA" are one category
        row_codes = np.where(absent, -1, clean_codes[np.maximum(codes, 0)] if len(text) else -1)
        return pd.Series(pd.Categorical.from_codes(row_codes, categories=pd.Index(clean_values, dtype=object)))
    cleaned = pd.Series(words[np.maximum(codes, 0)] if len(text) else np.full(len(codes), ""), dtype=object)
    cleaned[absent] = ""
    return cleaned


def _check_codes(col: Column, words: np.ndarray, codes: np.ndarray, values: pd.Series, bad: _Bad) -> None:
    """Country and HS checks on the distinct values (`words`, an object array of str); rows are
    gathered only when one is bad."""
    if col.kind == "country":
        wrong_u = ~_fullmatch(COUNTRY, words) & (words != "")
        bad.flag_distinct(wrong_u, codes, col.name, values, "is not an ISO alpha-3 code like USA")
    elif col.kind == "hs":
        ok_u, odd_u = hs_shapes(words)
        bad.flag_distinct(
            odd_u,
            codes,
            col.name,
            values,
            "has an odd number of digits; a leading zero was probably lost (write '0' + code)",
        )
        bad.flag_distinct(~ok_u & ~odd_u & (words != ""), codes, col.name, values, "is not 2-10 digits")


def hs_shapes(text: Sequence[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct text: is it an HS code (HS_PATTERN), is it one with an odd digit count (ODD_HS)?

    One pass of str methods, twice as fast as numpy's string functions on 5,000 codes (which had to
    copy them into a numpy string array first) and five times the two regexes. Only ASCII digits
    count: isdigit takes every script's.
    """
    given = text.tolist() if isinstance(text, np.ndarray) else list(text)
    # 1: an HS code; 2: digits of an odd length a lost leading zero would explain; 0: neither
    shape = np.fromiter(
        (
            (1 if len(t) in HS_LENGTHS else 2 if len(t) in ODD_LENGTHS else 0) if t.isascii() and t.isdigit() else 0
            for t in given
        ),
        np.int8,
        len(given),
    )
    return shape == 1, shape == 2


HS_LENGTHS, ODD_LENGTHS = frozenset((2, 4, 6, 8, 10)), frozenset((3, 5, 7, 9))


def _fullmatch(pattern: re.Pattern[str], text: np.ndarray) -> np.ndarray:
    """Whether each distinct text matches the whole pattern (a plain loop: a few thousand values)."""
    return np.fromiter((pattern.fullmatch(t) is not None for t in text), bool, len(text))


def _number(col: Column, values: pd.Series, bad: _Bad) -> pd.Series:
    """Numbers from numbers or from text; a percent sign is read as percent ('3%' is 0.03)."""
    n = len(values)
    if pd.api.types.is_bool_dtype(values):
        bad.flag(np.ones(n, bool), col.name, values, "is true/false, not a number")
        return pd.Series(np.zeros(n))
    if pd.api.types.is_numeric_dtype(values):
        number = values.to_numpy(dtype=float, na_value=np.nan)
        if _clean(col, number):  # the usual case, in two passes: nothing to flag, nothing to fill
            return _kept(values, number)
        blank = np.isnan(number) & (col.kind != "amount")  # an empty optional cell, as pd.read_csv gives it
    else:
        text = values.astype(str).str.strip().where(values.notna(), "")
        blank = (text == "").to_numpy()
        percent = text.str.endswith("%").to_numpy() & (col.kind == "rate")
        digits = text.str.rstrip("%").str.strip()
        number = pd.to_numeric(digits, errors="coerce").to_numpy(dtype=float)
        number = np.where(percent, number / 100, number)
        unparsed = np.isnan(number) & ~blank
        separators = unparsed & digits.str.fullmatch(THOUSANDS).to_numpy()
        bad.flag(
            separators,
            col.name,
            values,
            "has thousands separators; write plain digits with '.' for decimals (1234567.5), or export the sheet without number formatting",
        )
        bad.flag(unparsed & ~separators, col.name, values, "is not a number")
        number = np.where(unparsed, 0.0, number)
    if col.required:
        missing = blank | np.isnan(number)
        if missing.any():
            bad.flag(missing, col.name, values, "is empty")
            number = np.where(np.isnan(number), 0.0, number)
    elif blank.any():
        number = np.where(blank, 0.0 if col.kind == "rate" else np.nan, number)
    with np.errstate(invalid="ignore"):
        if col.kind == "amount":
            bad.flag(number < 0, col.name, values, "is negative")
            bad.flag(np.isinf(number), col.name, values, "is not finite")
        elif col.kind == "rate":
            bad.flag(
                (number < 0) | (number > 10) | np.isinf(number),
                col.name,
                values,
                "is outside 0-10 (rates are fractions: 0.08 = 8%)",
            )
            _flag_percent_looking(number, col, values, bad)
        else:
            bad.flag(
                (number > 0) | np.isinf(number), col.name, values, "is positive; import demand elasticities are <= 0"
            )
    return _kept(values, number)


def _clean(col: Column, number: np.ndarray) -> bool:
    """True when no check can flag a row: decided from the minimum and maximum alone (NaN, which
    min and max propagate, fails every comparison). Rates below 1 cannot look like percents."""
    if not len(number):
        return False
    low, high = float(number.min()), float(number.max())
    if col.kind == "amount":
        return low >= 0 and high < np.inf
    if col.kind == "rate":
        return low >= 0 and high < 1
    return low > -np.inf and high <= 0


def _kept(values: pd.Series, number: np.ndarray) -> pd.Series:
    """The checked numbers; the column itself when it already holds them as float64 (no copy)."""
    if (
        isinstance(values.dtype, np.dtype)
        and values.dtype == np.float64
        and np.shares_memory(number, values.to_numpy())
    ):
        return values.reset_index(drop=True)
    return pd.Series(number, dtype=float)


def _flag_percent_looking(number: np.ndarray, col: Column, values: pd.Series, bad: _Bad) -> None:
    """Base rates like 3, 0, 4 meaning 3%: refused, since read as fractions they are 300%."""
    with np.errstate(invalid="ignore"):
        in_range = number <= 10
        positive = np.count_nonzero((number > 0) & in_range)
        if not positive or np.count_nonzero((number >= 1) & in_range) <= positive * PERCENT_LOOKING_SHARE:
            return
    bad.flag(
        (number >= 1) & (number <= 10),
        col.name,
        values,
        f"looks like a percent: most non-zero {col.name} values are 1 or more, which as fractions means 100% "
        "or more; write fractions (0.03 for 3%) or add a percent sign (3%)",
    )


def _check_sums(out: dict[str, object], bad: _Bad) -> None:
    """Each row finite is not enough: the totals must be too, with room for layers of up to 1000%."""
    value = np.asarray(out["value_usd"], dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        if value.sum() <= MAX_TOTAL_USD:  # the usual case, in one pass
            return
        running = np.cumsum(value)
    over = ~(running <= MAX_TOTAL_USD)
    if over.any():
        first = np.zeros(len(value), bool)
        first[int(np.argmax(over))] = True
        bad.flag(
            first,
            "value_usd",
            pd.Series(value),
            f"brings the table's total past ${MAX_TOTAL_USD:.0e} USD, about 40 times world trade; check the units "
            "(USD, not thousands of USD or cents)",
        )


def _gather(verdict: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per-distinct verdicts to rows; rows with a missing value (-1) get False."""
    if not len(verdict) or not verdict.any():
        return np.zeros(len(codes), bool)
    return np.where(codes >= 0, verdict[np.maximum(codes, 0)], False)


def _shown(values: pd.Series, absent: np.ndarray) -> pd.Series:
    return values.astype(object).where(~absent, "(missing)")


def estimate_rows(rows: pd.DataFrame) -> np.ndarray | None:
    """(N,) 1.0 where the table marks a line's value as an estimate (`source` estimate_...), else 0.0;
    None when no line is marked (most tables), so that callers skip a per-row product.

    Decided once per distinct source, not per row."""
    if "source" not in rows.columns:
        return None
    codes, names = pd.factorize(rows["source"], use_na_sentinel=True)
    marked = np.array([is_estimate(n) for n in names] + [False], dtype=float)
    return marked[codes] if marked.any() else None
