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
    """A frame as CSV text for spreadsheets: plain decimals at full precision (the shortest text that reads
    back as the same float, so a Total row still equals the sum of the rows), Unix line ends."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format=_plain, lineterminator="\n")
    return buf.getvalue()


def _plain(x: object) -> str:
    """12761369920.0 rather than 1.276137e+10; exact.

    >>> _plain(1.276136992e10), _plain(0.1 + 0.2), _plain(0.0)
    ('12761369920', '0.30000000000000004', '0')
    """
    value = float(x)  # type: ignore[arg-type]
    text = repr(value)
    if "e" in text or "E" in text:
        text = f"{value:.17f}".rstrip("0") if abs(value) < 1 else f"{value:.0f}"
        return text.rstrip(".") if "." in text and float(text) == value else repr(value)
    return text[:-2] if text.endswith(".0") else text


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
