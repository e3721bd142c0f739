"""The keys a scenario file may use, declared once: the reader and the JSON schema share them."""

from __future__ import annotations

MAX_RATE = 10.0  # 1000%: above this a rate is surely a typo
TOP_KEYS = (
    "name",
    "description",
    "importer",
    "exporter",
    "trade",
    "extends",
    "layers",
    "exemptions",
    "remove",
    "response",
    "stacking",
    "record_ends",
    "base",
)
SELECTOR_KEYS = ("categories", "hs", "hs_list", "except_categories", "except_hs", "partners", "except_partners")
LAYER_KEYS = ("name", "description", "rate", "rates", "all_in", "record_ends", *SELECTOR_KEYS)
EXEMPTION_KEYS = ("name", "description", "layers", "share", "shares", "probability", *SELECTOR_KEYS)
RESPONSE_KEYS = ("elasticity", "substitution", "categories")
RESPONSE_CATEGORY_KEYS = ("elasticity", "substitution")
STACKING_KEYS = ("layer", "yields_to", "higher_of", "description")
RESERVED_LAYER_NAMES = ("base_rate",)
