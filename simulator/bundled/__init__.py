"""Where the bundled files live: the trade tables, the HS category map, partners, scenarios, the schema.

They ship inside the package and are found with importlib.resources, so an installed tariffsim
works from any directory. The checkout's top-level `scenarios/` is a link to the same folder.

The bundled trade table is two files read as one: `trade_flows_2024.csv` (US-China, both ways) and
`us_imports_2024_partners.parquet` (US imports from every other partner). A scenario reads only the
file(s) its direction needs, so a China scenario never pays for the other 197 partners.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# pip installs wheels unpacked, so the package folder is a real directory.
HERE = Path(str(files("simulator.bundled")))
TRADE_TABLE = HERE / "trade_flows_2024.csv"  # US imports from China and US exports to China
PARTNERS_TABLE = HERE / "us_imports_2024_partners.parquet"  # US imports from every other partner
BUNDLED_TABLES = (TRADE_TABLE, PARTNERS_TABLE)
BUNDLED_LABEL = "the bundled 2024 table"  # the source named in messages when both files are read
CHINA = "CHN"  # the only exporter of TRADE_TABLE's US imports; the only importer besides the US
CATEGORY_MAP = HERE / "hs_categories.csv"
PARTNER_NAMES = HERE / "partners.csv"
PARTNER_GROUPS = HERE / "partner_groups.csv"
SCENARIOS = HERE / "scenarios"
SCHEMA_FILE = SCENARIOS / "scenario.schema.json"  # beside the scenarios: $schema lines resolve through the link too
PUBLISHED = HERE / "published.csv"  # published figures the validation page sets beside tariffsim's
TRACKER = HERE / "tracker_budget_lab.csv"  # the Budget Lab series set beside the world path
TRACKER_GAPS = HERE / "tracker_gaps.csv"  # one line per change date of that series: why the two differ
SOURCES = HERE / "sources.md"  # the bibliography every scenario, page and table cites by [key]


def shown(path: str | Path) -> str:
    """A file as messages name it: a bundled scenario as `exempt_chips (bundled)` and a bundled table as
    `measures/us_section232_copper.csv (bundled)`, not by its path inside this machine's site-packages;
    any other file as given."""
    try:
        inside = Path(path).resolve().relative_to(SCENARIOS.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symbolic link that loops
        return str(path)
    name = inside.with_suffix("").as_posix() if inside.suffix == ".yaml" else inside.as_posix()
    return f"{name} (bundled)"


def bundled_parts(direction: tuple[str, str | None] | None) -> tuple[Path, ...]:
    """The bundled files that can hold rows of a direction (importer, exporter or None for all)."""
    if direction is None:
        return BUNDLED_TABLES
    importer, exporter = direction
    if importer != "USA" or exporter == CHINA:
        return (TRADE_TABLE,)
    return (PARTNERS_TABLE,) if exporter is not None else BUNDLED_TABLES


def is_bundled(source: str | Path) -> bool:
    """Whether a Result's source is (part of) the bundled table, whose publishers the outputs credit."""
    if str(source) == BUNDLED_LABEL:
        return True
    try:
        return Path(source).resolve() in {p.resolve() for p in BUNDLED_TABLES}
    except OSError:
        return False
