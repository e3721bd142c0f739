# Two commands matter: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit golden bench notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,parquet]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tariffsim run scenarios/exempt_chips.yaml

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check simulator tests benchmarks seeds

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

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/analysis.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
