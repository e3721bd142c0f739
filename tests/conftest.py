"""Shared fixtures: a tiny hand-checkable table and a helper that writes scenario files."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from simulator.data.validate import validate_flows

# `make test` (and so CI) runs the property tests on fixed examples, so a clean machine cannot turn red on
# a case nobody has seen; `make unit` alone, or plain pytest, keeps searching anew each run.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests keep their table cache to themselves, never in the user's ~/.cache."""
    os.environ["TARIFFSIM_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


def tiny_flows() -> pd.DataFrame:
    """Four lines China imports from the US, small numbers to compute by hand."""
    raw = pd.DataFrame(
        {
            "exporter": ["USA", "USA", "USA", "USA", "CHN"],
            "importer": ["CHN", "CHN", "CHN", "CHN", "USA"],
            "hs": ["854231", "854232", "1201", "0201", "851713"],
            "category": ["Semiconductors", "Semiconductors", "Soybeans", "Meat", "Smartphones"],
            "value_usd": ["100", "50", "200", "10", "1000"],
            "base_rate": ["0", "0", "0.03", "0.2", "0"],
        }
    )
    return validate_flows(raw, "tiny.csv")


@pytest.fixture
def flows() -> pd.DataFrame:
    return tiny_flows()


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.csv"
    tiny_flows().to_csv(path, index=False)
    return path


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(name, yaml_text) -> path; the text is dedented, and `trade: tiny.csv` resolves beside it."""
    tiny_flows().to_csv(tmp_path / "tiny.csv", index=False)

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture(params=["duckdb", "pyarrow"])
def reducer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each Parquet reducer in turn: DuckDB's (when installed) and pyarrow's (DuckDB hidden)."""
    import simulator.data.duck as duck

    if request.param == "duckdb":
        pytest.importorskip("duckdb")
    else:
        monkeypatch.setattr(duck, "duckdb_module", lambda: None)
    return str(request.param)
