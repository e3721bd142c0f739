"""The bundled table is the public record: rebuilt byte for byte from seeds/raw/, every total real.

These checks read the raw files with the csv module, independently of the loader and the engine.
"""

from __future__ import annotations

import csv
import importlib.util
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

from simulator import load_flows
from simulator.bundled import CATEGORY_MAP, TRADE_TABLE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
RAW = SEEDS / "raw"


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_trade_flows", SEEDS / "build_trade_flows.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(TRADE_TABLE, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def raw(name: str) -> list[dict[str, str]]:
    with open(RAW / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_bundled_table_is_what_the_raw_files_build(build: ModuleType) -> None:
    assert TRADE_TABLE.read_text(encoding="utf-8") == build.build()


def test_us_imports_are_every_census_line_unscaled(rows: list[dict[str, str]]) -> None:
    census = raw("us_imports_from_china_2024_hs10.csv")
    ours = [r for r in rows if r["importer"] == "USA"]
    assert len(ours) == len(census) == 14422
    assert {r["source"] for r in ours} == {"census_hs10"}
    value = sum(int(r["value_usd"]) for r in ours)
    assert value == sum(int(float(r["con_val_2024_usd"])) for r in census)
    assert value == pytest.approx(429.43e9, rel=1e-4)  # imports for consumption, not general imports
    duty = sum(int(r["value_usd"]) * float(r["base_rate"]) for r in ours)
    assert duty == pytest.approx(sum(float(r["cal_duty_2024_usd"]) for r in census), rel=1e-8)
    by_code = {r["hs10"]: int(float(r["con_val_2024_usd"])) for r in census}
    lines = {r["hs"]: int(r["value_usd"]) for r in ours if len(r["hs"]) == 10}
    assert all(by_code[code] == value for code, value in lines.items())  # kept codes keep their own value


def test_us_exports_equal_every_chapter_total(rows: list[dict[str, str]]) -> None:
    chapters = {r["hs2"]: int(float(r["2024"])) for r in raw("us_exports_to_china_hs2_2020_2024.csv")}
    farm = raw("us_exports_to_china_2024_hs6_farm_food.csv")
    farm_by_chapter: dict[str, int] = defaultdict(int)
    for r in farm:
        farm_by_chapter[r["hs6"][:2]] += int(float(r["us_exports_to_china_2024_usd"]))
    ours: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["importer"] == "CHN":
            ours[r["hs"][:2]] += int(r["value_usd"])
    for chapter, total in chapters.items():
        # where the Census HS6 lines (another release) exceed the DataWeb total, they are kept as they are
        assert ours[chapter] == max(total, farm_by_chapter[chapter]), chapter
    assert set(ours) <= set(chapters)


def test_every_farm_line_is_a_census_value(rows: list[dict[str, str]]) -> None:
    census = [r for r in rows if r["source"] == "census_hs6"]
    assert len(census) == 507
    assert sum(int(r["value_usd"]) for r in census) == sum(
        int(float(r["us_exports_to_china_2024_usd"])) for r in raw("us_exports_to_china_2024_hs6_farm_food.csv")
    )
    assert {r["source"] for r in rows if r["importer"] == "CHN"} <= {
        "census_hs6",
        "estimate_2017_shares",
        "census_chapter_rest",
    }


def test_every_code_is_a_code_of_the_2025_hts(build: ModuleType, rows: list[dict[str, str]]) -> None:
    valid, _ = build.hts_codes()
    assert not [r["hs"] for r in rows if r["hs"] not in valid]
    assert not [r["hs"] for r in rows if r["hs"].startswith("8803")]  # aircraft parts are 8807 since HS2022


@pytest.mark.parametrize(
    "code",
    [
        "1201",
        "854231",
        "854232",
        "854233",
        "854239",
        "848620",
        "880240",
        "841112",
        "841191",
        "880730",
        "271111",
        "271112",
        "271119",
        "270900",
        "300490",
        "3901",
        "901819",
        "902214",
        "100590",
        "520100",
    ],
)
def test_the_lines_2025_measures_name_are_their_own_lines(rows: list[dict[str, str]], code: str) -> None:
    assert any(r["importer"] == "CHN" and r["hs"].startswith(code) for r in rows), code


def test_categories_are_readable_and_cover_the_names_measures_use() -> None:
    table = load_flows()
    for importer, group in table.groupby("importer", observed=True):
        assert 20 <= group["category"].nunique() <= 37, importer
    with open(CATEGORY_MAP, newline="", encoding="utf-8") as f:
        names = {r["category"] for r in csv.DictReader(f)}
    assert {
        "Smartphones",
        "Computers",
        "Semiconductors",
        "Batteries",
        "Toys & games",
        "Pharmaceuticals",
        "Soybeans",
        "Aircraft engines & parts",
        "Ethane",
        "Medical devices",
        "Chip-making equipment",
    } <= names
