"""Plain-text building blocks shared by every renderer: JSON-safe records, CSV text, aligned grids."""

from __future__ import annotations

import io
import math
from datetime import date
from typing import Any

import pandas as pd


def json_safe(x: Any) -> Any:
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if hasattr(x, "item"):
        return json_safe(x.item())
    return x


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as ISO text, non-finite numbers as None."""
    return [{str(k): json_safe(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text: full precision without float noise, Unix line ends."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    return buf.getvalue()


def grid(header: list[str], rows: list[list[str]], *, separator_before_last: bool = False) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    body = [line(r) for r in rows]
    if separator_before_last and body:
        body.insert(len(body) - 1, "  ".join("-" * w for w in widths))
    return out + body


def markdown_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks as spaces.

    >>> markdown_cell("Food | drink\\nand more")
    'Food \\\\| drink and more'
    """
    return " ".join(str(text).split()).replace("|", "\\|")
