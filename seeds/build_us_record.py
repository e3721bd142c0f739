"""Build the US record on every partner, 2025-01-01 to the end of the record held, from seeds/raw/.

    python seeds/build_us_record.py            # writes simulator/bundled/scenarios/measures/us_*_record.csv ...
    python seeds/build_us_record.py --check    # fails if a bundled file differs from what raw/ builds

The 2025 files that build_measures.py writes are the start; this script adds what followed (the deals,
Section 232 on wood, trucks and pharmaceuticals, the 2026 metals annexes, the end of the IEEPA duties
on 2026-02-24, Section 122, the 2026 Section 301 steps and the forced-labor action). Every rate is the
legal rate or its increase over the 2024 base, dated by legal effect; nothing is fitted to a published
figure. seeds/README.md ("The US record to today") says where each comes from and what is left out.
"""

from __future__ import annotations

import bisect
import csv
import functools
import gzip
import io
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path

from build_measures import (
    AUTO_PARTS,
    CHINA_CODES,
    COPPER,
    CORE_ALUMINIUM,
    CORE_STEEL,
    OUT,
    RAW,
    S301_GAP,
    S301_OLD,
    STEEL_ALU_25,
    STEEL_ALU_50,
    VEHICLE_SPECIFIC,
    autos,
    check_or_write,
    codes,
    fentanyl,
    flat_table,
    metals,
    pct,
    reciprocal,
    unpadded,
    write,
)
from build_trade_flows import read_csv

RECORD = RAW / "record"
BUNDLED = Path(__file__).resolve().parent.parent / "simulator" / "bundled"

IEEPA_END = "2026-02-24"  # EO 14389 after Learning Resources v. Trump; CBP CSMS #67834313
S122_START, S122_END = "2026-02-24", "2026-07-24"  # Proclamation 11012: 150 days, through July 23
BRAZIL = "2025-08-06"  # EO 14323: 40% on goods of Brazil
BRAZIL_NOVEMBER = "2025-11-13"  # the November 20 order's Annex II, effective November 13
INDIA = ("2025-08-27", "2026-02-07")  # EO 14329 (Russian oil), removed by the order of February 6, 2026
NOVEMBER_ANNEX = "2025-11-13"  # EO 14360: farm goods added to Annex II
SEPTEMBER_ANNEX = "2025-09-08"  # EO 14346: gold, nickel, graphite, pulp... added to Annex II
CHINA_FENTANYL_CUT = "2025-11-10"  # EO 14357: 20% to 10%
METALS_2026 = "2026-04-06"  # the April 2 proclamation: annexes I-A, I-B, II (removed), III
FORCED_LABOR = "2026-07-24"  # 91 FR 47318 (FR doc 2026-15181)
BRAZIL_301 = "2026-07-22"  # USTR notice of action of 2026-07-15 (heading 9903.05.01, U.S. note 50): 25%
# Section 338 on Canada (Proclamations 11046-11048 of 2026-07-20): 50% on three baskets from 08-19,
# suspended three days by Proclamation 11056 (FR doc 2026-17294), so first due on 08-22.
CANADA_338 = "2026-08-22"
CANADA_338_BASKETS = (
    ("canada-338-alcohol.csv", "9903.03.12, alcoholic beverages (Proclamation 11046)"),
    ("canada-338-dairy.csv", "9903.03.13, dairy (Proclamation 11047)"),
    ("canada-338-autos.csv", "9903.03.14, motor vehicles (Proclamation 11048)"),
)
CRANES = "2026-11-10"  # 90 FR 48320, suspended to November 9, 2026 by 90 FR 50947
S301_2026 = "2026-01-01"  # 89 FR 76581: the four-year review's last step
# 89 FR 76581's first step took effect on 2024-09-27, before the path begins: its rows are undated (in
# force throughout), so the path's timeline starts in 2025; the 2024 base holds it for one quarter only.
S301_SEPT_2024 = ""

# All-in deals: the duty tops each line's base up to this level ("15% all-in"), from these dates.
FLOOR_15 = {"EUN": "2025-08-07", "JPN": "2025-08-07", "CHE": "2025-11-14", "LIE": "2025-11-14", "KOR": "2025-11-14"}
# Section 232 autos and parts; Korea's from November 1 (FR doc 2025-21940: its other changes from November 14)
ALL_IN_AUTOS = {"EUN": "2025-08-01", "JPN": "2025-09-16", "KOR": "2025-11-01"}
WOOD_15 = {"EUN": "2025-10-14", "JPN": "2025-10-14", "KOR": "2025-11-14", "TWN": "2026-05-01"}  # note 37
PHARMA_15 = ("EUN", "JPN", "KOR", "CHE", "LIE")

# Section 301 forced-labor action, by economy: HTS headings 9903.05.20-.84 (FR doc 2026-15181).
# The EU, Japan, Korea, Switzerland and Taiwan headings cap the duty net of the column 1 rate (all-in).
FL_RATES = {
    "DZA": "12.5", "AGO": "12.5", "ARG": "10", "AUS": "12.5", "BHS": "12.5", "BHR": "12.5", "BGD": "10",
    "BRA": "12.5", "KHM": "10", "CAN": "10", "CHL": "12.5", "CHN": "12.5", "COL": "12.5", "CRI": "12.5",
    "DOM": "12.5", "ECU": "10", "EGY": "12.5", "SLV": "10", "EUN": "10", "GTM": "10", "GUY": "12.5",
    "HND": "10", "HKG": "12.5", "IND": "10", "IDN": "10", "IRQ": "12.5", "ISR": "12.5", "JPN": "12.5",
    "JOR": "10", "KAZ": "12.5", "KWT": "12.5", "LBY": "12.5", "MYS": "10", "MEX": "10", "MAR": "12.5",
    "NZL": "12.5", "NIC": "12.5", "NGA": "12.5", "NOR": "12.5", "OMN": "12.5", "PAK": "10", "PER": "12.5",
    "PHL": "12.5", "QAT": "12.5", "RUS": "12.5", "SAU": "12.5", "SGP": "12.5", "ZAF": "12.5", "KOR": "12.5",
    "LKA": "10", "CHE": "12.5", "TWN": "10", "THA": "12.5", "TTO": "10", "TUR": "12.5", "ARE": "12.5",
    "GBR": "10", "URY": "12.5", "VEN": "12.5", "VNM": "12.5",
}  # fmt: skip
FL_CAPPED = ("EUN", "JPN", "KOR", "CHE", "TWN")

# Section 232 on timber and lumber (Proclamation 10976; CBP CSMS #66492057), from 2025-10-14.
LUMBER = ["44031100", "44032101", "44032201", "44032301", "44032401", "44032501", "44032601", "44039901",
          "44061100", "44069100", "44071100", "44071200", "44071300", "44071400", "44071900"]  # fmt: skip
FURNITURE = ["9401614011", "9401614031", "9401616011", "9401616031"]  # upholstered wooden seats
CABINETS = ["9403409060", "9403608093", "9403910080"]  # kitchen cabinets, vanities and their parts
WOOD = "2025-10-14"
# Section 232 on medium and heavy trucks and buses (Proclamation 10984), from 2025-11-01: the vehicles.
TRUCKS = ["870120", "870422", "870423", "870432", "870442", "870443", "870452"]
BUSES = ["8702"]
TRUCKS_START = "2025-11-01"
# Section 301, China: the 2024-09-27 and 2026-01-01 steps (89 FR 76581) and the maritime action.
S301_LEVELS = {"biden_25": 0.25, "biden_50": 0.50, "biden_100": 1.00}
S301_JAN26 = {"9903.91.06": 0.25, "9903.91.07": 0.50, "9903.91.08": 1.00}
GLOVES_2025 = 0.50  # medical gloves 4015.12.10: 50% on 2025-01-01, 100% on 2026-01-01
# Lines whose 2024 step the compiled lists miss or hold too broadly (heading text of 9903.91.04 and
# 9903.91.01): textile face masks (one statistical line of 6307.90.98) and EV batteries (8507.60.00.10).
S301_EXTRA = {"6307909870": [(S301_SEPT_2024, 0.25), (S301_2026, 0.50)], "8507600010": [(S301_SEPT_2024, 0.25)]}
S301_NARROWED = {"63079098": "6307909870"}
CRANE_LINES = ["84261900", "8716390090", "87169030", "87169050"]  # 9903.91.14 cranes, 9903.91.12 chassis
# Informational materials are outside IEEPA (50 U.S.C. 1702(b)(3)): printed matter, films, recordings, art.
INFORMATIONAL = ["49", "3704", "3705", "3706", "852329", "852341", "852349", "852380", "9701", "9702", "9703"]


def record_rows(name: str) -> list[dict[str, str]]:
    with open(RECORD / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def partner_by_census() -> dict[str, str]:
    """Census country code -> partner code; EU members -> EUN (the table holds the EU as one partner)."""
    with open(BUNDLED / "partner_groups.csv", newline="", encoding="utf-8") as f:
        eu = {r["member"] for r in csv.DictReader(f) if r["group"] == "EU"}
    out = {}
    with open(BUNDLED / "partners.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for census in r["census_codes"].split():
                out[census] = "EUN" if r["code"] in eu else r["code"]
    return out


def ended(rows: list[dict[str, str]], when: str, note: str) -> list[dict[str, str]]:
    """A 0% row on `when` for every (hs, partner) group of a table: the measure ends for all its lines."""
    groups = {(r["hs"], r.get("partner", "")): r for r in rows}
    extra = [{**r, "rate": "0%", "from": when, "note": note} for r in groups.values()]
    return rows + [{**r, "all_in": ""} if "all_in" in r else r for r in extra]


def fentanyl_record() -> str:
    rows = rows_of(fentanyl())
    rows += [
        {"hs": "", "partner": c, "rate": "10%", "from": CHINA_FENTANYL_CUT, "note": "EO 14357"} for c in CHINA_CODES
    ]
    rows = ended(rows, IEEPA_END, "IEEPA duties end (EO 14389)")
    rows.sort(key=lambda r: (r["partner"], r["hs"], r["from"]))
    return write(rows, ("hs", "partner", "rate", "from", "note"))


def reciprocal_record() -> str:
    rows = rows_of(reciprocal())
    for code, start in FLOOR_15.items():
        if code not in ("EUN", "JPN"):  # the EU and Japan rows of August 7 are all-in already
            rows.append(
                {"hs": "", "partner": code, "rate": "15%", "from": start, "all_in": "yes", "note": "deal: 15% all-in"}
            )
    rows = ended(rows, IEEPA_END, "IEEPA duties end (EO 14389)")
    rows.sort(key=lambda r: (r["partner"], r["hs"], r["from"]))
    return write(rows, ("hs", "partner", "rate", "from", "all_in", "note"))


def country_ieepa() -> str:
    """Brazil's 40% (EO 14323) and India's Russian-oil 25% (EO 14329), each with its own dates."""
    rows = [
        {"hs": "", "partner": "BRA", "rate": "40%", "from": BRAZIL, "note": "EO 14323"},
        {"hs": "", "partner": "BRA", "rate": "0%", "from": IEEPA_END, "note": "IEEPA duties end (EO 14389)"},
        {"hs": "", "partner": "IND", "rate": "25%", "from": INDIA[0], "note": "EO 14329"},
        {"hs": "", "partner": "IND", "rate": "0%", "from": INDIA[1], "note": "removed (order of 2026-02-06)"},
    ]
    return write(rows, ("hs", "partner", "rate", "from", "note"))


def brazil_exempt(start: str) -> str:
    listed = [r["hts10"].replace(".", "") for r in record_rows("country_eo_exempt_products.csv")]
    starts = [r["effective_date_start"] for r in record_rows("country_eo_exempt_products.csv")]
    picked = [c for c, s in zip(listed, starts, strict=True) if s == start]
    return write([{"hs": c, "note": f"EO 14323 exemption from {start}"} for c in dict.fromkeys(picked)], ("hs", "note"))


def _april_held() -> list[str]:
    """The April Annex II list held (`annex2_apr2025_hts10.csv`, 720 lines), unpadded."""
    return list(dict.fromkeys(unpadded(c) for c in codes("annex2_apr2025_hts10.csv")))


def _listed_from_april(ends: str) -> list[str]:
    """Annex II's subheadings as the HTS listed them from 2025-04-05 (note 2(v)(iii) of subchapter III of
    chapter 99 in revision 7, compiled by the Budget Lab: `annex_ii_first_appearance.csv`), those whose
    listing ends on `ends` ("NA": never)."""
    rows = record_rows("annex_ii_first_appearance.csv")
    return [r["prefix"] for r in rows if r["first_revision"] == "rev_7" and r["end_effective_date"] == ends]


def _overlaps(code: str, prefixes: list[str]) -> bool:
    return any(code.startswith(p) or p.startswith(code) for p in prefixes)


def annex2_unlisted(ends: str, note: str) -> str:
    """The subheadings the HTS lists from 2025-04-05 to `ends` that the April list held lacks."""
    held = _april_held()
    missing = [p for p in _listed_from_april(ends) if not _overlaps(p, held)]
    return write([{"hs": c, "note": note} for c in dict.fromkeys(missing)], ("hs", "note"))


def annex2_april(to_october: bool) -> str:
    """The April list held, split by whether the HTS stops listing the line on 2025-10-13 (wood and pulp
    that left Annex II as Proclamation 10976's timber duty began): those lines are exempt to 10-13 only."""
    ends = _listed_from_april("2025-10-13")
    kept = [c for c in _april_held() if _overlaps(c, ends) == to_october]
    note = "EO 14257 Annex II, April list" + (", to 2025-10-13 (the HTS ends it then)" if to_october else "")
    return write([{"hs": c, "note": note} for c in kept], ("hs", "note"))


def annex2_november() -> str:
    """The November list held as the HTS lists Annex II from 2025-11-13 (revision 29): without the wood
    lines the HTS took out on 2025-10-13 and never listed again, which the list repeats, and with the
    lines the HTS lists throughout that it lacks (tropical wood, listed since 2025-04-05; the electronics
    of the April 11 list are their own exemption). Its eleven lines the HTS compilation lacks altogether
    (articles named within a subheading: bakery goods, juices, food preparations) stay whole."""
    rows = record_rows("annex_ii_first_appearance.csv")
    gone = [r["prefix"] for r in rows if r["end_effective_date"] == "2025-10-13"]
    listed = [r["prefix"] for r in rows if r["end_effective_date"] == "NA" and r["first_revision"] != "rev_10"]
    held = list(dict.fromkeys(unpadded(c) for c in codes("annex2_nov2025_hts8.csv")))
    kept = [c for c in held if not (_overlaps(c, gone) and not _overlaps(c, listed))]
    kept += [p for p in listed if not _overlaps(p, held)]
    return write([{"hs": c, "note": "Annex II as the HTS lists it from 2025-11-13"} for c in kept], ("hs", "note"))


def annex2_added(start: str, note: str) -> str:
    """The lines the compiled Annex II adds on `start` (unpadded, as the April list)."""
    added = [r["hts10"] for r in record_rows("ieepa_exempt_products.csv") if r["effective_date_start"] == start]
    listed = [unpadded(c) for c in added]
    whole = {c for c in listed if len(c) == 8}  # a statistical line under a listed subheading adds nothing
    kept = [c for c in listed if len(c) == 8 or c[:8] not in whole]
    return write([{"hs": c, "note": note} for c in dict.fromkeys(kept)], ("hs", "note"))


# Civil aircraft goods are free of these duties only when certified for use in civil aircraft (General
# Note 6), and the lists name whole HTS8 subheadings of general machinery, batteries and wiring too. A line
# counts as aircraft where the 2025 HTS says so: chapter 88 but its military lines, and lines whose text,
# or a heading above them, names aircraft or aeronautics (not "nonaircraft", nor vehicles, aircraft and
# vessels together); where a subheading splits "For use in civil aircraft" from "Other", only the first.
AIRCRAFT = re.compile(r"\baircraft\b|aeronautic", re.I)
NOT_AIRCRAFT = re.compile(
    r"nonaircraft|vehicles,? aircraft|aircraft,? (?:vessels|spacecraft|ships)|other than aircraft", re.I
)
MILITARY = re.compile(r"(?<!non-)\bmilitary\b", re.I)
# Each aircraft list is written twice: its aircraft lines (exempt in the world path) and the rest (exempt
# only in the upper-bound path): (file suffix, note suffix, `aircraft` for _codes).
AIRCRAFT_SPLIT = (("", "", True), ("_general", ", general subheading", False))


@functools.cache
def hts_leaves() -> dict[str, bool]:
    """Every HTS8 and HTS10 leaf of the 2025 HTS (chapters 1-97), and whether it is aircraft by the rule above."""
    with gzip.open(RAW / "hts_2025_basic.json.gz", "rt", encoding="utf-8") as f:
        entries = json.load(f)
    stack: list[tuple[int, str]] = []  # (indent, text) of the row and the headings above it
    found: dict[str, tuple[bool, str, tuple[str, ...]]] = {}
    civil_under: set[tuple[str, ...]] = set()  # headings with a "For use in civil aircraft" line
    subheading = ""  # the HTS8 a row belongs to: unnumbered headings ("For use in civil aircraft:") too
    for e in entries:
        code, text = e["htsno"].replace(".", ""), e.get("description") or ""
        indent = int(e.get("indent") or 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parents = tuple(t for _, t in stack)
        stack.append((indent, text))
        if code:  # a numbered row starts a new subheading; a heading or HS6 row belongs to none
            subheading = code[:8] if len(code) >= 8 else ""
        if "civil aircraft" in text.lower():
            civil_under.add((subheading, *parents))
        if len(code) not in (8, 10) or code[:2] in ("98", "99"):
            continue
        chain = (*parents, text)
        named = any(AIRCRAFT.search(t) and not NOT_AIRCRAFT.search(t) for t in chain)
        military = code.startswith("88") and any(MILITARY.search(t) for t in chain)
        found[code] = ((code.startswith("88") or named) and not military, text, (subheading, *parents))
    split = {c[:8] for c in found if len(c) == 10}  # an HTS8 with statistical lines: its lines decide
    return {
        code: air and not (text.startswith("Other") and under in civil_under)
        for code, (air, text, under) in found.items()
        if not (len(code) == 8 and code in split)
    }


def deal_annex(group: str, categories: tuple[str, ...], note: str, aircraft: bool | None = None) -> str:
    """A deal's lines exempt from the reciprocal duty (the Budget Lab's compilation of the notices'
    annexes, `floor_exempt_products.csv`): civil aircraft, generic pharmaceuticals, natural resources.
    `aircraft` True or False keeps only the lines that are, or are not, aircraft (hts_leaves)."""
    rows = record_rows("floor_exempt_products.csv")
    listed = [r["hts8"] for r in rows if r["country_group"] == group and r["category"] in categories]
    return _codes(listed, note, aircraft)


def plain_list(names: tuple[str, ...], column: str, note: str, aircraft: bool | None = None) -> str:
    return _codes([r[column] for name in names for r in record_rows(name)], note, aircraft)


def _codes(found: list[str], note: str, aircraft: bool | None) -> str:
    """The listed codes; with `aircraft`, only those of its lines that are (True) or are not (False)
    aircraft by hts_leaves, written whole where every line under a code agrees, else line by line."""
    if aircraft is not None:
        leaves = hts_leaves()
        ordered = sorted(leaves)
        picked: list[str] = []
        for code in dict.fromkeys(found):
            start = bisect.bisect_left(ordered, code)
            under = list(itertools.takewhile(lambda x: x.startswith(code), ordered[start:]))  # noqa: B023
            # a code finer than the HTS's leaf takes its HTS8's verdict; one it no longer has is not aircraft
            if not under:
                if leaves.get(code[:8], False) == aircraft:
                    picked.append(code)
                continue
            same = [x for x in under if leaves[x] == aircraft]
            picked += [code] if len(same) == len(under) else same
        found = picked
    return write([{"hs": c, "note": note} for c in dict.fromkeys(found)], ("hs", "note"))


def section122() -> str:
    rows = [
        {"hs": "", "rate": "10%", "from": S122_START, "note": "Proclamation 11012, heading 9903.03.01"},
        {"hs": "", "rate": "0%", "from": S122_END, "note": "150 days end"},
    ]
    return write(rows, ("hs", "rate", "from", "note"))


def deal_rows(codes_: list[str], rate: str, start: str, floors: dict[str, str], note: str) -> list[dict[str, str]]:
    rows = []
    for code in codes_:
        rows.append({"hs": code, "partner": "", "rate": rate, "from": start, "all_in": "", "note": note})
        for partner, when in floors.items():
            rows.append(
                {
                    "hs": code,
                    "partner": partner,
                    "rate": "15%",
                    "from": when,
                    "all_in": "yes",
                    "note": "deal: 15% all-in",
                }
            )
    return rows


def autos_record() -> str:
    rows = [{**r, "partner": "", "all_in": ""} for r in rows_of(autos())]
    rows += [
        {"hs": r["hs"], "partner": p, "rate": "15%", "from": d, "all_in": "yes", "note": "deal: 15% all-in"}
        for r in rows_of(autos())
        for p, d in ALL_IN_AUTOS.items()
    ]
    rows += [
        {
            "hs": r["hs"],
            "partner": "GBR",
            "rate": "10%",
            "from": "2025-06-30",
            "all_in": "yes",
            "note": "UK deal, in quota",
        }
        for r in rows_of(autos())
    ]
    return write(
        sorted(rows, key=lambda r: (r["hs"], r["partner"], r["from"])),
        ("hs", "partner", "rate", "from", "all_in", "note"),
    )


def auto_parts_record() -> str:
    parts = rows_of(flat_table("section232_auto_parts.txt", "25%", AUTO_PARTS, "auto parts", keep=VEHICLE_SPECIFIC))
    rows = [{**r, "partner": "", "all_in": ""} for r in parts]
    rows += [
        {"hs": r["hs"], "partner": p, "rate": "15%", "from": d, "all_in": "yes", "note": "deal: 15% all-in"}
        for r in parts
        for p, d in ALL_IN_AUTOS.items()
    ]
    rows += [
        {"hs": r["hs"], "partner": "GBR", "rate": "10%", "from": "2025-06-30", "all_in": "yes", "note": "UK deal"}
        for r in parts
    ]
    return write(
        sorted(rows, key=lambda r: (r["hs"], r["partner"], r["from"])),
        ("hs", "partner", "rate", "from", "all_in", "note"),
    )


def wood() -> str:
    rows = [
        {"hs": c, "partner": "", "rate": "10%", "from": WOOD, "all_in": "", "note": "softwood timber and lumber"}
        for c in LUMBER
    ]
    rows += deal_rows(FURNITURE + CABINETS, "25%", WOOD, WOOD_15, "upholstered furniture, cabinets and vanities")
    rows += [
        {"hs": c, "partner": "GBR", "rate": "10%", "from": WOOD, "all_in": "", "note": "UK: 10%"}
        for c in FURNITURE + CABINETS
    ]
    return write(
        sorted(rows, key=lambda r: (r["hs"], r["partner"], r["from"])),
        ("hs", "partner", "rate", "from", "all_in", "note"),
    )


def trucks() -> str:
    rows = [{"hs": c, "rate": "25%", "from": TRUCKS_START, "note": "medium and heavy trucks"} for c in TRUCKS]
    rows += [{"hs": c, "rate": "10%", "from": TRUCKS_START, "note": "buses"} for c in BUSES]
    return write(rows, ("hs", "rate", "from", "note"))


def pharma() -> str:
    start = "2026-09-29"
    listed = [r["hts10"] for r in record_rows("s232_pharma_products.csv")]
    rows = deal_rows(listed, "100%", start, {p: start for p in PHARMA_15}, "patented pharmaceuticals")
    rows += [
        {"hs": c, "partner": "GBR", "rate": "0%", "from": start, "all_in": "", "note": "UK: exempt"} for c in listed
    ]
    return write(
        sorted(rows, key=lambda r: (r["hs"], r["partner"], r["from"])),
        ("hs", "partner", "rate", "from", "all_in", "note"),
    )


METAL_ANNEX = {"1a": 0.50, "1b": 0.25, "3": 0.15}  # annex III: 15% all-in (temporary)


# Partners whose core steel or aluminium paid no 2018 duty in 2024 (exempt, or under an absolute quota):
# from 2025-03-12 they pay the whole rate, which their 2024 base does not hold (Proclamations 10895, 10896).
UNPAID_2024 = {"steel": ("CAN", "MEX", "AUS", "ARG", "BRA", "KOR"), "aluminium": ("CAN", "MEX", "AUS", "ARG")}
IN_BASE = {"steel": 0.25, "aluminium": 0.10}  # the 2018 rates, in the 2024 base of every other partner


def metals_record() -> str:
    """Increases over the 2024 base, by partner where the base differs: the 2025 rows, the partners whose
    core metal paid nothing in 2024, the UK at 25%; from 2026-04-06 the annexes on full value, a core
    line's increase being its annex rate less the 2018 rate its base holds. Lines in no annex, or in annex
    II (removed), leave: their rows end, so the duties that yield to Section 232 apply to them again."""
    core = {c: "steel" for c in CORE_STEEL} | {c: "aluminium" for c in CORE_ALUMINIUM}
    rows = [{**r, "partner": "", "all_in": ""} for r in rows_of(metals())]
    derivatives = sorted({r["hs"] for r in rows} - set(core))
    for code, metal in core.items():
        for partner in UNPAID_2024[metal]:
            rows += [
                {
                    "hs": code,
                    "partner": partner,
                    "rate": "25%",
                    "from": STEEL_ALU_25,
                    "all_in": "",
                    "note": f"core {metal}, unpaid in 2024",
                },
                {
                    "hs": code,
                    "partner": partner,
                    "rate": "50%",
                    "from": STEEL_ALU_50,
                    "all_in": "",
                    "note": f"core {metal}, unpaid in 2024",
                },
            ]
        uk = pct(0.25 - IN_BASE[metal])
        rows.append(
            {"hs": code, "partner": "GBR", "rate": uk, "from": STEEL_ALU_50, "all_in": "", "note": "the UK at 25%"}
        )
    rows += [
        {"hs": c, "partner": "GBR", "rate": "25%", "from": STEEL_ALU_50, "all_in": "", "note": "the UK at 25%"}
        for c in derivatives
    ]
    annexed: dict[str, tuple[str, str]] = {}
    for r in record_rows("s232_annex_products.csv"):
        if r["metal_type"] in ("steel", "aluminum") and r["annex"] in (*METAL_ANNEX, "2"):
            annexed.setdefault(r["hts_prefix"], (r["annex"], r["effective_date"]))

    def annex_of(code: str) -> tuple[str, str] | None:
        for length in range(len(code), 1, -1):
            if code[:length] in annexed:
                return annexed[code[:length]]
        return None

    def metal_of(code: str) -> str | None:
        for length in range(len(code), 3, -1):
            if code[:length] in core:
                return core[code[:length]]
        return None

    partners_of = {r["hs"]: set() for r in rows}
    for r in rows:
        if r["partner"]:
            partners_of[r["hs"]].add(r["partner"])
    for code in sorted(set(annexed) | {r["hs"] for r in rows}):
        found = annex_of(code)
        annex, start = found if found else ("none", METALS_2026)
        rate, all_in = METAL_ANNEX.get(annex, 0.0), annex == "3"
        metal = metal_of(code)
        note = f"annex {annex.upper()}" if found else "in no 2026 annex"
        if annex in ("none", "2"):  # out of Section 232 from the annexes' date: no longer listed at all
            if code not in partners_of:
                continue  # a line annex II names that no earlier list held: nothing to end
            for partner in ("", *sorted(partners_of[code])):
                rows.append({"hs": code, "partner": partner, "rate": "end", "from": start, "all_in": "", "note": note})
            continue
        if metal is None or all_in:  # a derivative, or a level (annex III): the same for every partner
            rows.append(
                {
                    "hs": code,
                    "partner": "",
                    "rate": pct(rate),
                    "from": start,
                    "all_in": "yes" if all_in else "",
                    "note": note,
                }
            )
            continue
        rows.append(
            {
                "hs": code,
                "partner": "",
                "rate": pct(max(rate - IN_BASE[metal], 0.0)),
                "from": start,
                "all_in": "",
                "note": f"{note}, less the 2018 rate in the base",
            }
        )
        for partner in UNPAID_2024[metal]:
            rows.append({"hs": code, "partner": partner, "rate": pct(rate), "from": start, "all_in": "", "note": note})
    unique = {(r["hs"], r["partner"], r["from"]): r for r in rows}
    columns = ("hs", "partner", "rate", "from", "all_in", "note")
    return write(sorted(unique.values(), key=lambda r: (r["hs"], r["partner"], r["from"])), columns)


def mfn_ad_valorem() -> dict[str, float]:
    """Column 1 general rates that are plain ad valorem (or Free), per HTS8; compound rates are left out."""
    with gzip.open(RAW / "hts_2025_basic.json.gz", "rt", encoding="utf-8") as f:
        entries = json.load(f)
    out = {}
    for e in entries:
        code, general = e["htsno"].replace(".", ""), (e.get("general") or "").strip()
        m = re.fullmatch(r"(Free|(\d+(?:\.\d+)?)%)", general)
        if len(code) >= 8 and m:
            out.setdefault(code[:8], float(m.group(2) or 0) / 100)
    return out


def section301_china(until: str = "9999") -> str:
    """Section 301 on China beyond the 2024 base: the 2024-09-27 rates as levels (the base held them for
    one quarter), the 2025 and 2026 steps, and the maritime action on cranes and chassis."""
    mfn = mfn_ad_valorem()
    lists: dict[str, dict[str, str]] = defaultdict(dict)
    for r in read_csv("section301_lists_hts8.csv"):
        lists[r["hts8"]][r["list"]] = r["ch99_code"]
    rows = []
    for code, names in sorted(lists.items()):
        old = max((S301_OLD[n] for n in names if n in S301_OLD), default=S301_GAP.get(code[:4], 0.0))
        steps = []
        for name, level in S301_LEVELS.items():
            if name in names:
                steps.append((S301_SEPT_2024, level))
        if "biden_50_jan25" in names:
            steps.append(("2025-01-01", 0.50))
        if "biden_25_jan25" in names:
            steps.append(("2025-01-01", 0.25))
        if "biden_jan26" in names:
            if code == "40151210":
                steps.append(("2025-01-01", GLOVES_2025))
            steps.append((S301_2026, S301_JAN26[names["biden_jan26"]]))
        code = S301_NARROWED.get(code, code)
        steps = S301_EXTRA.get(code, steps)
        for start, level in steps:
            if code[:8] in mfn:  # a level: MFN plus the 301 rate, topped up over the line's 2024 base
                rows.append(
                    {
                        "hs": code,
                        "rate": f"{(mfn[code[:8]] + level) * 100:g}%",
                        "from": start,
                        "all_in": "yes",
                        "note": f"Section 301 at {level:.0%}, with MFN" + ("" if start else " (since 2024-09-27)"),
                    }
                )
            else:
                rows.append(
                    {
                        "hs": code,
                        "rate": f"{max(level - old, 0) * 100:g}%",
                        "from": start,
                        "all_in": "",
                        "note": f"Section 301 to {level:.0%} from {old:.1%}",
                    }
                )
    for code, steps in S301_EXTRA.items():
        if all(r["hs"] != code for r in rows):
            rows += [
                {
                    "hs": code,
                    "rate": f"{(mfn[code[:8]] + level) * 100:g}%",
                    "from": start,
                    "all_in": "yes",
                    "note": f"Section 301 at {level:.0%}, with MFN" + ("" if start else " (since 2024-09-27)"),
                }
                for start, level in steps
            ]
    for code in CRANE_LINES:
        rows.append({"hs": code, "rate": "100%", "from": CRANES, "all_in": "", "note": "maritime Section 301: +100%"})
    unique = {(r["hs"], r["from"]): r for r in rows if r["from"] <= until}
    return write(sorted(unique.values(), key=lambda r: (r["hs"], r["from"])), ("hs", "rate", "from", "all_in", "note"))


def forced_labor() -> str:
    rows = [
        {
            "hs": "",
            "partner": p,
            "rate": f"{r}%",
            "from": FORCED_LABOR,
            "all_in": "yes" if p in FL_CAPPED else "",
            "note": "Section 301 forced labor",
        }
        for p, r in FL_RATES.items()
    ]
    return write(sorted(rows, key=lambda r: r["partner"]), ("hs", "partner", "rate", "from", "all_in", "note"))


def brazil_301() -> str:
    """The Section 301 action on Brazil: 25% on every good of Brazil but the notice's exemptions and the
    goods under Section 232 (U.S. note 50(a)); goods in transit before 07-22 (9903.05.02) are not modelled."""
    rows = [
        {"hs": "", "partner": "BRA", "rate": "25%", "from": BRAZIL_301, "note": "Section 301 on Brazil, 9903.05.01"}
    ]
    return write(rows, ("hs", "partner", "rate", "from", "note"))


def brazil_301_exempt(categories: tuple[str, ...], note: str, aircraft: bool | None = None) -> str:
    """The notice's exempt codes of the given headings (brazil-301-exemptions.csv's categories)."""
    listed = [r["HTSUS"] for r in record_rows("brazil-301-exemptions.csv") if r["category"] in categories]
    return _codes(listed, note, aircraft)


def canada_338() -> str:
    """Section 338 on Canada: 50% on the lines of the three proclamations' Annex II. The proclamations of
    2026-09-08 (scope from 09-15, import bans from 09-29) are not encoded: their lists are not held."""
    rows = [
        {"hs": code, "partner": "CAN", "rate": "50%", "from": CANADA_338, "note": f"Section 338, {basket}"}
        for name, basket in CANADA_338_BASKETS
        for code in (r["HTSUS"] for r in record_rows(name))
    ]
    unique = {r["hs"]: r for r in rows}
    return write(sorted(unique.values(), key=lambda r: r["hs"]), ("hs", "partner", "rate", "from", "note"))


def forced_labor_exempt(aircraft: bool | None) -> str:
    """Part A as proposed (the Budget Lab's `s301fl_exempt_products.csv`), which holds the Section 122
    lists (tradewartracker checks the two equal): its civil aircraft codes, those only on Section 122's
    aircraft list, qualify under General Note 6 only, so they are split as the other aircraft lists are
    (`aircraft` True or False); None gives the rest, exempt whole."""
    listed = [r["hts8"] for r in record_rows("s301fl_exempt_products.csv")]
    plain = {
        r["hts_code"]
        for name in ("section122-product-exemptions.csv", "section122-specific-exemptions.csv")
        for r in record_rows(name)
    }
    craft = {r["hts_code"] for r in record_rows("section122-aircraft-exemptions.csv")} - plain
    what = "" if aircraft is None else ", civil aircraft" + ("" if aircraft else ", general subheading")
    picked = [c for c in listed if (c in craft) == (aircraft is not None)]
    return _codes(picked, f"proposed Part A (June 2026){what}", aircraft)


def section232_goods_record() -> str:
    """Every line under a Section 232 measure, at 0% from its first day (other duties yield to them), and
    ended on the day it leaves the last measure that held it (the metals lines in no 2026 annex)."""
    first: dict[str, str] = {}
    ends: dict[str, list[str | None]] = {}  # per code, each measure's end date (None: it never ends)
    for text in (
        metals_record(),
        autos(),
        auto_parts_record(),
        flat_table("section232_copper-list.csv", "50%", COPPER, "copper"),
        wood(),
        trucks(),
        pharma(),
    ):
        ended = {r["hs"]: r["from"] for r in rows_of(text) if r["rate"] == "end" and not r.get("partner")}
        for r in rows_of(text):
            if r["rate"] not in ("0%", "end") and (r["hs"] not in first or r["from"] < first[r["hs"]]):
                first[r["hs"]] = r["from"]
        for code in {r["hs"] for r in rows_of(text) if r["rate"] not in ("0%", "end")}:
            ends.setdefault(code, []).append(ended.get(code))
    rows = [
        {"hs": hs, "rate": "0%", "from": start, "note": "subject to Section 232"} for hs, start in sorted(first.items())
    ]
    rows += [
        {"hs": hs, "rate": "end", "from": max(d for d in found if d), "note": "out of Section 232"}
        for hs, found in sorted(ends.items())
        if all(found)
    ]
    return write(sorted(rows, key=lambda r: (r["hs"], r["from"])), ("hs", "rate", "from", "note"))


def statutory_mfn() -> str:
    """Column 1 general rates of the 2025 HTS per HTS8 (specific and compound rates count 0, as the
    tracker counts them), and the simple average of its HTS8 lines for each HS6, HS4 and HS2: lines
    known only by a shorter code (a small partner's chapter) get the average of the codes under it."""
    with gzip.open(RAW / "hts_2025_basic.json.gz", "rt", encoding="utf-8") as f:
        entries = json.load(f)
    rates: dict[str, tuple[float, str]] = {}
    for e in entries:
        code, general = e["htsno"].replace(".", ""), (e.get("general") or "").strip()
        if len(code) < 8 or code[:8] in rates or not general:
            continue
        m = re.fullmatch(r"(Free|(\d+(?:\.\d+)?)%)", general)
        rates[code[:8]] = (float(m.group(2) or 0) / 100, "ad valorem") if m else (0.0, "specific or compound: 0")
    rows = [{"hs": c, "mfn": f"{r:.6g}", "note": n} for c, (r, n) in sorted(rates.items())]
    for length in (6, 4, 2):
        sums: dict[str, list[float]] = defaultdict(list)
        for code, (rate, _) in rates.items():
            sums[code[:length]].append(rate)
        rows += [
            {"hs": c, "mfn": f"{sum(v) / len(v):.6g}", "note": f"mean of {len(v)} HTS8"}
            for c, v in sorted(sums.items())
        ]
    return write(sorted(rows, key=lambda r: r["hs"]), ("hs", "mfn", "note"))


def preference_shares() -> str:
    """The share of each chapter's column 1 duty a partner's goods escape through preferences (USMCA,
    other agreements, GSP), as the Budget Lab estimates it; EU members weighted by their 2024 imports."""
    code = partner_by_census()
    with open(RECORD / "bl_imports_by_country_gtap_2024.csv", newline="", encoding="utf-8") as f:
        weight = {r["cty_code"]: float(r["total_imports"]) for r in csv.DictReader(f)}
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in record_rows("mfn_exemption_shares.csv"):
        partner = code.get(r["cty_code"])
        if partner is None:
            continue
        w = weight.get(r["cty_code"], 0.0) if partner == "EUN" else 1.0
        s = sums[(r["hs2"], partner)]
        s[0] += w * float(r["exemption_share"])
        s[1] += w
    rows = [
        {"hs": hs2, "partner": p, "share": f"{v / w:.6g}"}
        for (hs2, p), (v, w) in sorted(sums.items())
        if w > 0 and v > 0
    ]
    return write(rows, ("hs", "partner", "share"))


def statutory_232() -> str:
    """The 2018 Section 232 rates on core steel and aluminium, and 0% for the partners that paid none in 2024."""
    rows = []
    for prefixes, metal in ((CORE_STEEL, "steel"), (CORE_ALUMINIUM, "aluminium")):
        for code in prefixes:
            rows.append({"hs": code, "partner": "", "rate": pct(IN_BASE[metal])})
            rows += [{"hs": code, "partner": p, "rate": "0%"} for p in UNPAID_2024[metal]]
    return write(rows, ("hs", "partner", "rate"))


def statutory_301() -> str:
    """Section 301 on China at the list rates in force on 2024-12-31 (lists 1 to 4A, the 2024-09-27 rates)."""
    lists: dict[str, dict[str, str]] = defaultdict(dict)
    for r in read_csv("section301_lists_hts8.csv"):
        lists[r["hts8"]][r["list"]] = r["ch99_code"]
    rows = []
    for code, names in sorted(lists.items()):
        rate = max(
            [S301_OLD[n] for n in names if n in S301_OLD] + [S301_LEVELS[n] for n in names if n in S301_LEVELS],
            default=0.0,
        )
        if rate > 0:
            rows.append({"hs": code, "rate": pct(rate)})
    for code, rate in S301_GAP.items():
        rows.append({"hs": code, "rate": pct(rate)})
    rows += [
        {"hs": code, "rate": pct(steps[0][1])} for code, steps in S301_EXTRA.items() if steps[0][0] <= "2024-12-31"
    ]
    unique = {r["hs"]: r for r in rows}
    return write(sorted(unique.values(), key=lambda r: r["hs"]), ("hs", "rate"))


def build() -> dict[str, str]:
    return {
        "us_fentanyl_record.csv": fentanyl_record(),
        "us_reciprocal_record.csv": reciprocal_record(),
        "us_ieepa_brazil_india.csv": country_ieepa(),
        "us_brazil_exempt_aug2025.csv": brazil_exempt(BRAZIL),
        "us_brazil_exempt_nov2025.csv": brazil_exempt(BRAZIL_NOVEMBER),
        "us_annex2_apr2025_record.csv": annex2_april(to_october=False),
        "us_annex2_apr2025_to_oct.csv": annex2_april(to_october=True),
        "us_annex2_nov2025_record.csv": annex2_november(),
        "us_annex2_sep2025.csv": annex2_added(SEPTEMBER_ANNEX, "EO 14346 Annex II addition, from 2025-09-08"),
        "us_annex2_unlisted.csv": annex2_unlisted("NA", "EO 14257 Annex II as the HTS lists it, from 2025-04-05"),
        "us_annex2_unlisted_to_sep.csv": annex2_unlisted(
            "2025-09-07", "EO 14257 Annex II as the HTS lists it, 2025-04-05 to 09-07 (EO 14346 removes it)"
        ),
        "us_annex2_unlisted_to_oct.csv": annex2_unlisted(
            "2025-10-13", "EO 14257 Annex II as the HTS lists it, 2025-04-05 to 10-13 (wood, to Section 232)"
        ),
        **{
            f"us_{who}_aircraft{suffix}.csv": deal_annex(group, ("civil_aircraft",), f"{note}{what}", aircraft)
            for who, group, note in (
                ("eu", "eu", "EU civil aircraft (9903.02.76)"),
                ("korea", "korea", "Korea civil aircraft (9903.02.81)"),
                ("swiss", "swiss", "Swiss civil aircraft (9903.02.85)"),
            )
            for suffix, what, aircraft in AIRCRAFT_SPLIT
        },
        "us_eu_annex.csv": deal_annex(
            "eu", ("pharma", "ptaap", "particular"), "EU generic pharmaceuticals, natural resources (9903.02.74-.77)"
        ),
        "us_swiss_annex.csv": deal_annex(
            "swiss",
            ("pharma", "ptaap"),
            "Swiss farm goods, natural resources, generic pharmaceuticals (9903.02.84, .86)",
        ),
        "us_section122.csv": section122(),
        "us_section122_exempt.csv": plain_list(
            ("section122-product-exemptions.csv", "section122-specific-exemptions.csv"),
            "hts_code",
            "Section 122 exemption (headings 9903.03.02-.11)",
        ),
        # Kept apart: civil aircraft goods are exempt only when certified for use in civil aircraft
        # (General Note 6), and the list names whole subheadings of general machinery too.
        **{
            f"us_section122_aircraft{suffix}.csv": plain_list(
                ("section122-aircraft-exemptions.csv",), "hts_code", f"Section 122 civil aircraft{what}", aircraft
            )
            for suffix, what, aircraft in AIRCRAFT_SPLIT
        },
        "us_section232_metals_record.csv": metals_record(),
        "us_section232_autos_record.csv": autos_record(),
        "us_section232_auto_parts_record.csv": auto_parts_record(),
        "us_section232_wood.csv": wood(),
        "us_section232_trucks.csv": trucks(),
        "us_section232_pharma.csv": pharma(),
        "us_section232_goods_record.csv": section232_goods_record(),
        "us_section301_china.csv": section301_china(),
        "us_section301_china_2025.csv": section301_china(until="2025-12-31"),
        "us_forced_labor_301.csv": forced_labor(),
        "us_brazil_301.csv": brazil_301(),
        "us_brazil_301_exempt.csv": brazil_301_exempt(
            ("flat", "named", "pharma"), "Section 301 on Brazil, exempt (9903.05.03, .04, .06)"
        ),
        **{
            f"us_brazil_301_aircraft{suffix}.csv": brazil_301_exempt(
                ("aircraft",), f"Section 301 on Brazil, civil aircraft (9903.05.05){what}", aircraft
            )
            for suffix, what, aircraft in AIRCRAFT_SPLIT
        },
        "us_canada_338.csv": canada_338(),
        **{
            f"us_canada_338_aircraft{suffix}.csv": plain_list(
                ("canada-338-aircraft-exempt.csv",),
                "HTSUS",
                f"Section 338, civil aircraft (9903.03.16){what}",
                aircraft,
            )
            for suffix, what, aircraft in AIRCRAFT_SPLIT
        },
        "us_statutory_mfn.csv": statutory_mfn(),
        "us_statutory_preferences.csv": preference_shares(),
        "us_statutory_301.csv": statutory_301(),
        "us_statutory_232.csv": statutory_232(),
        "us_forced_labor_exempt.csv": forced_labor_exempt(None),
        **{
            f"us_forced_labor_aircraft{suffix}.csv": forced_labor_exempt(aircraft)
            for suffix, _, aircraft in AIRCRAFT_SPLIT
        },
    }


def main() -> None:
    check_or_write(build(), OUT, "build_us_record.py", "record")


if __name__ == "__main__":
    main()
