# Action-research analysis kit. `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= config/suupohja.yml
JOBS   ?=
RUN_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help reports prepare test review bench lint lab clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-9s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

prepare: $(VENV)/.installed ## Validate data/raw and write data/processed
	$(BIN)/research prepare

reports: prepare ## Run every report of the default programme (reports/index.html)
	$(BIN)/research run --config $(CONFIG) $(if $(JOBS),-j $(JOBS)) $(RUN_ARGS)

test: $(VENV)/.installed-test ## Run the test suite
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

review: $(VENV)/.installed-test ## Rerun the executed notebooks in reports/ with strict nbval
	$(BIN)/research review

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	@touch $@

bench: $(VENV)/.installed-bench prepare ## Benchmark: national baseline, naive loop, rerun, Dask LocalCluster
	$(BIN)/python benchmarks/bench_vitality.py
	$(BIN)/python benchmarks/bench_run.py

lint: $(VENV)/.installed-test ## Static checks (ruff) of the package, notebooks and tests
	$(BIN)/python -m ruff check src tests notebooks benchmarks

lab: $(VENV)/.installed ## Open the notebooks in JupyterLab (installs the lab extra)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks

clean: ## Remove generated reports and processed tables (keeps data/raw)
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	find data/processed -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +
