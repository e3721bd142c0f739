# Two commands matter: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit wheel data golden bench notebooks explore clean

CORE := $(VENV)/.core

# the demo needs tariffsim and its five runtime packages only; the tests need the dev extra on top
$(CORE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(CORE)

$(STAMP): $(CORE)
	$(BIN)/pip install --quiet -e '.[dev,parquet]'
	touch $(STAMP)

demo: $(CORE)
	$(BIN)/tariffsim run exempt_chips

test: $(STAMP) lint typecheck data wheel
	HYPOTHESIS_PROFILE=ci MPLBACKEND=Agg $(BIN)/pytest

data: $(STAMP)  # the bundled table is what seeds/raw/ builds, byte for byte
	$(BIN)/python seeds/build_trade_flows.py --check
	$(BIN)/python seeds/build_measures.py --check
	$(BIN)/python seeds/build_us_record.py --check
	$(BIN)/python seeds/build_tracker.py --check

wheel: $(STAMP)  # build the wheel, install it in a fresh venv outside the checkout, use it from an empty directory
	PYTHON=$(PYTHON) bash .ci/wheel_check.sh

lint: $(STAMP)
	$(BIN)/ruff check simulator tests benchmarks seeds docs

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	MPLBACKEND=Agg $(BIN)/pytest

golden: $(STAMP)  # regenerate the pinned outputs of the bundled paths, on purpose; review the diff
	TARIFFSIM_UPDATE_GOLDEN=1 MPLBACKEND=Agg $(BIN)/pytest tests/test_compare.py -k golden
	git diff --stat tests/golden

notebooks: $(STAMP)  # open the teaching notebooks in JupyterLab (installs the optional extra)
	$(BIN)/pip install --quiet -e '.[dev,parquet,notebooks]'
	cd notebooks && ../$(BIN)/jupyter lab

explore: $(STAMP)  # the live teaching page on the bundled scenarios (http://127.0.0.1:8050/)
	$(BIN)/pip install --quiet -e '.[dev,parquet,explore]'
	$(BIN)/tariffsim explore

bench: $(STAMP)  # engine, analyses, the bundled table, and whole processes against DuckDB and Polars
	$(BIN)/pip install --quiet -e '.[dev,parquet,bench]'
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/analysis.py
	$(BIN)/python benchmarks/bundled.py
	$(BIN)/python benchmarks/end_to_end.py
	$(BIN)/python benchmarks/parquet_slope.py
	$(BIN)/python benchmarks/parquet_query.py
	$(BIN)/python benchmarks/many_selectors.py
	$(BIN)/python benchmarks/diversion.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/explore_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
