"""A guard against llama.cpp's Intel AMX crash: a clear error instead of a dead process.

llama.cpp compiled for a CPU with AMX (``-march=native`` on Sapphire Rapids and
later) repacks Q4 weights for its AMX kernels, and on some of those machines the
first decode then dies with a segmentation fault (ggml-org/llama.cpp#20824). The
Makefile builds the runtime without AMX, but a person who runs ``pip install
truehearth[local]`` on such a CPU gets pip's own build, with AMX, and would see
``truehearth chat`` vanish mid-turn with nothing journaled and nothing said.

So before a model is loaded by a runtime that reports AMX kernels, one decode
is tried in a child process. If the child is killed by a signal, loading stops
with a one-line error that says how to rebuild. A decode that survives is
remembered per runtime and model file in the user cache, so the probe runs once,
not on every turn; a runtime built without AMX never probes at all.
``TRUEHEARTH_LLAMA_AMX=1`` skips the probe for someone who knows their build is
sound.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs

from truehearth.mouths.errors import MouthError
from truehearth.paths import APP_NAME

SKIP_ENV = "TRUEHEARTH_LLAMA_AMX"
CACHE_FILE = "llama-amx-decodes.json"
REBUILD = (
    'CMAKE_ARGS=\'-DCMAKE_C_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16" '
    '-DCMAKE_CXX_FLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"\' '
    "pip install --force-reinstall --no-cache-dir llama-cpp-python"
)
# The child loads the model small and decodes one short prompt: the step that crashes.
_PROBE = """
import sys
from llama_cpp import Llama
model = Llama(model_path=sys.argv[1], n_ctx=64, n_batch=64, n_threads=1, verbose=False)
model.eval(model.tokenize(b"Hello there"))
"""


class RuntimeCrashes(MouthError):
    """The embedded runtime dies on this CPU: it was built with AMX kernels that crash."""


def built_with_amx(system_info: str) -> bool:
    """Whether llama.cpp's system line names AMX (``AMX_INT8 = 1`` and the like)."""
    return "AMX" in system_info


def crashed(returncode: int) -> bool | None:
    """What a probe child's exit says: ``True`` killed by a signal (the crash),
    ``False`` it decoded, ``None`` it failed some other way (a bad file, say), which
    the ordinary load then reports in its own words."""
    if returncode == 0:
        return False
    return True if returncode < 0 else None


def probe(path: Path, timeout: float = 300.0) -> bool | None:
    """Run one decode of ``path`` in a child process; :func:`crashed` reads its exit.
    A child still loading after ``timeout`` proves nothing either way (``None``)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(path)],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return crashed(done.returncode)


def guard(
    path: Path,
    system_info: str,
    runtime_version: str,
    *,
    try_decode: Callable[[Path], bool | None] = probe,
) -> None:
    """Refuse, with the fix in one line, a model this AMX-built runtime cannot decode."""
    if not built_with_amx(system_info) or os.environ.get(SKIP_ENV) == "1":
        return
    stat = path.stat()
    key = hashlib.sha256(
        f"{runtime_version}\n{system_info}\n{path}\n{stat.st_size}\n{stat.st_mtime_ns}".encode()
    ).hexdigest()
    cache = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / CACHE_FILE
    known = _read(cache)
    if known.get(key) is True:
        return
    result = try_decode(path)
    if result:
        raise RuntimeCrashes(
            "llama.cpp was built with Intel AMX kernels, and on this CPU they crash in the "
            f"first decode (llama.cpp#20824); rebuild it without them: {REBUILD} "
            f"(or set {SKIP_ENV}=1 to load anyway)"
        )
    if result is False:  # a child that failed otherwise proves nothing either way
        known[key] = True
        _write(cache, known)


def _read(cache: Path) -> dict[str, bool]:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in data.items() if v is True} if isinstance(data, dict) else {}


def _write(cache: Path, known: dict[str, bool]) -> None:
    """Best effort, atomic: a cache that cannot be written only means probing again."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
        partial.replace(cache)
    except OSError:
        return
