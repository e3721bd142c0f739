"""Bring your own data: Comtrade and BACI imports, the category map, Parquet, and the dask engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator import FlowsError, load_flows, load_scenario, simulate
from simulator.bundled import SCENARIOS
from simulator.cli import cli
from simulator.data.imports import CATEGORY_MAP, import_trade, load_category_map, longest_prefix

FIXTURES = Path(__file__).parent / "fixtures"


def test_category_map_covers_every_chapter() -> None:
    cmap = load_category_map()
    chapters = {f"{c:02d}" for c in range(1, 100)}
    assert chapters <= set(cmap["hs"])
    assert cmap["category"].nunique() <= 40


def test_longest_prefix_wins() -> None:
    codes = pd.Series(["851713", "851762", "120190", "9999"])
    got = longest_prefix(
        codes, pd.Series(["85", "851713", "12", "1201"]), pd.Series(["Electrical", "Phones", "Seeds", "Soy"])
    )
    assert list(got.iloc[:3]) == ["Phones", "Electrical", "Soy"] and pd.isna(got.iloc[3])


def test_comtrade_import(tmp_path: Path) -> None:
    out = tmp_path / "flows.csv"
    report = import_trade("comtrade", [FIXTURES / "comtrade_sample.csv"], out, tariffs=FIXTURES / "tariffs_sample.csv")
    table = load_flows(out)
    rows = {(r.importer, r.exporter, r.hs): r for r in table.itertuples()}
    assert set(rows) == {
        ("CHN", "USA", "120190"),
        ("CHN", "USA", "854231"),
        ("CHN", "USA", "020130"),
        ("USA", "CHN", "851713"),
    }
    beef = rows[("CHN", "USA", "020130")]
    assert beef.category == "Meat & seafood" and beef.base_rate == 0.2  # importer+exporter rule beats "any"
    assert (
        rows[("CHN", "USA", "120190")].value_usd == 12.8e9
    )  # the C01 breakdown row and the chapter total are not added
    assert rows[("CHN", "USA", "120190")].category == "Soybeans" and rows[("CHN", "USA", "120190")].base_rate == 0.03
    assert rows[("USA", "CHN", "851713")].base_rate == 0.0  # the 851713 rule beats the 85 rule
    notes = " ".join(report.notes)
    assert "kept the 6-digit lines only" in notes and "W00" in notes and "4 of 4 lines matched" in notes


def test_baci_import_keeps_leading_zeros_and_scales_values(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "flows.parquet"
    report = import_trade(
        "baci", [FIXTURES / "baci_sample.csv"], out, country_codes=FIXTURES / "country_codes_V202401.csv"
    )
    table = load_flows(out)
    horses = table[table["hs"] == "010121"]
    assert len(horses) == 1 and horses["value_usd"].iloc[0] == pytest.approx(1_250_500)
    assert set(table["importer"].astype(str)) == {"CHN", "USA"} and report.directions == 3
    assert "base_rate is 0 on every line" in " ".join(report.notes)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["comtrade", [FIXTURES / "baci_sample.csv"]], "not a UN Comtrade file: missing column(s) reporterISO"),
        (["baci", [FIXTURES / "comtrade_sample.csv"]], "not a CEPII BACI file: missing column(s) t, i, j, k, v"),
        (["baci", [FIXTURES / "baci_sample.csv"]], "needs its country-codes file"),
        (["comtrade", [FIXTURES / "nope.csv"]], "no such UN Comtrade file"),
    ],
)
def test_bad_input_files_are_named(tmp_path: Path, args: list, fragment: str) -> None:
    with pytest.raises(FlowsError) as info:
        codes = FIXTURES / "country_codes_V202401.csv" if "country-codes" not in fragment else None
        import_trade(args[0], args[1], tmp_path / "o.csv", country_codes=codes)
    assert fragment in str(info.value)
    assert not (tmp_path / "o.csv").exists()


def test_bad_rows_are_listed(tmp_path: Path) -> None:
    bad = tmp_path / "baci_bad.csv"
    bad.write_text("t,i,j,k,v,q\n2022,842,156,120190,abc,1\n2022,842,156,1x,5,1\n2022,842,156,120190,-3,1\n")
    with pytest.raises(FlowsError) as info:
        import_trade("baci", [bad], tmp_path / "o.csv", country_codes=FIXTURES / "country_codes_V202401.csv")
    assert "row 2: v 'abc' is not a number" in str(info.value) and "row 4: v '-3'" in str(info.value)
    two_years = tmp_path / "baci_years.csv"
    two_years.write_text("t,i,j,k,v,q\n2021,842,156,120190,1,1\n2022,842,156,120190,5,1\n")
    with pytest.raises(FlowsError, match=r"several years \(2021, 2022\); pass --year"):
        import_trade("baci", [two_years], tmp_path / "o.csv", country_codes=FIXTURES / "country_codes_V202401.csv")
    report = import_trade(
        "baci", [two_years], tmp_path / "o.csv", country_codes=FIXTURES / "country_codes_V202401.csv", year=2022
    )
    assert report.value_usd == 5000


def test_unmapped_chapter_is_an_error(tmp_path: Path) -> None:
    cmap = tmp_path / "map.csv"
    cmap.write_text("hs,category\n12,Seeds\n")
    with pytest.raises(FlowsError, match=r"no category for HS chapter\(s\) 02, 85"):
        import_trade("comtrade", [FIXTURES / "comtrade_sample.csv"], tmp_path / "o.csv", categories=cmap)


def test_cli_data_import(tmp_path: Path) -> None:
    out = tmp_path / "flows.csv"
    result = CliRunner().invoke(
        cli, ["data", "import", "--from", "comtrade", str(FIXTURES / "comtrade_sample.csv"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "4 lines, 2 directions" in result.stdout and "note:" in result.stderr
    bad = CliRunner().invoke(
        cli, ["data", "import", "--from", "comtrade", str(FIXTURES / "baci_sample.csv"), "--out", str(out)]
    )
    assert bad.exit_code == 1 and "missing column(s)" in bad.stderr and "Traceback" not in bad.output


def test_default_map_is_the_seed_file() -> None:
    assert CATEGORY_MAP.name == "hs_categories.csv" and CATEGORY_MAP.is_file()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pyarrow")
    root = tmp_path_factory.mktemp("dataset")
    table = load_flows()
    for i, rows in enumerate(np.array_split(np.arange(len(table)), 5)):
        table.iloc[rows].to_parquet(root / f"part-{i}.parquet", index=False)
    return root


@pytest.mark.parametrize("name", ["exempt_131.yaml", "china_125_response.yaml", "paths/us_on_china_deescalation.yaml"])
def test_dask_engine_matches_pandas_on_a_local_cluster(dataset: Path, name: str) -> None:
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    from simulator.engine.dask_runner import simulate_dask

    scenario = load_scenario(SCENARIOS / name)
    expected = simulate(scenario)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = simulate_dask(scenario, dataset, client=client)
    for key, value in expected.totals.items():
        assert got.totals[key] == pytest.approx(value, rel=1e-9, abs=1e-3), key
    merged = expected.by_category.merge(got.by_category, on="category", suffixes=("", "_dask"))
    assert len(merged) == len(expected.by_category)
    assert np.allclose(merged["duty_usd"], merged["duty_usd_dask"], rtol=1e-9)
    assert [d for d in got.timeline["date"]] == [d for d in expected.timeline["date"]]


def test_dask_engine_reports_bad_partitions(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    from simulator.engine.dask_runner import simulate_dask

    pd.DataFrame(
        {"exporter": ["USA"], "importer": ["CHN"], "hs": ["1201"], "category": ["Soybeans"], "value_usd": [-1.0]}
    ).to_parquet(tmp_path / "part-0.parquet", index=False)
    with pytest.raises(FlowsError, match=r"(?s)partition0: 1 bad value:.*value_usd '-1.0' is negative"):
        simulate_dask(load_scenario(SCENARIOS / "china_125.yaml"), tmp_path)
    with pytest.raises(FlowsError, match="no such Parquet"):
        simulate_dask(load_scenario(SCENARIOS / "china_125.yaml"), tmp_path / "nope")


def test_cli_engine_dask(dataset: Path) -> None:
    pytest.importorskip("dask")
    runner = CliRunner()
    path = str(SCENARIOS / "exempt_chips.yaml")
    plain = runner.invoke(cli, ["run", path, "--format", "json"])
    dask_run = runner.invoke(cli, ["run", path, "--engine", "dask", "--trade", str(dataset), "--format", "json"])
    assert dask_run.exit_code == 0, dask_run.output
    import json

    a, b = json.loads(plain.stdout)["totals"], json.loads(dask_run.stdout)["totals"]
    assert b == pytest.approx(a, rel=1e-9)
    assert runner.invoke(cli, ["run", path, "--engine", "dask"]).exit_code == 2


def test_cli_engine_dask_runs_locally_without_loading_distributed(dataset: Path) -> None:
    """Without --scheduler the tasks run on dask's threads; asking dask for its default scheduler
    imports distributed (0.24 s) just to look for a client."""
    pytest.importorskip("dask")
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from simulator.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print('distributed' in sys.modules, file=sys.stderr)\n"
    )
    path = str(SCENARIOS / "exempt_chips.yaml")
    done = subprocess.run(
        [sys.executable, "-c", code, "run", path, "--engine", "dask", "--trade", str(dataset), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"duty_usd"' in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_dask_engine_never_sums_across_years(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    from simulator.engine.dask_runner import simulate_dask

    table = load_flows()
    for year, scale in ((2023, 2.0), (2024, 1.0)):
        part = table.assign(year=year, value_usd=table["value_usd"] * scale)
        for name in ("exporter", "importer", "hs", "category"):
            part[name] = part[name].astype(str)
        part.to_parquet(tmp_path / f"y{year}.parquet")
    scenario = load_scenario(SCENARIOS / "exempt_chips.yaml")
    with pytest.raises(
        FlowsError, match=r"holds several years \(2023, 2024\) that must not be summed; pick one with --year"
    ):
        simulate_dask(scenario, tmp_path)
    one_year = simulate_dask(scenario, tmp_path, year=2024).totals
    assert one_year == pytest.approx(simulate(scenario).totals, rel=1e-9)
    with pytest.raises(FlowsError, match="no rows for year 2020"):
        simulate_dask(scenario, tmp_path, year=2020)


def test_a_validated_table_is_cached_and_an_edit_is_read_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.data.load as load

    monkeypatch.setenv("TARIFFSIM_CACHE_DIR", str(tmp_path / "cache"))
    table = tmp_path / "t.csv"
    table.write_text("exporter,importer,hs,category,value_usd\nUSA,CHN,0201,Meat,10\n", encoding="utf-8")
    first = load.load_flows(table)
    assert len(list((tmp_path / "cache").glob("flows-*"))) == 1

    def no_parsing(*_: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(load, "_read_csv", no_parsing)
    pd.testing.assert_frame_equal(load.load_flows(table), first)  # from the cache
    table.write_text("exporter,importer,hs,category,value_usd\nUSA,CHN,0201,Meat,11\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="parsed again"):  # same size, new content: read afresh
        load.load_flows(table)
    monkeypatch.undo()
    monkeypatch.setenv("TARIFFSIM_CACHE_DIR", str(tmp_path / "cache"))
    assert load.load_flows(table)["value_usd"].iloc[0] == 11
    assert load.load_flows(table)["hs"].iloc[0] == "0201"  # leading zero kept through the cache
    assert len(list((tmp_path / "cache").glob("flows-*"))) == 1  # the edited table's old entry is gone


def test_a_damaged_or_disabled_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.data.load import load_flows

    cache = tmp_path / "cache"
    monkeypatch.setenv("TARIFFSIM_CACHE_DIR", str(cache))
    table = tmp_path / "t.csv"
    table.write_text("exporter,importer,hs,category,value_usd\nUSA,CHN,0201,Meat,10\n", encoding="utf-8")
    load_flows(table)
    for file in cache.glob("flows-*"):
        file.write_bytes(b"not a table")
    assert load_flows(table)["value_usd"].iloc[0] == 10
    monkeypatch.setenv("TARIFFSIM_CACHE", "off")
    other = tmp_path / "u.csv"
    other.write_text("exporter,importer,hs,category,value_usd\nUSA,CHN,0202,Meat,5\n", encoding="utf-8")
    load_flows(other)
    assert len(list(cache.glob("flows-*"))) == 1  # nothing new written


@pytest.mark.parametrize("direction", [("USA", None), ("USA", "MEX"), ("CHN", "USA")])
def test_the_bundled_table_read_back_from_the_cache_is_the_table_read_afresh(
    direction: tuple[str, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator.data import load

    columns = ("exporter", "importer", "hs", "category", "value_usd", "base_rate", "source")
    monkeypatch.setenv("TARIFFSIM_CACHE", "off")
    fresh = load.load_bundled(columns=columns, direction=direction)
    monkeypatch.delenv("TARIFFSIM_CACHE")
    monkeypatch.setenv("TARIFFSIM_CACHE_DIR", str(tmp_path / "cache"))
    pd.testing.assert_frame_equal(load.load_bundled(columns=columns, direction=direction), fresh)  # built, kept

    def no_reading(*_: object, **__: object) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(load, "load_flows", no_reading)
    pd.testing.assert_frame_equal(load.load_bundled(columns=columns, direction=direction), fresh)  # read back
    with pytest.raises(AssertionError, match="read again"):  # other columns: an entry of their own
        load.load_bundled(columns=(*columns, "description"), direction=direction)
