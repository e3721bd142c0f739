"""Build the bundled trade table from the raw public files in seeds/raw/, byte for byte.

    python seeds/build_trade_flows.py            # writes simulator/bundled/trade_flows_2024.csv
    python seeds/build_trade_flows.py --check    # rebuilds in memory; fails if the bundled file differs

US imports from China (importer USA): every HTS10 line of Census imports for consumption, 2024, with
the duty actually collected divided by the value as the base rate. US exports to China (importer
CHN): HS6 lines; real Census values for the farm and food lines, the rest of each HS chapter's real
DataWeb total split by China's 2017 imports from the US (an estimate, marked line by line in the
`source` column). Every HS code is kept only if the 2025 HTS has it; retired codes fall back to their
longest prefix the 2025 HTS still has. No value is rescaled. See seeds/README.md and docs/sources.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw"
OUT = HERE.parent / "simulator" / "bundled" / "trade_flows_2024.csv"
CATEGORY_MAP = HERE.parent / "simulator" / "bundled" / "hs_categories.csv"
YEAR = "2024"
# Subheadings renumbered between HS2017 (China's 2017 lines) and HS2022 where the new code is one
# code: aircraft parts moved from heading 8803 to 8807 (WCO HS2022 correlation table).
HS2017_TO_HS2022 = {"880310": "880710", "880320": "880720", "880330": "880730", "880390": "880790"}
# China's quota goods: the compiled lines carry only out-of-quota rates; the in-quota MFN rates
# (China's tariff schedule, 2024) are what most trade pays.
IN_QUOTA_RATES = {"1001": 0.01, "1005": 0.01, "1006": 0.01, "1701": 0.15, "5201": 0.01}
COLUMNS = ("exporter", "importer", "hs", "description", "category", "value_usd", "base_rate", "source")


def read_csv(name: str) -> list[dict[str, str]]:
    with open(RAW / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def hts_codes() -> tuple[set[str], dict[str, str]]:
    """Every code the 2025 HTS has at 2, 4, 6, 8 or 10 digits, and the description of each."""
    with gzip.open(RAW / "hts_2025_basic.json.gz", "rt", encoding="utf-8") as f:
        entries = json.load(f)
    described: dict[str, str] = {}
    for entry in entries:
        code = entry["htsno"].replace(".", "")
        if code:
            described.setdefault(code, entry["description"].strip().rstrip(":"))
    valid = set(described)
    for code in list(described):
        for length in (2, 4, 6, 8):
            if len(code) > length:
                valid.add(code[:length])
        if len(code) == 8:
            valid.add(code + "00")  # an 8-digit line with no statistical suffix is reported as XXXXXXXX00
    return valid, described


def current(code: str, valid: set[str]) -> str:
    """The code itself if the 2025 HTS has it, else its longest prefix that it has."""
    code = HS2017_TO_HS2022.get(code[:6], code[:6]) + code[6:] if len(code) >= 6 else code
    for length in (10, 8, 6, 4, 2):
        if len(code) >= length and code[:length] in valid:
            return code[:length]
    raise SystemExit(f"no prefix of {code} is in the 2025 HTS")


def categorize(code: str, prefixes: dict[str, str]) -> str:
    for length in (10, 8, 6, 4, 2):
        if code[:length] in prefixes:
            return prefixes[code[:length]]
    raise SystemExit(f"no category for HS {code}; add its chapter to {CATEGORY_MAP.name}")


def imports_from_china(valid: set[str]) -> list[dict[str, object]]:
    rows = []
    for r in read_csv("us_imports_from_china_2024_hs10.csv"):
        value, duty = int(float(r["con_val_2024_usd"])), float(r["cal_duty_2024_usd"])
        rows.append(
            {
                "exporter": "CHN",
                "importer": "USA",
                "hs": current(r["hs10"], valid),
                "description": r["description"].strip(),
                "value_usd": value,
                "base_rate": duty / value if value else 0.0,
                "source": "census_hs10",
            }
        )
    return rows


def china_mfn(valid: set[str], weights: dict[str, float]) -> dict[str, float]:
    """China's MFN rate per current HS6 (June 2019 levels), weighted by 2017 imports from the US."""
    total: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = defaultdict(float)
    for r in read_csv("china_tariffs_on_us_cnhs10_2018_2019.csv"):
        hs6 = current(r["hs10"][:6], valid)
        w = weights.get(r["hs10"][:8], 0.0) + 1e-9  # lines without 2017 trade count a little, equally
        total[hs6] += w * float(r["mfn_20190601"]) / 100
        weight[hs6] += w
    return {k: total[k] / weight[k] for k in total}


def rate_for(code: str, mfn: dict[str, float]) -> float:
    for prefix, rate in IN_QUOTA_RATES.items():
        if code.startswith(prefix):
            return rate
    if code in mfn:
        return mfn[code]
    near = [v for k, v in mfn.items() if k.startswith(code[:4])] or [v for k, v in mfn.items() if k[:2] == code[:2]]
    return sum(near) / len(near) if near else 0.0


def exports_to_china(valid: set[str], described: dict[str, str]) -> list[dict[str, object]]:
    chapters = {r["hs2"]: int(float(r[YEAR])) for r in read_csv("us_exports_to_china_hs2_2020_2024.csv")}
    cn8 = read_csv("china_imports_from_us_2017_cnhs8.csv")
    weights8 = {r["hs8"]: float(r["china_imports_from_us_2017_kusd"] or 0) for r in cn8}
    mfn = china_mfn(valid, weights8)
    structure: dict[str, float] = defaultdict(float)
    named: dict[str, tuple[float, str]] = {}  # current HS6 -> China's description of its largest 2017 line
    for r in cn8:
        code, kusd = current(r["hs8"][:6], valid), weights8[r["hs8"]]
        structure[code] += kusd
        if code not in named or kusd > named[code][0]:
            named[code] = (kusd, r["description"].strip())
    rows: list[dict[str, object]] = []
    real: dict[str, int] = defaultdict(int)
    for r in read_csv("us_exports_to_china_2024_hs6_farm_food.csv"):
        code = current(r["hs6"], valid)
        value = int(float(r["us_exports_to_china_2024_usd"]))
        real[code[:2]] += value
        rows.append(_export(code, r["description"].strip() or described.get(code, ""), value, mfn, "census_hs6"))
    farm_codes = {str(r["hs"]) for r in rows}
    for chapter, total in sorted(chapters.items()):
        # In a few chapters the Census HS6 lines (another release) sum to slightly more than the
        # DataWeb chapter total; the real lines are kept as they are and nothing is estimated there.
        rest = max(total - real[chapter], 0)
        parts = {k: v for k, v in structure.items() if k[:2] == chapter and k not in farm_codes and v > 0}
        if not parts:
            if rest:
                rows.append(_export(chapter, described.get(chapter, ""), rest, mfn, "census_chapter_rest"))
            continue
        whole = sum(parts.values())
        split = {k: int(rest * v / whole) for k, v in sorted(parts.items())}
        largest = max(split, key=lambda k: (split[k], k))
        split[largest] += rest - sum(split.values())  # whole dollars that sum to the real chapter total
        for code, value in split.items():
            if len(code) < 6:  # HS2017 subheadings the 2025 HTS no longer has, kept at their heading
                text = f"{described.get(code, '')[:90]} (HS2017 subheadings renumbered in HS2022)"
            else:
                text = describe(code, named[code][1] if code in named else None, described)
            rows.append(_export(code, text, value, mfn, "estimate_2017_shares"))
    return rows


def describe(code: str, chinese: str | None, described: dict[str, str]) -> str:
    """China's short 2017 description, or the 2025 HTS text where China's lost a symbol (_x001A_ stands
    for both 'not exceeding' and 'exceeding') or has none."""
    if chinese and "_x001A_" not in chinese:
        return chinese
    heading, own = described.get(code[:4], ""), described.get(code, "")
    return f"{heading[:60]}: {own}" if own and heading else own or heading


def _export(code: str, description: str, value: int, mfn: dict[str, float], source: str) -> dict[str, object]:
    return {
        "exporter": "USA",
        "importer": "CHN",
        "hs": code,
        "description": description,
        "value_usd": value,
        "base_rate": rate_for(code, mfn),
        "source": source,
    }


def build() -> str:
    valid, described = hts_codes()
    with open(CATEGORY_MAP, newline="", encoding="utf-8") as f:
        prefixes = {r["hs"]: r["category"] for r in csv.DictReader(f)}
    rows = exports_to_china(valid, described) + imports_from_china(valid)
    for row in rows:
        row["category"] = categorize(str(row["hs"]), prefixes)
        row["base_rate"] = f"{float(str(row['base_rate'])):.10g}"
    rows.sort(key=lambda r: (str(r["importer"]), str(r["hs"]), str(r["description"])))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main() -> None:
    text = build()
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{OUT} differs from what seeds/raw/ builds; run python seeds/build_trade_flows.py")
        print(f"{OUT.name} is what seeds/raw/ builds")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} lines)")


if __name__ == "__main__":
    main()
