"""The embedded runtime as `make` builds it: for this CPU, but without Intel AMX.

llama.cpp's AMX kernels crash on some Sapphire Rapids machines (SIGSEGV in the
first decode of a Q4 model, SmolLM2 and the judge alike), so the Makefile
compiles llama-cpp-python with the AMX instructions switched off. A venv built
any other way (a wheel cached from an earlier build, a missing flag) fails here,
before a slow model test dies with the whole run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_the_embedded_runtime_is_built_without_amx() -> None:
    llama_cpp = pytest.importorskip("llama_cpp", reason="the local extra is not installed")
    info = llama_cpp.llama_print_system_info().decode()
    assert "CPU :" in info
    assert "AMX" not in info, f"llama.cpp was built with AMX: {info}"


def test_the_amx_guard_reads_the_runtime_line_and_the_childs_exit() -> None:
    """A runtime naming AMX is probed; a probe child killed by a signal is the crash,
    one that exits 0 decoded, and any other failure is left to the ordinary load."""
    from truehearth.mouths import amx

    assert amx.built_with_amx("CPU : SSE3 = 1 | AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 |")
    assert not amx.built_with_amx("CPU : SSE3 = 1 | AVX512 = 1 | REPACK = 1 |")
    assert amx.crashed(-11) is True
    assert amx.crashed(0) is False
    assert amx.crashed(1) is None


@pytest.mark.slow
def test_the_amx_probe_decodes_the_shipped_model_in_a_child() -> None:
    """The probe really loads and decodes: on this runtime the shipped model survives,
    and a file llama.cpp cannot load is a failure of its own kind, not the crash."""
    pytest.importorskip("llama_cpp", reason="the local extra is not installed")
    from truehearth.mouths import amx, shipped

    assert amx.probe(shipped.smollm2_path()) is False


def test_an_amx_probe_of_a_bad_file_is_not_called_a_crash(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="the local extra is not installed")
    from truehearth.mouths import amx

    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    assert amx.probe(bad) is None
    assert amx.probe(bad, timeout=0.001) is None  # a child cut off proves nothing


def test_a_runtime_without_amx_loads_without_probing(tmp_path: Path) -> None:
    """The guard costs nothing where there is no AMX: not even a stat of the file."""
    from truehearth.mouths import amx

    amx.guard(tmp_path / "absent.gguf", "CPU : SSE3 = 1 | AVX2 = 1 |", "0.3.16")


def test_an_amx_runtime_that_crashes_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real crash from a real child (a null read, SIGSEGV) stops the load with the
    fix in one line, nothing is remembered as sound, and the human can override."""
    from truehearth.mouths import amx

    def segfaults(path: Path) -> bool | None:
        child = subprocess.run(
            [sys.executable, "-c", "import ctypes; ctypes.string_at(0)"],
            capture_output=True,
            check=False,
        )
        return amx.crashed(child.returncode)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    with pytest.raises(amx.RuntimeCrashes, match="rebuild it without them") as caught:
        amx.guard(model, "CPU : AMX_INT8 = 1 |", "0.3.16", try_decode=segfaults)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "cache" / "truehearth" / amx.CACHE_FILE).exists()
    monkeypatch.setenv(amx.SKIP_ENV, "1")
    amx.guard(model, "CPU : AMX_INT8 = 1 |", "0.3.16", try_decode=segfaults)


def test_a_sound_amx_decode_is_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A decode that survives is probed once per runtime and file, then remembered."""
    from truehearth.mouths import amx

    tries: list[Path] = []

    def decodes(path: Path) -> bool | None:
        tries.append(path)
        return amx.crashed(subprocess.run([sys.executable, "-c", "pass"], check=False).returncode)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    for _ in range(2):
        amx.guard(model, "CPU : AMX_INT8 = 1 |", "0.3.16", try_decode=decodes)
    assert tries == [model]
    amx.guard(model, "CPU : AMX_INT8 = 1 |", "0.3.17", try_decode=decodes)
    assert len(tries) == 2  # a new runtime is probed again
