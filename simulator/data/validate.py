"""Check a raw trade-flow table row by row; return it with declared dtypes, or list the first bad rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.data.columns import CODED, COLUMN_NAMES, COLUMNS, HS_PATTERN, MAX_LISTED
from simulator.errors import FlowsError, Problem, short


def validate_flows(raw: pd.DataFrame, source: str = "<table>") -> pd.DataFrame:
    """Check every column and row; return a clean table with declared dtypes and row order kept.

    Raises FlowsError naming the source, the missing columns or the first bad rows and a count.
    """
    missing = [c.name for c in COLUMNS if c.required and c.name not in raw.columns]
    if missing:
        have = ", ".join(map(str, raw.columns[:12])) or "none"
        raise FlowsError([Problem(source, f"missing column(s) {', '.join(missing)}; the table has: {have}")])
    n = len(raw)
    line = np.arange(n) + 2  # CSV line numbers: header is line 1
    bad: list[tuple[int, str]] = []
    out: dict[str, object] = {}

    def flag(mask: np.ndarray, column: str, values: pd.Series, why: str) -> None:
        for i in np.flatnonzero(mask)[: MAX_LISTED + 1]:
            bad.append((int(i), f"{column} {short(str(values.iloc[i]), 30)} {why}"))
        counts[0] += int(mask.sum())

    counts = [0]
    for col in COLUMNS:
        if col.name not in raw.columns:
            continue
        values = raw[col.name]
        if col.kind in ("country", "hs", "text"):
            if col.kind == "hs" and pd.api.types.is_numeric_dtype(values):
                raise FlowsError(
                    [
                        Problem(
                            source,
                            f"column hs holds numbers ({values.dtype}); HS codes must be text so leading zeros survive: store them as strings",
                        )
                    ]
                )
            text = values.astype(str).str.strip()
            if col.kind == "country":
                flag(~text.str.fullmatch(r"[A-Z]{3}").to_numpy(), col.name, text, "is not an ISO alpha-3 code like USA")
            elif col.kind == "hs":
                ok = text.str.fullmatch(HS_PATTERN).to_numpy()
                flag(~ok & (text == "").to_numpy(), col.name, text, "is empty")
                odd = text.str.fullmatch(r"\d{3}|\d{5}|\d{7}|\d{9}").to_numpy()
                flag(
                    odd,
                    col.name,
                    text,
                    "has an odd number of digits; a leading zero was probably lost (write '0' + code)",
                )
                flag(~ok & ~odd & (text != "").to_numpy(), col.name, text, "is not 2-10 digits")
            elif col.required:
                flag((text == "").to_numpy(), col.name, text, "is empty")
            out[col.name] = text
        else:
            textual = not pd.api.types.is_numeric_dtype(values)
            text = values.astype(str).str.strip() if textual else values
            number = pd.to_numeric(text, errors="coerce").astype(float)
            blank = (text.astype(str) == "").to_numpy() if textual else np.zeros(n, bool)
            if not col.required:
                number = number.where(~blank, 0.0 if col.kind == "rate" else np.nan)
            nan = number.isna().to_numpy() & (~blank if not col.required else True)
            flag(nan, col.name, values, "is not a number")
            num = number.to_numpy()
            with np.errstate(invalid="ignore"):
                if col.kind == "amount":
                    flag(num < 0, col.name, values, "is negative")
                    flag(np.isinf(num), col.name, values, "is not finite")
                elif col.kind == "rate":
                    flag((num < 0) | (num > 10), col.name, values, "is outside 0-10 (rates are fractions: 0.08 = 8%)")
                else:
                    flag(num > 0, col.name, values, "is positive; import demand elasticities are <= 0")
            out[col.name] = number
    if counts[0]:
        bad.sort()
        listed = "\n".join(f"  row {line[i]}: {why}" for i, why in bad[:MAX_LISTED])
        more = f"\n  ... and {counts[0] - MAX_LISTED} more" if counts[0] > MAX_LISTED else ""
        raise FlowsError([Problem(source, f"{counts[0]} bad value(s):\n{listed}{more}")])
    table = pd.DataFrame(out, index=pd.RangeIndex(n))
    if "base_rate" not in table:
        table["base_rate"] = 0.0
    if "description" not in table:
        table["description"] = ""
    for name in CODED:
        table[name] = table[name].astype("category")
    cols = [c for c in COLUMN_NAMES if c in table.columns]
    return table[cols]
