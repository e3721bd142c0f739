"""A JSON Schema of the scenario format, for editors (YAML language server) and other tools.

It mirrors what loader.py enforces, so an editor flags the same mistakes before tariffsim runs;
loader.py stays the authority (it also checks categories against the table and extends chains).
"""

from __future__ import annotations

import json
from typing import Any

from simulator.scenario.fields import EXEMPTION_KEYS, LAYER_KEYS, RESPONSE_KEYS, STACKING_KEYS, TOP_KEYS

SCHEMA_ID = "https://tariffsim.invalid/scenario.schema.json"  # an identifier, never fetched
ELASTICITY = {"type": "number", "maximum": 0, "minimum": -20}
SUBSTITUTION = {"type": "number", "minimum": 0, "maximum": 20}
PERCENT = r"^\s*-?[0-9]+(\.[0-9]+)?\s*%\s*$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
HS = r"^[0-9]{2}([0-9]{2}){0,4}$"
PARTNER = r"^([A-Z]{3}|[A-Z][A-Z_]*)$"  # a code, or a group name (`tariffsim list --partners`)


def _dated(what: str, example: str) -> dict[str, Any]:
    percent = {"type": "string", "pattern": PERCENT, "description": f"A {what} with a percent sign, e.g. {example}."}
    return {
        "description": f"A {what} written with a percent sign, or a dated schedule {{YYYY-MM-DD: {example}}}: each value "
        "holds from its date until the next; before the first date the value is 0%.",
        "oneOf": [
            percent,
            {"type": "object", "minProperties": 1, "propertyNames": {"pattern": DATE}, "additionalProperties": percent},
        ],
    }


def scenario_schema() -> dict[str, Any]:
    hs_list = {
        "type": "array",
        "items": {
            "type": "string",
            "pattern": HS,
            "description": "HS prefix in quotes: 2 (chapter), 4 (heading), 6 (subheading), 8 or 10 digits.",
        },
    }
    names = {"type": "array", "items": {"type": "string", "minLength": 1}}
    partners = {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "string",
            "pattern": PARTNER,
            "description": "ISO alpha-3 code (EUN: the EU) or a group name.",
        },
    }
    selector = {
        "categories": {
            **names,
            "description": "Category names from the trade table; a line matches if its category is listed.",
        },
        "hs": {**hs_list, "description": "HS code prefixes, quoted; a line matches if its code starts with one."},
        "hs_list": {
            "type": "string",
            "description": "A CSV file of HS prefixes (column hs), relative to this file: for lists of hundreds of codes.",
        },
        "except_categories": {**names, "description": "Categories excluded even if matched above."},
        "except_hs": {**hs_list, "description": "HS prefixes excluded even if matched above."},
        "partners": {
            **partners,
            "description": "Only lines from these partners (ISO alpha-3 codes or groups: EU, USMCA...).",
        },
        "except_partners": {**partners, "description": "Partners excluded even if matched above."},
    }
    text = {"type": "string"}
    layer = {
        "type": "object",
        "description": "An additional ad valorem duty, stacked on the table's base rate.",
        "required": ["name"],
        "oneOf": [{"required": ["rate"]}, {"required": ["rates"]}],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "not": {"const": "base_rate"}},
            "description": text,
            "rate": _dated("rate (0%-1000%)", "125%"),
            "rates": {
                "type": "string",
                "description": "A rate table instead of one rate: CSV with columns hs, rate and optionally from "
                "(YYYY-MM-DD), partner, share (dutiable share of value), all_in (yes/no) and note, relative to this "
                "file; the longest HS prefix in force wins, a partner's row before a general one.",
            },
            "all_in": {
                "type": "boolean",
                "description": "The rate is an all-in level: the layer adds max(0, rate - the line's base rate).",
            },
            "record_ends": {
                "type": "string",
                "pattern": DATE,
                "description": "The last day this layer's measure is encoded, where later changes to it are not held "
                "(say which in its description); a run at a later date warns.",
            },
            **selector,
        },
    }
    exemption = {
        "type": "object",
        "description": "Waives some layers for the matched lines; needs a selector (categories, hs, partners or shares).",
        "required": ["name"],
        "anyOf": [{"required": [k]} for k in ("categories", "hs", "hs_list", "partners", "shares")],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "description": text,
            "layers": {
                **names,
                "minItems": 1,
                "description": "Layers it waives; leave out to waive all. The base rate is never waived.",
            },
            "share": _dated("share of the matched value exempted (0%-100%)", "100%"),
            "shares": {
                "type": "string",
                "description": "A share table: CSV with columns hs, share and optionally partner and note; each line's "
                "exempted share is its row's share times `share` (0 where no row matches), e.g. USMCA qualifying shares.",
            },
            "probability": {
                "type": "string",
                "pattern": PERCENT,
                "description": "How likely the exemption is granted, for uncertainty draws.",
            },
            **selector,
        },
    }
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "tariffsim scenario",
        "description": "Tariff layers and exemptions applied to a trade-flow table. Reference: README.md, 'Scenario format'.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "description": text,
            "importer": {
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "description": "Who levies the duties (ISO 3166 alpha-3).",
            },
            "exporter": {
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "description": "Optional: default every exporter in the table.",
            },
            "trade": {
                "type": "string",
                "description": "Trade-flow table, relative to this file; default the bundled one.",
            },
            "extends": {"type": "string", "description": "Another scenario file to start from, relative to this file."},
            "record_ends": {
                "type": "string",
                "pattern": DATE,
                "description": "The last day this path encodes the law; a run at a later date warns.",
            },
            "base": {
                "enum": ["collected", "statutory"],
                "description": "The base rate each line starts from: the duty collected in 2024 (default), or the "
                "statutory schedule (US imports only).",
            },
            "layers": {"type": "array", "items": layer},
            "exemptions": {"type": "array", "items": exemption},
            "remove": {**names, "description": "Inherited layers or exemptions to drop (with extends)."},
            "stacking": {
                "type": "array",
                "description": "How layers combine where they meet, as the law writes it.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "layer": {"type": "string", "description": "The layer that yields."},
                        "yields_to": {
                            **names,
                            "minItems": 1,
                            "description": "The layer is not levied on lines where any of these is in force.",
                        },
                        "higher_of": {
                            **names,
                            "minItems": 2,
                            "description": "Where these layers meet, only the highest rate applies, not the sum.",
                        },
                        "description": text,
                    },
                    "oneOf": [{"required": ["layer", "yields_to"]}, {"required": ["higher_of"]}],
                },
            },
            "response": {
                "type": "object",
                "additionalProperties": False,
                "description": "Trade response: constant-elasticity import demand (trade creation) and, with "
                "substitution, Armington substitution between partners (trade diversion).",
                "properties": {
                    "elasticity": ELASTICITY,
                    "substitution": SUBSTITUTION
                    | {"description": "Between partners of one product; WITS-SMART's default 1.5; 0: no diversion."},
                    "categories": {
                        "type": "object",
                        "additionalProperties": {
                            "oneOf": [
                                ELASTICITY,
                                {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {"elasticity": ELASTICITY, "substitution": SUBSTITUTION},
                                },
                            ]
                        },
                    },
                },
            },
        },
    }
    _check_keys(schema, layer, exemption)
    return schema


def _check_keys(schema: dict[str, Any], layer: dict[str, Any], exemption: dict[str, Any]) -> None:
    """The schema and the loader must accept the same keys; fail loudly if one changes without the other."""
    pairs = (
        (schema, TOP_KEYS),
        (layer, LAYER_KEYS),
        (exemption, EXEMPTION_KEYS),
        (schema["properties"]["response"], RESPONSE_KEYS),
        (schema["properties"]["stacking"]["items"], STACKING_KEYS),
    )
    for part, keys in pairs:
        if set(part["properties"]) != set(keys):
            raise AssertionError(f"schema keys {sorted(part['properties'])} differ from loader keys {sorted(keys)}")


def schema_json() -> str:
    return json.dumps(scenario_schema(), indent=2) + "\n"
