"""Build the bundled trade table from the raw public files in seeds/raw/, byte for byte.

    python seeds/build_trade_flows.py            # writes the bundled tables (below)
    python seeds/build_trade_flows.py --check    # rebuilds in memory; fails if a bundled file differs

`trade_flows_2024.csv`, US-China both ways:

US imports from China (importer USA): every HTS10 line of Census imports for consumption, 2024, with
the duty actually collected divided by the value as the base rate. US exports to China (importer
CHN): HS6 lines; real Census values for the farm and food lines, the rest of each HS chapter's real
DataWeb total split by China's 2017 imports from the US (an estimate, marked line by line in the
`source` column). Every HS code is kept only if the 2025 HTS has it; retired codes fall back to their
longest prefix the 2025 HTS still has. No value is rescaled. See seeds/README.md and docs/sources.md.

`us_imports_2024_partners.parquet`, every other US partner (importer USA): Census imports for
consumption, 2024, at HTS10 for the 49 partners of the HTS10 file besides China (the EU as one
partner, `EUN`; Slovakia, also inside it, is not counted twice) and at HS2 for every other partner
(EU members excluded for the same reason). With China's lines, the two files hold all US imports for
consumption in 2024: $3,251.15B and $76.16B of calculated duty. `partners.csv` names every partner.
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
BUNDLED = HERE.parent / "simulator" / "bundled"
OUT = BUNDLED / "trade_flows_2024.csv"
PARTNERS_OUT = BUNDLED / "us_imports_2024_partners.parquet"
PARTNER_NAMES_OUT = BUNDLED / "partners.csv"
CATEGORY_MAP = BUNDLED / "hs_categories.csv"
MULTI = RAW / "multicountry"
CHINA_CTY = "5700"  # its lines are the China file's, from the same Census source (checked in build_partners)
EU_CTY = "0003"  # Census's aggregate of the 27 members, who share one US tariff
EU_CODE, EU_NAME = "EUN", "European Union (27 members)"  # EUN: the code WITS and UN Comtrade use for the EU
# Census codes the ISO mapping lacks: the West Bank and the Gaza Strip, one partner under ISO 3166's PSE.
EXTRA_ISO3 = {"5082": ("PSE", "West Bank and Gaza"), "5083": ("PSE", "West Bank and Gaza")}
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


def read_multi(name: str) -> list[dict[str, str]]:
    opener = gzip.open if name.endswith(".gz") else open
    with opener(MULTI / name, "rt", newline="", encoding="utf-8") as f:  # type: ignore[operator]
        return list(csv.DictReader(f))


def partner_codes() -> dict[str, tuple[str, str]]:
    """Census country code -> (ISO alpha-3, readable name); the EU aggregate is EUN."""
    codes = {r["CTY_CODE"]: (r["ISO3"], r["country"]) for r in read_multi("census_country_codes_iso3_frbatl.csv")}
    return codes | EXTRA_ISO3 | {EU_CTY: (EU_CODE, EU_NAME)}


def eu_members() -> set[str]:
    return {r["cty_code"] for r in read_multi("country_partner_mapping.csv") if r["partner"] == "eu"}


def build_partners(valid: set[str], described: dict[str, str], prefixes: dict[str, str]) -> tuple[bytes, str]:
    """The gzip CSV of every US partner but China, and the partner names (see the module docstring)."""
    codes, members = partner_codes(), eu_members()
    names = {r["hs10"]: r["description"].strip() for r in read_multi("hs10_descriptions_2024.csv")}
    china = {
        r["hs10"]: (r["con_val_2024_usd"], r["cal_duty_2024_usd"])
        for r in read_csv("us_imports_from_china_2024_hs10.csv")
    }
    rows: list[dict[str, object]] = []
    detailed: set[str] = set()
    for r in read_multi("us_imports_2024_hs10_by_partner51.csv.gz"):
        cty = r["cty_code"]
        if cty == CHINA_CTY:  # the China file's lines: the same Census figures, checked here
            if china.get(r["hs10"]) is None or float(china[r["hs10"]][0]) != float(r["con_val_2024_usd"]):
                raise SystemExit(f"China line {r['hs10']} differs between the partner file and the China file")
            continue
        detailed.add(cty)
        if cty in members:  # Slovakia: inside the EU aggregate already
            continue
        rows.append(
            _line(
                codes[cty][0],
                r["hs10"],
                names.get(r["hs10"], ""),
                r["con_val_2024_usd"],
                r["cal_dut_2024_usd"],
                "census_hs10",
                valid,
            )
        )
    for r in read_multi("us_imports_2024_hs2_by_partner226.csv"):
        cty = r["cty_code"]
        if cty in detailed or cty == CHINA_CTY or cty in members:
            continue
        text = described.get(r["hs2"], "").split(";")[0]
        rows.append(
            _line(codes[cty][0], r["hs2"], text, r["con_val_2024_usd"], r["cal_dut_2024_usd"], "census_hs2", valid)
        )
    merged: dict[tuple[str, str, str], dict[str, object]] = {}
    for row in rows:  # the West Bank and Gaza are one partner: their chapters add up
        key = (str(row["exporter"]), str(row["hs"]), str(row["description"]))
        if key in merged:
            merged[key]["value_usd"] = int(str(merged[key]["value_usd"])) + int(str(row["value_usd"]))
            merged[key]["duty"] = float(str(merged[key]["duty"])) + float(str(row["duty"]))
        else:
            merged[key] = row
    out = sorted(merged.values(), key=lambda r: (str(r["exporter"]), str(r["hs"]), str(r["description"])))
    for row in out:
        value, duty = int(str(row["value_usd"])), float(str(row.pop("duty")))
        row["base_rate"] = f"{duty / value if value else 0.0:.10g}"
        row["category"] = categorize(str(row["hs"]), prefixes)
    table = parquet_bytes(out)
    used = sorted({r["cty_code"] for r in read_multi("us_imports_2024_hs2_by_partner226.csv")})
    listed: dict[str, tuple[str, list[str]]] = {}
    for cty in used:
        iso, name = codes[cty]
        listed.setdefault(iso, (name, []))[1].append(cty)
    partners = io.StringIO()
    names_writer = csv.writer(partners, lineterminator="\n")
    names_writer.writerow(["code", "name", "census_codes", "in_table"])
    for iso, (name, ctys) in sorted(listed.items()):
        inside = all(c in members for c in ctys)  # EU members: named (for user tables), counted in EUN
        names_writer.writerow([iso, name, " ".join(ctys), f"no, inside {EU_CODE}" if inside else "yes"])
    return table, partners.getvalue()


PARQUET_ROW_GROUP = 1 << 18  # one group: 3.1 MB and 53 ms to read, against 5.3 MB and 109 ms in groups of 16,384


def parquet_bytes(rows: list[dict[str, object]]) -> bytes:
    """The rows as Parquet: zstd, text dictionary-encoded by the writer (read back as categoricals), no
    pandas metadata. pyarrow writes the same bytes for the same rows; its version is in the footer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [str(r[name]) for r in rows] for name in COLUMNS if name not in ("value_usd", "base_rate")}
    arrays = {
        **{name: pa.array(values, pa.string()) for name, values in columns.items()},
        "value_usd": pa.array([float(str(r["value_usd"])) for r in rows], pa.float64()),
        "base_rate": pa.array([float(str(r["base_rate"])) for r in rows], pa.float64()),
    }
    table = pa.table({name: arrays[name] for name in COLUMNS})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=PARQUET_ROW_GROUP, store_schema=False)
    return bytes(sink.getvalue().to_pybytes())


def _line(
    exporter: str, code: str, description: str, value: str, duty: str, source: str, valid: set[str]
) -> dict[str, object]:
    return {
        "exporter": exporter,
        "importer": "USA",
        "hs": current(code, valid),
        "description": description,
        "value_usd": int(float(value)),
        "duty": float(duty),
        "source": source,
    }


def writer_of(path: Path) -> str:
    import pyarrow.parquet as pq

    return str(pq.ParquetFile(path).metadata.created_by)


def same_rows(path: Path, data: bytes) -> bool:
    """Another pyarrow version may encode the same rows in other bytes; then the rows are compared."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if writer_of(path) == str(pq.ParquetFile(pa.BufferReader(data)).metadata.created_by):
        return False  # the same writer: the bytes must be equal
    return bool(pq.read_table(path).equals(pq.read_table(pa.BufferReader(data))))


def main() -> None:
    text = build()
    valid, described = hts_codes()
    with open(CATEGORY_MAP, newline="", encoding="utf-8") as f:
        prefixes = {r["hs"]: r["category"] for r in csv.DictReader(f)}
    table, names = build_partners(valid, described, prefixes)
    outputs: list[tuple[Path, bytes]] = [
        (OUT, text.encode("utf-8")),
        (PARTNERS_OUT, table),
        (PARTNER_NAMES_OUT, names.encode("utf-8")),
    ]
    if "--check" in sys.argv[1:]:
        for path, data in outputs:
            if path.suffix == ".parquet" and path.is_file() and path.read_bytes() != data and same_rows(path, data):
                print(f"{path.name} holds what seeds/raw/ builds (another pyarrow wrote its bytes: {writer_of(path)})")
                continue
            if not path.is_file() or path.read_bytes() != data:
                raise SystemExit(f"{path} differs from what seeds/raw/ builds; run python seeds/build_trade_flows.py")
            print(f"{path.name} is what seeds/raw/ builds")
        return
    for path, data in outputs:
        path.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
