"""Money and rates as people read them: USD billions and percents. Computation stays in USD and fractions."""

from __future__ import annotations

import math


def usd(x: float) -> str:
    """Money for people.

    >>> usd(12_345_000_000), usd(45_600_000), usd(0)
    ('$12.3B', '$45.6M', '$0')
    """
    if not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 1e9:
        return f"{sign}${a / 1e9:,.1f}B"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.1f}M"
    return f"{sign}${a:,.0f}"


def pct(x: float) -> str:
    """A fraction as a percent for people.

    >>> pct(1.25), pct(0.0345)
    ('125.0%', '3.5%')
    """
    return f"{x * 100:.1f}%" if math.isfinite(x) else "n/a"
