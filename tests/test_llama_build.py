"""The embedded runtime as `make` builds it: for this CPU, but without Intel AMX.

llama.cpp's AMX kernels crash on some Sapphire Rapids machines (SIGSEGV in the
first decode of a Q4 model, SmolLM2 and the judge alike), so the Makefile
compiles llama-cpp-python with the AMX instructions switched off. A venv built
any other way (a wheel cached from an earlier build, a missing flag) fails here,
before a slow model test dies with the whole run.
"""

from __future__ import annotations

import pytest


def test_the_embedded_runtime_is_built_without_amx() -> None:
    llama_cpp = pytest.importorskip("llama_cpp", reason="the local extra is not installed")
    info = llama_cpp.llama_print_system_info().decode()
    assert "CPU :" in info
    assert "AMX" not in info, f"llama.cpp was built with AMX: {info}"
