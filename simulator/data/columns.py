"""The trade-flow table's columns, declared once: names, kinds, units and meaning.

One row per product line and direction. Values are annual import values in USD; rates are
fractions (0.08 = 8%). HS codes are text so that leading zeros survive (`0201` is beef).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "country", "hs", "text", "amount", "rate", "elasticity"
    required: bool
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("exporter", "country", True, "ISO 3166 alpha-3 code of the exporting country"),
    Column("importer", "country", True, "ISO 3166 alpha-3 code of the importing (duty-levying) country"),
    Column("hs", "hs", True, "HS code, 2-10 digits as text; leading zeros kept"),
    Column("description", "text", False, "what the line is, for people"),
    Column("category", "text", True, "name used in reports and exemption lists"),
    Column("value_usd", "amount", True, "annual import value, USD, >= 0"),
    Column("base_rate", "rate", False, "tariff in force when values were observed, fraction; default 0"),
    Column("elasticity", "elasticity", False, "import demand elasticity for the trade response, <= 0; optional"),
    Column("source", "text", False, "where the value comes from (e.g. census_hs10, estimate_2017_shares); optional"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
# Few distinct values and many rows: stored as pandas categoricals, so filtering and grouping work on
# integer codes and a 10-million-row table stays small.
CODED = ("exporter", "importer", "hs", "category")
# ASCII digits only, and matched whole (`fullmatch`): `\d` takes any script's digits and `$` a trailing newline.
HS_PATTERN = re.compile(r"[0-9]{2}(?:[0-9]{2}){0,4}")
MAX_LISTED = 10

# Shared with the rate tables' checks, here so that reading a scenario never imports pandas.
COUNTRY = re.compile(r"[A-Z]{3}")
ODD_HS = re.compile(r"[0-9]{3}|[0-9]{5}|[0-9]{7}|[0-9]{9}")
# Real tariff tables have few lines at 100% or more; when most non-zero base rates are >= 1 the
# column was almost surely written in percent (3 meaning 3%).
PERCENT_LOOKING_SHARE = 0.5


ESTIMATE_PREFIX = "estimate"  # a `source` starting so marks an estimated value (estimate_2017_shares, ...)


def is_estimate(source: object) -> bool:
    """Whether a `source` value marks the line's value as an estimate (estimate_2017_shares, ...): the one
    rule every reader and summary uses, so the estimated share is the same wherever it is shown."""
    return str(source).startswith(ESTIMATE_PREFIX)
