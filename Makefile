# One entry point for people and CI. Needs only python3 (>= 3.11) and make:
# the first target that needs the environment creates it with uv from PyPI.
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced

.PHONY: demo test check lint types fmt bench bench-peers bench-phoenix clean env

env: $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --compile-bytecode --quiet
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vitals demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

types: $(STAMP)
	$(BIN)/mypy src

check: lint types test

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks examples
	$(BIN)/ruff check --fix src tests benchmarks examples

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# pandas and polars for the metrics benchmark, in their own venv: never
# dependencies of aivitals.
bench-peers: | $(UV)
	$(UV) venv --allow-existing .bench-peers
	$(UV) pip install --python .bench-peers/bin/python -r benchmarks/peers/requirements.txt

# Arize Phoenix for the OTLP benchmark, in its own venv likewise.
bench-phoenix: | $(UV)
	$(UV) venv --allow-existing .bench-phoenix
	$(UV) pip install --python .bench-phoenix/bin/python -r benchmarks/peers/phoenix-requirements.txt

clean:
	rm -rf $(VENV) $(TOOLS) .vitals .bench-peers .bench-phoenix
