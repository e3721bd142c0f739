"""Build the 2025 measures' code lists and rate tables from the raw lists in seeds/raw/, byte for byte.

    python seeds/build_measures.py            # writes simulator/bundled/scenarios/measures/*.csv
    python seeds/build_measures.py --check    # fails if a bundled file differs from what raw/ builds

Every rate here is the legal rate of the measure (or its increase over what the 2024 base already
holds), with the date it took effect; nothing is fitted to a published figure. seeds/README.md says
what each file encodes and what it leaves out.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import defaultdict
from pathlib import Path

from build_trade_flows import current, hts_codes, read_csv

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw"
OUT = HERE.parent / "simulator" / "bundled" / "scenarios" / "measures"

# Section 232 product scopes of 2018 (Proclamations 9704 and 9705): the core articles, already paying
# 25% (steel) and 10% (aluminium) in 2024, so already in the base rate.
CORE_STEEL = [
    *[f"72{h:02d}" for h in range(6, 16)],  # 7206-7215
    "721610",
    "721620",
    "721621",
    "721622",
    "721631",
    "721632",
    "721633",
    "721640",
    "721650",
    "721699",
    *[f"72{h:02d}" for h in range(17, 30)],  # 7217-7229
    "730110",
    "730210",
    "730240",
    "730290",
    "7304",
    "7305",
    "7306",
]
CORE_ALUMINIUM = ["7601", "7604", "7605", "7606", "7607", "7608", "760900", "76169951"]
STEEL_ALU_25 = "2025-03-12"  # Proclamations 10895 and 10896: derivatives added, aluminium to 25%
STEEL_ALU_50 = "2025-06-04"  # Proclamation 10947: 50%
AUTOS = "2025-04-03"  # Proclamation 10908: passenger vehicles and light trucks
AUTO_PARTS = "2025-05-03"  # the same proclamation: parts
COPPER = "2025-08-01"  # Proclamation 10962: semi-finished copper and derivatives, 50%
S301_OLD = {"1": 0.25, "2": 0.25, "3": 0.25, "3_addl": 0.25, "4A": 0.075}  # in force in 2024, in the base
# The compiled auto lists mix HTS8/HTS10 lines (as the proclamation's annexes list them) with 4- and
# 6-digit entries that are far broader than the annex: "8471" would put every computer under the
# automobile-parts duty. Only these short entries, specific to motor vehicles, are kept; the others
# (general-purpose headings such as 8471, 8501, 8507.60, 8527, 8537, 9015, 9029) are left out.
VEHICLE_SPECIFIC = ("8703", "8704", "8707", "8708", "840732", "840733", "840734")
S301_2025 = {"biden_50_jan25": 0.50, "biden_25_jan25": 0.25}  # the four-year review's January 1, 2025 step
# The compiled Section 301 lists miss semiconductors (8541, 8542), which lists 1 and 2 covered at 25%
# since 2018; the 2024 duty actually collected on them (about 25%) confirms it.
S301_GAP = {"8541": 0.25, "8542": 0.25}


def codes(name: str) -> list[str]:
    """The codes of a raw list (one code a line, or a CSV whose first column is the code)."""
    text = (RAW / name).read_text(encoding="utf-8")
    return [line.split(",")[0].strip() for line in text.splitlines() if line[:1].isdigit()]


def write(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def dated(rows: list[dict[str, str]]) -> str:
    """A dated rate table: one row per code and date (the last given wins), sorted."""
    unique = {(r["hs"], r["from"]): r for r in rows}
    return write(sorted(unique.values(), key=lambda r: (r["hs"], r["from"])), ("hs", "rate", "from", "note"))


def pct(rate: float) -> str:
    return f"{rate * 100:g}%"


def unpadded(code: str) -> str:
    """Annex II names HTS8 subheadings; compiled lists pad them to ten digits with "00", which would miss
    every statistical suffix other than 00, so the padding is removed (a code padded too far, as
    850511007000 in the compiled Annex II of September, is read the same way)."""
    return code[:8] if code.endswith("00") else code


def hs_list(name: str, note: str) -> str:
    """A list of codes, Annex II's unpadded."""
    listed = [unpadded(c) for c in codes(name)]
    return write([{"hs": c, "note": note} for c in dict.fromkeys(listed)], ("hs", "note"))


def metals() -> str:
    rows = []
    for code in CORE_STEEL:
        rows += [
            {"hs": code, "rate": "0%", "from": STEEL_ALU_25, "note": "core steel: 25% since 2018, in the 2024 base"},
            {"hs": code, "rate": "25%", "from": STEEL_ALU_50, "note": "core steel: 50%, 25 points over the base"},
        ]
    for code in CORE_ALUMINIUM:
        rows += [
            {
                "hs": code,
                "rate": "15%",
                "from": STEEL_ALU_25,
                "note": "core aluminium: 10% in the base, 25% from March 12",
            },
            {"hs": code, "rate": "40%", "from": STEEL_ALU_50, "note": "core aluminium: 50%"},
        ]
    core = set(CORE_STEEL) | set(CORE_ALUMINIUM)
    for name, metal in (("section232_steel-tariffs.csv", "steel"), ("section232_alu-tariffs.csv", "aluminium")):
        for code in dict.fromkeys(codes(name)):
            if code in core:
                continue
            rows += [
                {"hs": code, "rate": "25%", "from": STEEL_ALU_25, "note": f"{metal} derivative, on its full value"},
                {"hs": code, "rate": "50%", "from": STEEL_ALU_50, "note": f"{metal} derivative, on its full value"},
            ]
    return dated(rows)  # a code on both derivative lists: one row per date


def flat_table(name: str, rate: str, start: str, note: str, keep: tuple[str, ...] = ()) -> str:
    """One rate from one date for every code of a raw list; with `keep`, the vehicles' lists only."""
    listed = [c for c in dict.fromkeys(codes(name)) if not keep or len(c) >= 8 or c.startswith(keep)]
    rows = [{"hs": c, "rate": rate, "from": start, "note": note} for c in listed]
    return write(rows, ("hs", "rate", "from", "note"))


def autos() -> str:
    """Passenger vehicles and light trucks: the autos list's lines in headings 8703 and 8704 (the list
    also repeats parts, which the parts table holds)."""
    listed = [c for c in dict.fromkeys(codes("section232_auto-tariffs.csv")) if c.startswith(("8703", "8704"))]
    return write(
        [{"hs": c, "rate": "25%", "from": AUTOS, "note": "autos"} for c in listed], ("hs", "rate", "from", "note")
    )


def section301_2025() -> str:
    lists: dict[str, set[str]] = defaultdict(set)
    for row in read_csv("section301_lists_hts8.csv"):
        lists[row["hts8"]].add(row["list"])
    rows = []
    for code, names in sorted(lists.items()):
        new = max((S301_2025[n] for n in names if n in S301_2025), default=None)
        if new is None:
            continue
        old = max((S301_OLD[n] for n in names if n in S301_OLD), default=S301_GAP.get(code[:4], 0.0))
        rows.append(
            {
                "hs": code,
                "rate": pct(max(new - old, 0.0)),
                "from": "2025-01-01",
                "note": f"Section 301 to {pct(new)} from {pct(old)} in the base",
            }
        )
    return write(rows, ("hs", "rate", "from", "note"))


def china_retaliation() -> str:
    """China's 2018-2019 retaliation in force in 2025, per current HS6: the June 2019 additional duty
    (trade-weighted over China's 10-digit lines by 2017 imports from the US), plus half the September
    2019 increment (halved from February 14, 2020), less the December 2019 exclusions."""
    valid, _ = hts_codes()
    weights = {
        r["hs8"]: float(r["china_imports_from_us_2017_kusd"] or 0)
        for r in read_csv("china_imports_from_us_2017_cnhs8.csv")
    }
    total: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = defaultdict(float)
    for r in read_csv("china_tariffs_on_us_cnhs10_2018_2019.csv"):
        code = current(r["hs10"][:6], valid)
        w = weights.get(r["hs10"][:8], 0.0) + 1e-9
        total[code] += w * float(r["retal_20190601"] or 0) / 100
        weight[code] += w
    june = {k: total[k] / weight[k] for k in total}
    levels: dict[str, dict[str, float]] = defaultdict(dict)
    for r in read_csv("china_tariff_on_us_hs6_levels_2018_2019.csv"):
        if r["tariff"]:
            levels[r["hs6"]][r["time_of_tariff"]] = float(r["tariff"]) / 100
    september: dict[str, float] = defaultdict(float)
    excluded: set[str] = set()
    for hs6, by_date in levels.items():
        code = current(hs6, valid)
        if "2019-06-01" in by_date and "2019-09-01" in by_date:
            september[code] = max(september[code], by_date["2019-09-01"] - by_date["2019-06-01"])
        if "2019-09-01" in by_date and "2019-12-26" in by_date and by_date["2019-12-26"] < by_date["2019-09-01"]:
            excluded.add(code)
    rows = []
    for code in sorted(set(june) | set(september)):
        rate = 0.0 if code in excluded else june.get(code, 0.0) + september.get(code, 0.0) / 2
        if rate > 0:
            rows.append({"hs": code, "rate": f"{rate * 100:.4g}%", "note": ""})
    return write(rows, ("hs", "rate", "note"))


def china_march_farm(lifted: bool) -> str:
    """China's March 10 farm duties per HS6 (the additional rate the Census farm file carries for each
    line of the March 4 lists); with `lifted`, the November 10 removal as a 0% row."""
    rows = []
    for r in read_csv("us_exports_to_china_2024_hs6_farm_food.csv"):
        rate = float(r["china_mar2025_addl_tariff_pct"] or 0)
        if rate > 0:
            rows.append({"hs": r["hs6"], "rate": f"{rate:g}%", "from": "2025-03-10", "note": ""})
            if lifted:
                rows.append({"hs": r["hs6"], "rate": "0%", "from": "2025-11-10", "note": "lifted"})
    return dated(rows)


MULTI = RAW / "multicountry"
RECIPROCAL_BASELINE = "2025-04-05"  # EO 14257 sec. 3: 10% on every partner's goods
ANNEX_I = "2025-04-09"  # EO 14257 Annex I rates, in force for one day
PAUSE = "2025-04-10"  # EO 14266: Annex I rates suspended for 90 days; 10% for all but China
GENEVA = "2025-05-14"  # EO 14298: China's reciprocal rate to 10%
AUGUST = "2025-08-07"  # EO 14326: the rates of its Annex I
CHINA_RECIPROCAL = {ANNEX_I: "84%", PAUSE: "125%", GENEVA: "10%"}  # EO 14259 and 14266 raised Annex I's 34%
CHINA_CODES = ("CHN", "HKG", "MAC")  # EO 14257 and the fentanyl order cover Hong Kong and Macau as China
# The compiled lists spell a few partners otherwise than partners.csv
ALIASES = {
    "BRUNEI": "BRN",
    "CÔTE D`IVOIRE": "CIV",
    "DEMOCRATIC REPUBLIC OF THE CONGO": "COD",
    "MYANMAR (BURMA)": "MMR",
    "TURKEY": "TUR",
    "EUROPEAN UNION": "EUN",
}
# EO 14326 Annex I (the EU) and EO 14345 (Japan, with effect from August 7): "15% all-in", the reciprocal
# duty tops the column 1 rate up to 15% and is 0 where that rate is 15% or more.
ALL_IN_15 = ("EUN", "JPN")


def partner_code(name: str) -> str:
    with open(HERE.parent / "simulator" / "bundled" / "partners.csv", newline="", encoding="utf-8") as f:
        by_name = {r["name"].upper(): r["code"] for r in csv.DictReader(f)}
    code = ALIASES.get(name.upper()) or by_name.get(name.upper())
    if code is None:
        raise SystemExit(f"no partner code for {name!r}; add it to ALIASES")
    return code


def multi(name: str) -> list[dict[str, str]]:
    with open(MULTI / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def reciprocal() -> str:
    """The IEEPA reciprocal duty by partner, 2025-04-05 to 2025-08-07 (EO 14257, 14259, 14266, 14298,
    14326, 14345); Canada and Mexico are outside it (the scenario excepts them)."""
    rows = [
        {"hs": "", "partner": "", "rate": "10%", "from": RECIPROCAL_BASELINE, "all_in": "", "note": "EO 14257 baseline"}
    ]
    for r in multi("reciprocal-tariffs-annex-I.csv"):
        code = partner_code(r["CTY_NAME"])
        if code in ("CHN", "CAN", "MEX"):  # China below; Canada and Mexico were never in Annex I's rates
            continue
        rows.append(
            {
                "hs": "",
                "partner": code,
                "rate": f"{float(r['tariff_rate']):g}%",
                "from": ANNEX_I,
                "all_in": "",
                "note": "EO 14257 Annex I",
            }
        )
        rows.append({"hs": "", "partner": code, "rate": "10%", "from": PAUSE, "all_in": "", "note": "EO 14266 pause"})
    for code in CHINA_CODES:
        for start, rate in CHINA_RECIPROCAL.items():
            rows.append(
                {
                    "hs": "",
                    "partner": code,
                    "rate": rate,
                    "from": start,
                    "all_in": "",
                    "note": "China, EO 14259/14266/14298",
                }
            )
    for r in multi("clean-august-7-tariffs.csv"):
        code = partner_code(r["country_name"])
        all_in = "yes" if code in ALL_IN_15 else ""
        rows.append(
            {
                "hs": "",
                "partner": code,
                "rate": f"{float(r['rtariff-aug']):g}%",
                "from": AUGUST,
                "all_in": all_in,
                "note": "EO 14326 Annex I" + (", all-in (EO 14345)" if all_in else ""),
            }
        )
    rows.append(
        {
            "hs": "",
            "partner": "EUN",
            "rate": "15%",
            "from": AUGUST,
            "all_in": "yes",
            "note": "EO 14326 Annex I: 15% all-in",
        }
    )
    rows.sort(key=lambda r: (r["partner"], r["hs"], r["from"]))
    return write(rows, ("hs", "partner", "rate", "from", "all_in", "note"))


FENTANYL = {  # IEEPA duties of EO 14193 (Canada), 14194 (Mexico), 14195 (China), as amended
    "CHN": {"2025-02-04": "10%", "2025-03-04": "20%"},
    "CAN": {"2025-03-04": "25%", "2025-08-01": "35%"},
    "MEX": {"2025-03-04": "25%"},
}
CARVE_OUT = {"energy_ca": "CAN", "potash_ca": "CAN", "potash_mx": "MEX"}  # 10% (EO 14231, 14232)


def fentanyl() -> str:
    rows = []
    for code, steps in FENTANYL.items():
        for who in CHINA_CODES if code == "CHN" else (code,):
            for start, rate in steps.items():
                rows.append({"hs": "", "partner": who, "rate": rate, "from": start, "note": "IEEPA fentanyl duty"})
    for r in multi("fentanyl_carveout_products.csv"):
        rows.append(
            {
                "hs": r["hts8"],
                "partner": CARVE_OUT[r["category"]],
                "rate": "10%",
                "from": "2025-03-04",
                "note": r["category"].replace("_", " ") + " at 10%",
            }
        )
    rows.sort(key=lambda r: (r["partner"], r["hs"], r["from"]))
    return write(rows, ("hs", "partner", "rate", "from", "note"))


def usmca_shares() -> str:
    """Each Canadian and Mexican HTS10 line's share of value entered under the USMCA preference."""
    who = {"1220": "CAN", "2010": "MEX"}
    rows = [
        {"hs": r["hts10"], "partner": who[r["cty_code"]], "share": f"{float(r['usmca_share']):.6g}"}
        for r in multi("usmca_product_shares.csv")
    ]
    rows.sort(key=lambda r: (r["partner"], r["hs"]))
    return write(rows, ("hs", "partner", "share"))


def section232_goods() -> str:
    """Every line a 2025 Section 232 measure lists, at 0% from the day it took effect: the reciprocal
    duty yields to them (EO 14257 sec. 3(b)), though their own duty is left to the full record."""
    first: dict[str, str] = {}
    for text in (
        metals(),
        autos(),
        flat_table("section232_auto_parts.txt", "25%", AUTO_PARTS, "auto parts", keep=VEHICLE_SPECIFIC),
        flat_table("section232_copper-list.csv", "50%", COPPER, "copper"),
    ):
        for r in csv.DictReader(io.StringIO(text)):
            if r["hs"] not in first or (r["from"] or "0") < first[r["hs"]]:
                first[r["hs"]] = r["from"]
    rows = [
        {"hs": hs, "rate": "0%", "from": start, "note": "subject to Section 232"} for hs, start in sorted(first.items())
    ]
    return write(rows, ("hs", "rate", "from", "note"))


def build() -> dict[str, str]:
    return {
        "us_annex2_apr2025.csv": hs_list("annex2_apr2025_hts10.csv", "EO 14257 Annex II, April 2025"),
        "us_annex2_nov2025.csv": hs_list("annex2_nov2025_hts8.csv", "Annex II as amended by November 14, 2025"),
        "us_section232_metals.csv": metals(),
        "us_section232_autos.csv": autos(),
        "us_section232_auto_parts.csv": flat_table(
            "section232_auto_parts.txt", "25%", AUTO_PARTS, "auto parts", keep=VEHICLE_SPECIFIC
        ),
        "us_section232_copper.csv": flat_table("section232_copper-list.csv", "50%", COPPER, "copper"),
        "us_section301_2025.csv": section301_2025(),
        "china_retaliation_2018_2019.csv": china_retaliation(),
        "china_mar2025_farm.csv": china_march_farm(lifted=False),
        "china_mar2025_farm_lifted.csv": china_march_farm(lifted=True),
        "us_reciprocal_2025.csv": reciprocal(),
        "us_fentanyl_2025.csv": fentanyl(),
        "us_usmca_shares.csv": usmca_shares(),
        "us_section232_goods_2025.csv": section232_goods(),
    }


def check_or_write(files: dict[str, str], out: Path, script: str, what: str) -> None:
    """With --check, fail if a bundled file differs from what seeds/raw/ builds; else write them all."""
    if "--check" in sys.argv[1:]:
        stale = [
            n for n, text in files.items() if not (out / n).is_file() or (out / n).read_text(encoding="utf-8") != text
        ]
        if stale:
            raise SystemExit(f"{', '.join(stale)} differ from what seeds/raw/ builds; run python seeds/{script}")
        print(f"{len(files)} {what} files are what seeds/raw/ builds")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        print(f"wrote {out / name} ({text.count(chr(10)) - 1} rows)")


def main() -> None:
    check_or_write(build(), OUT, "build_measures.py", "measure")


if __name__ == "__main__":
    main()
