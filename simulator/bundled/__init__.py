"""Where the bundled files live: the trade table, the HS category map, the scenarios, the JSON schema.

They ship inside the package and are found with importlib.resources, so an installed tariffsim
works from any directory. The checkout's top-level `scenarios/` is a link to the same folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# pip installs wheels unpacked, so the package folder is a real directory.
HERE = Path(str(files("simulator.bundled")))
TRADE_TABLE = HERE / "trade_flows_2024.csv"
CATEGORY_MAP = HERE / "hs_categories.csv"
SCENARIOS = HERE / "scenarios"
SCHEMA_FILE = SCENARIOS / "scenario.schema.json"  # beside the scenarios: $schema lines resolve through the link too
PUBLISHED = HERE / "published.csv"  # published figures the validation page sets beside tariffsim's
