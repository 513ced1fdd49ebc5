"""The meaning model for benchmark runs, with its passage vectors kept on disk by text.

A home keeps the vectors of its own records (``recall_meaning``), but every
benchmark run builds fresh homes, and a tuning grid would embed the same turns
again in each run: hours of CPU on this machine. This wrapper keeps each
passage's vector in one SQLite file keyed by model and text, so a second run
reads what the first embedded. It changes no score (the same model, the same
text, the same vector); it hides the embedding cost, so latency is measured
without it (``--systems meaning-cost``).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from truehearth.recall.meaning import E5Meaning, MeaningModel, Vector


class KeptMeaning:
    """A :class:`MeaningModel` whose passages are embedded once per text, across runs."""

    def __init__(self, inner: MeaningModel, path: Path) -> None:
        self.inner = inner
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS kept (key BLOB PRIMARY KEY, vec BLOB)")

    @property
    def name(self) -> str:
        return self.inner.name

    def query(self, text: str) -> Vector:
        return self.inner.query(text)

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.name}\0{text}".encode()).digest()

    def passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        keys = [self._key(t) for t in texts]
        found: dict[bytes, Vector] = {}
        for key in keys:
            row = self.db.execute("SELECT vec FROM kept WHERE key = ?", (key,)).fetchone()
            if row:
                found[key] = np.frombuffer(row[0], np.float32)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            made = self.inner.passages([texts[i] for i in missing])
            with self.db:
                for i, vec in zip(missing, made, strict=True):
                    found[keys[i]] = np.asarray(vec, np.float32)
                    self.db.execute(
                        "INSERT OR REPLACE INTO kept VALUES (?, ?)", (keys[i], vec.tobytes())
                    )
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack([found[k] for k in keys])


_model: list[KeptMeaning] = []


def meaning_model() -> KeptMeaning:
    """The e5 model with the disk cache (``$BENCH_TMP`` or the temp dir)."""
    if not _model:
        folder = Path(os.environ.get("BENCH_TMP") or tempfile.gettempdir())
        _model.append(KeptMeaning(E5Meaning(), folder / "truehearth-meaning-kept.db"))
    return _model[0]
