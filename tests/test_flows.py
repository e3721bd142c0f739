"""The trade-flow table loader: declared columns, located row errors, leading zeros kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulator import FlowsError, load_flows

GOOD = "exporter,importer,hs,category,value_usd,base_rate\nUSA,CHN,0201,Beef,100,0.12\n"


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_leading_zeros_kept_and_defaults(tmp_path: Path) -> None:
    table = load_flows(write(tmp_path, "exporter,importer,hs,category,value_usd\nUSA,CHN,0201,Beef,100\n"))
    assert table.loc[0, "hs"] == "0201"
    assert table.loc[0, "base_rate"] == 0.0
    assert table["value_usd"].dtype == float


def test_missing_column_named(tmp_path: Path) -> None:
    with pytest.raises(
        FlowsError, match=r"t.csv: missing column\(s\) value_usd; the table has: exporter, importer, hs, category"
    ):
        load_flows(write(tmp_path, "exporter,importer,hs,category\nUSA,CHN,0201,Beef\n"))


def test_bad_rows_listed_with_count(tmp_path: Path) -> None:
    rows = "".join(f"USA,CHN,12{i:02d},X,-{i + 1},0\n" for i in range(15))
    text = (
        "exporter,importer,hs,category,value_usd,base_rate\n"
        + rows
        + "USA,CHN,,X,1,0\nUSA,CHN,85a,X,abc,0\nUSA,CHN,201,X,1,half\n"
    )
    with pytest.raises(FlowsError) as info:
        load_flows(write(tmp_path, text))
    message = str(info.value)
    assert "t.csv: 20 bad values" in message
    assert "row 2: value_usd '-1' is negative" in message
    assert "... and 10 more" in message
    assert message.count("  row ") == 10


def test_each_kind_of_bad_value(tmp_path: Path) -> None:
    text = "exporter,importer,hs,category,value_usd,base_rate\nUSA,CHN,,X,1,0\nUSA,CHN,85a,X,abc,0\nUSA,CHN,201,X,1,half%\nUS,CHN,85,X,1,-1\n"
    with pytest.raises(FlowsError) as info:
        load_flows(write(tmp_path, text))
    message = str(info.value)
    for fragment in (
        "row 2: hs '' is empty",
        "row 3: hs '85a' is not 2-10 digits",
        "row 3: value_usd 'abc' is not a number",
        "row 4: hs '201' has an odd number of digits",
        "row 4: base_rate 'half%' is not a number",
        "row 5: exporter 'US' is not an ISO alpha-3",
        "row 5: base_rate '-1' is outside 0-10",
    ):
        assert fragment in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FlowsError, match="no such trade-flow table"):
        load_flows(tmp_path / "nope.csv")


def test_parquet_roundtrip_and_numeric_hs_refused(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    table = load_flows(write(tmp_path, GOOD))
    table.to_parquet(tmp_path / "t.parquet")
    assert load_flows(tmp_path / "t.parquet").loc[0, "hs"] == "0201"
    table.assign(hs=[201]).to_parquet(tmp_path / "n.parquet")
    with pytest.raises(FlowsError, match="column hs holds numbers"):
        load_flows(tmp_path / "n.parquet")


def test_a_directory_is_a_parquet_dataset(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    table = load_flows(write(tmp_path, GOOD + "USA,CHN,1201,Soy,50,0.03\n"))
    (tmp_path / "ds").mkdir()
    table.iloc[:1].to_parquet(tmp_path / "ds" / "a.parquet")
    table.iloc[1:].to_parquet(tmp_path / "ds" / "b.parquet")
    both = load_flows(tmp_path / "ds")
    assert sorted(both["hs"].astype(str)) == ["0201", "1201"]


@pytest.mark.parametrize("scenario_name", ["exempt_131", "china_125_response", "paths/us_on_china_escalation"])
def test_parquet_read_reduced_gives_the_same_numbers(tmp_path: Path, scenario_name: str, reducer: str) -> None:
    """A Parquet dataset is summed per line key while read; every figure must equal the full read's."""
    pytest.importorskip("pyarrow")
    from dataclasses import replace

    from simulator import load_scenario, simulate
    from simulator.engine.prepare import prepare

    table = load_flows()
    (tmp_path / "ds").mkdir()
    for i, part in enumerate((table.iloc[::2], table.iloc[1::2])):  # two files, every direction in each
        part.astype({c: str for c in ("exporter", "importer", "hs", "category")}).to_parquet(
            tmp_path / "ds" / f"{i}.parquet"
        )
    scenario = replace(load_scenario(scenario_name), trade=tmp_path / "ds")
    reduced, full = prepare(scenario), prepare(scenario, reduce=False)
    assert len(reduced.flows) < len(full.flows)  # the reduced path was taken
    a, b = simulate(scenario), simulate(replace(scenario, trade=None), table)
    assert a.totals == pytest.approx(b.totals, rel=1e-9)
    pd.testing.assert_frame_equal(a.by_category, b.by_category, rtol=1e-9)


def test_parquet_with_a_bad_row_still_names_it(tmp_path: Path, reducer: str) -> None:
    pytest.importorskip("pyarrow")
    from dataclasses import replace

    from simulator import load_scenario, simulate

    table = load_flows().astype({c: str for c in ("exporter", "importer", "hs", "category")})
    table.loc[5, "value_usd"] = -1.0
    table.to_parquet(tmp_path / "t.parquet")
    scenario = replace(load_scenario("china_125"), trade=tmp_path / "t.parquet")
    with pytest.raises(FlowsError, match=r"value_usd '-1\.0' is negative"):
        simulate(scenario)


def test_parquet_directions_are_picked_by_folder_row_group_and_dictionary(tmp_path: Path, reducer: str) -> None:
    """Hive folders and Parquet row-group statistics skip other directions, and rows of other directions
    inside a kept batch are dropped by their dictionary codes: the figures equal the full read's, and a
    bad value in another direction neither counts nor stops the fast path."""
    pytest.importorskip("pyarrow")
    from dataclasses import replace

    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from simulator import load_scenario, simulate
    from simulator.engine.prepare import prepare

    table = load_flows()
    usa = table[table["importer"] == "USA"]
    mixed = table.sort_values(["exporter", "importer"], kind="stable")  # row groups mostly of one direction
    mixed = mixed.astype({"value_usd": float})
    mixed.loc[mixed.index[(mixed["importer"] == "CHN").to_numpy()][0], "value_usd"] = -5.0  # bad, other direction
    root = tmp_path / "ds"
    ds.write_dataset(
        pa.Table.from_pandas(table.iloc[::3], preserve_index=False),
        root / "hive",
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("importer", pa.string())]), flavor="hive"),
    )
    pq.write_table(pa.Table.from_pandas(mixed, preserve_index=False), root / "mixed.parquet", row_group_size=500)
    scenario = replace(load_scenario("us_electronics_exemption"), trade=root / "mixed.parquet")
    reduced = prepare(scenario)
    assert len(reduced.flows) < len(usa)  # the reduced path was taken despite the bad CHN row
    expected = simulate(replace(scenario, trade=None), usa)
    assert simulate(scenario).totals == pytest.approx(expected.totals, rel=1e-12)
    hive = replace(scenario, trade=root / "hive")
    assert len(prepare(hive).flows) < len(usa)
    assert simulate(hive).totals == pytest.approx(
        simulate(replace(hive, trade=None), table.iloc[::3]).totals, rel=1e-12
    )
    china = replace(load_scenario("china_125"), trade=root / "mixed.parquet")
    with pytest.raises(FlowsError, match=r"value_usd '-5\.0' is negative"):
        simulate(china)
