"""Files a scenario refers to besides the trade table: rate tables and HS code lists.

Real measures are lists of hundreds of codes (Annex II, Section 232, China's tiers); they live in
CSV files beside the scenario, checked with the same care as the trade table: every bad row listed
with its line number, codes kept as text, percent signs read as percent.

A rate table has columns `hs`, `rate` and optionally `from` (YYYY-MM-DD), `partner` (a code or
group: the row holds for that partner only), `share` (the dutiable share of the line's value, e.g.
Section 232 on metal content only), `all_in` (yes: the rate is a level the base is topped up to) and
`note`. A blank `hs` holds for every line (a partner's rate on all its goods). A share table (an exemption's per-line shares, such as USMCA's qualifying shares) has `hs`,
`share` and optionally `partner` and `note`. An HS list has a column `hs` and optionally `note`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from simulator.bundled import shown
from simulator.data.columns import COUNTRY, HS_PATTERN, ODD_HS, PERCENT_LOOKING_SHARE
from simulator.data.partners import groups, suggestion
from simulator.errors import Problem, ScenarioError, short
from simulator.scenario.model import RateTable
from simulator.scenario.scalars import parse_date

T = TypeVar("T")

MAX_LISTED = 10
MAX_RATE = 10.0
MAX_ROWS = 200_000  # Section 301 lists about 12,000 codes; far more is not a list of measures


# (required, allowed) columns
RATE_COLUMNS = (("hs", "rate"), ("hs", "rate", "from", "partner", "share", "all_in", "note"))
SHARE_COLUMNS = (("hs", "share"), ("hs", "share", "partner", "note"))


def read_rate_table(path: Path, where: str, *, shares: bool = False) -> RateTable:
    """Read and check a rate table (or, with `shares`, an exemption's share table); raise
    ScenarioError listing the first bad rows."""
    required, allowed = SHARE_COLUMNS if shares else RATE_COLUMNS
    text = _text(path, where)
    if (plain := _plain_table(path, text, shares, allowed)) is not None:
        return plain
    rows, bad = _rows(path, text, required, allowed)
    header = set(rows[0][1]) if rows else set()
    rate_of, share_of = _memo(_share if shares else _rate), _memo(_share)
    date_of, partners_of, flag_of = _memo(_date), _memo(_partners), _memo(_flag)
    out: list[tuple[str, date | None, float]] = []
    partners: list[str | None] = []
    dutiable: list[float] = []
    all_in: list[bool] = []
    seen: dict[tuple[str, str | None, date | None], int] = {}
    for line, row in rows:
        code = "" if not row.get("hs") else _code(row["hs"], line, bad)  # blank: every line
        rate = rate_of(row.get("share" if shares else "rate", ""), line, bad)
        start = date_of(row.get("from", ""), line, bad)
        who = partners_of(row.get("partner", ""), line, bad)
        share = share_of(row["share"], line, bad) if "share" in row and not shares and row["share"] else 1.0
        flag = flag_of(row.get("all_in", ""), line, bad)
        if code is None or rate is None or start is False or who is None or share is None or flag is None:
            continue
        assert start is not True
        if math.isnan(rate) and start is None:
            bad.append((line, "rate end needs a from date: the day the prefix stops being listed"))
            continue
        for partner in who:
            if (code, partner, start) in seen:
                first = seen[(code, partner, start)]
                also = f" for {partner}" if partner else ""
                bad.append(
                    (
                        line,
                        f"hs {code}{also} appears twice{' from ' + str(start) if start else ''} (first on row {first}); keep one",
                    )
                )
                continue
            seen[(code, partner, start)] = line
            out.append((code, start, rate))
            partners.append(partner)
            dutiable.append(share)
            all_in.append(flag)
    if not shares:
        _percent_looking([(line, row.get("rate", "")) for line, row in rows], bad)
    if not rows and not bad:
        what = "share table" if shares else "rate table"
        bad.append((1, f"holds only its header; a {what} needs at least one row (or drop the key that names it)"))
    _raise(path, where, bad)
    return RateTable(
        source=str(path),
        rows=tuple(out),
        partners=tuple(partners) if "partner" in header else (),
        shares=tuple(dutiable) if "share" in header and not shares else (),
        all_in=tuple(all_in) if "all_in" in header else (),
    )


# a space or tab at either end of a value: the row-by-row reader strips it, so such a file is read there
_PADDED = re.compile(r"(?:^|,)[^\S\n]|[^\S\n](?:,|$)", re.MULTILINE)
_ASCII_SPACES = (" ", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")  # str.isspace's, but newline


def _plain_table(path: Path, text: str, shares: bool, allowed: tuple[str, ...]) -> RateTable | None:
    """The table read column by column, when it is plain and every value good: no quotes, no blank or
    short row, no value padded with spaces, a header of known columns, one partner a row, no repeated
    row. Each distinct text is read by the row-by-row reading's own parsers; anything they or these
    checks refuse returns None, and the row-by-row reading reads the table (and names what is wrong,
    with its line). A share table of 40,000 rows (USMCA) took 0.15 s row by row; a test holds the two
    readings equal."""
    if not text or '"' in text or "\0" in text:  # quotes, NULs: the csv module's cases
        return None
    if not (text.isascii() and not any(c in text for c in _ASCII_SPACES)) and _PADDED.search(text):
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    header = lines[0].split(",")
    value = "share" if shares else "rate"
    width = len(header)
    if len(lines) < 2 or len(set(header)) < width or not {"hs", value} <= set(header) <= set(allowed):
        return None
    cells = [line.split(",") for line in lines[1:]]
    if len(cells) > MAX_ROWS or any(len(row) != width or not any(row) for row in cells):
        return None
    column = dict(zip(header, zip(*cells, strict=True), strict=True))
    n = len(cells)
    refused: list[tuple[int, str]] = []  # what the parsers would list as bad rows
    codes = column["hs"]
    for code in set(codes):
        if code:
            _code(code, 0, refused)
    number = {t: (_share if shares else _rate)(t, 0, refused) for t in set(column[value])}
    day = {t: _date(t, 0, refused) for t in set(column.get("from", ("",)))}
    who = {t: _partners(t, 0, refused) for t in set(column.get("partner", ("",)))}
    dutiable = "share" in column and not shares  # in a rate table: the dutiable share of each line
    share_of = {t: _share(t, 0, refused) if t else 1.0 for t in set(column["share"])} if dutiable else {}
    flag = {t: _flag(t, 0, refused) for t in set(column.get("all_in", ("",)))}
    if refused or any(w is None or len(w) != 1 for w in who.values()):
        return None
    rates = [number[t] for t in column[value]]
    starts = [day[t] for t in column["from"]] if "from" in column else [None] * n
    if any(r != r and d is None for r, d in zip(rates, starts, strict=True)):  # an end row needs a date
        return None
    partners = [who[t][0] for t in column["partner"]] if "partner" in column else [None] * n  # type: ignore[index]
    if len(set(zip(codes, partners, starts, strict=True))) < n:
        return None
    if not shares:
        _percent_looking(list(enumerate(column["rate"])), refused)
        if refused:
            return None
    return RateTable(
        source=str(path),
        rows=tuple(zip(codes, starts, rates, strict=True)),  # type: ignore[arg-type]
        partners=tuple(partners) if "partner" in column else (),
        shares=tuple(share_of[t] for t in column["share"]) if dutiable else (),  # type: ignore[misc]
        all_in=tuple(bool(flag[t]) for t in column["all_in"]) if "all_in" in column else (),
    )


Parse = Callable[[str, int, list[tuple[int, str]]], T]


def _memo(parse: Parse[T]) -> Parse[T]:
    """`parse` read once per distinct text: a table of 12,000 rows holds a few rates, dates and partners.
    A text that was bad is parsed again on every row, so each bad row is still listed with its line."""
    seen: dict[str, T] = {}

    def parsed(text: str, line: int, bad: list[tuple[int, str]]) -> T:
        if text in seen:
            return seen[text]
        before = len(bad)
        value = parse(text, line, bad)
        if len(bad) == before:
            seen[text] = value
        return value

    return parsed


def _partners(text: str, line: int, bad: list[tuple[int, str]]) -> tuple[str | None, ...] | None:
    """The partner codes a row holds for: (None,) for every partner, a group's members, or one code."""
    if not text:
        return (None,)
    if text in groups():
        return groups()[text]
    if COUNTRY.fullmatch(text):
        return (text,)
    near = suggestion(text)
    bad.append(
        (
            line,
            f"partner {short(text)} is not a partner code (ISO alpha-3) or group{f'; did you mean {near}?' if near else ''}",
        )
    )
    return None


def _share(text: str, line: int, bad: list[tuple[int, str]]) -> float | None:
    """A share of value, 0-100%: '40%' or a fraction '0.4'."""
    return _fraction(text, line, bad, "share", 1.0, "write 40% or 0.4", "; write a share of the line's value, e.g. 40%")


def _flag(text: str, line: int, bad: list[tuple[int, str]]) -> bool | None:
    lowered = text.lower()
    if lowered in ("", "no", "false", "0"):
        return False
    if lowered in ("yes", "true", "1"):
        return True
    bad.append((line, f"all_in {short(text)} is not yes or no"))
    return None


def read_hs_list(path: Path, where: str) -> tuple[str, ...]:
    """Read and check a list of HS codes (prefixes); raise ScenarioError listing the first bad rows."""
    rows, bad = _rows(path, _text(path, where), ("hs",), ("hs", "note"))
    codes = [c for line, row in rows if (c := _code(row.get("hs", ""), line, bad)) is not None]
    if not codes and not bad:
        bad.append((1, "lists no code; an empty list would match nothing"))
    _raise(path, where, bad)
    return tuple(dict.fromkeys(codes))


def _text(path: Path, where: str) -> str:
    """The file's text, or a ScenarioError saying why it cannot be read."""
    if path.is_dir():
        raise ScenarioError([Problem(where, f"{path} is a folder; name the CSV file inside it")])
    if not path.is_file():
        if path.exists():
            raise ScenarioError([Problem(where, f"{path} is not a regular file (a pipe or device?); save it as CSV")])
        raise ScenarioError([Problem(where, f"no such file {path} (paths are relative to the scenario file)")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [Problem(shown(path), f"cannot read as UTF-8 text ({exc.__class__.__name__}); save it as CSV UTF-8")]
        ) from None
    return text


def _rows(
    path: Path, text: str, required: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise _unreadable(path, reader.line_num, exc) from None
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise ScenarioError(
            [Problem(shown(path), f"column(s) {', '.join(map(short, twice))} appear twice in the header; keep one")]
        )
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in allowed]
    if missing or unknown:
        what = (f"missing column(s) {', '.join(missing)}" if missing else "") + (
            ("; " if missing else "") + f"unknown column(s) {', '.join(map(short, unknown))}" if unknown else ""
        )
        raise ScenarioError(
            [Problem(shown(path), f"{what}; the columns are {', '.join(allowed)} ({', '.join(required)} required)")]
        )
    rows: list[tuple[int, dict[str, str]]] = []
    bad: list[tuple[int, str]] = []
    while True:  # missing trailing cells read as blank
        line = reader.line_num + 1  # where this row starts (a quoted value may span lines)
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _unreadable(path, line, exc) from None
        if len(rows) >= MAX_ROWS:
            raise ScenarioError([Problem(shown(path), f"has more than {MAX_ROWS:,} rows; is this a trade table?")])
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            bad.append(
                (
                    line,
                    f"has {len(cells)} fields but the header names {len(header)} "
                    f"({short(','.join(cells), 40)}); a comma inside a value? quote the value or remove the comma",
                )
            )
        elif "".join(cells).strip():  # a blank line is no row (as csv.DictReader reads it)
            rows.append((line, dict(zip(header, map(str.strip, cells), strict=False))))
    return rows, bad


def _unreadable(path: Path, line: int, exc: csv.Error) -> ScenarioError:
    """A CSV the reader cannot split into rows, almost always a stray or unclosed double quote."""
    return ScenarioError(
        [
            Problem(
                str(path),
                f"cannot be read as CSV from row {line} on ({str(exc)[:80]}); a stray or unclosed double quote? "
                "remove it, or close the quoted value",
            )
        ]
    )


def _code(text: str, line: int, bad: list[tuple[int, str]]) -> str | None:
    if HS_PATTERN.fullmatch(text):
        return text
    if ODD_HS.fullmatch(text):
        bad.append(
            (line, f"hs {short(text)} has an odd number of digits; a leading zero was probably lost (write '0' + code)")
        )
    else:
        bad.append((line, f"hs {short(text)} is not an HS code of 2, 4, 6, 8 or 10 digits"))
    return None


def _rate(text: str, line: int, bad: list[tuple[int, str]]) -> float | None:
    """A rate, or NaN for `end`: from the row's date the prefix has no row of its own (its lines fall to
    a shorter prefix, or to none: no longer subject to the measure, which a 0% row would still make them)."""
    if text.lower() == "end":
        return math.nan
    return _fraction(text, line, bad, "rate", MAX_RATE, "write 25% or 0.25 (or end, with a from date)", "")


def _fraction(
    text: str, line: int, bad: list[tuple[int, str]], what: str, high: float, how: str, fix: str
) -> float | None:
    """'25%' or '0.25' as 0.25, within 0 and `high`; else a listed bad row."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        bad.append((line, f"{what} {short(text)} is not a number; {how}"))
        return None
    if not 0 <= value <= high:
        bad.append((line, f"{what} {short(text)} is outside 0%-{high * 100:g}%{fix}"))
        return None
    return value


def _date(text: str, line: int, bad: list[tuple[int, str]]) -> date | bool | None:
    """The row's start date, None when undated, False when unreadable (and listed)."""
    if not text:
        return None
    found = parse_date(text)
    if found is not None:
        return found
    bad.append((line, f"from {short(text)} is not a date; write YYYY-MM-DD, e.g. 2025-04-10"))
    return False


def _percent_looking(rates: list[tuple[int, str]], bad: list[tuple[int, str]]) -> None:
    """Rates typed as 25 for 25% read as 2500% and are refused above; 3 for 3% would pass as 300%.
    `rates`: (line, text) of every row."""
    plain = [(line, text) for line, text in rates if not text.endswith("%")]
    values = [float(r) for _, r in plain if _is_number(r) and float(r) > 0]
    if values and sum(v >= 1 for v in values) > len(values) * PERCENT_LOOKING_SHARE:
        for line, text in plain[:MAX_LISTED]:
            if _is_number(text) and float(text) >= 1:
                bad.append(
                    (
                        line,
                        f"rate {short(text)} looks like a percent (most rates are 1 or more); write {text}% or a fraction",
                    )
                )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _raise(path: Path, where: str, bad: list[tuple[int, str]]) -> None:
    if not bad:
        return
    bad.sort()
    listed = "\n".join(f"  row {line}: {why}" for line, why in bad[:MAX_LISTED])
    more = f"\n  ... and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else ""
    raise ScenarioError(
        [Problem(f"{shown(path)} (from {where})", f"{len(bad)} bad row{'s' if len(bad) != 1 else ''}:\n{listed}{more}")]
    )
