"""A static word table distilled from multilingual-e5-small, for the benches only (not shipped).

e5 (the ``meaning`` extra) reads meaning better than wordllama's token table but
embeds tens of sentences a second here, against thousands: too slow for every
turn at import or for a question's first stage. ``train_static_e5.py`` asks e5
once per vocabulary item (about 31,000 lower-case words and wordllama's 32,000
tokenizer pieces), reduces the answers by PCA and weighs each row by how rare its
word is (SIF), and writes a table (int8 rows, one scale each). A sentence is the
plain mean of its words' rows; a word outside the vocabulary is read as its
tokenizer pieces. numpy only, no e5 at run time.

It was measured against wordllama as the home's embedder and as one more vector
list, and helped neither on the externally written tuning data (docs/BENCHMARKS.md,
issue 13, round 10), so it is not in the package. Here it is a plugin the benches
register (:func:`register`) and a retriever with the extra list (:class:`AlsoRetriever`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from truehearth.plugins import hookimpl, manager
from truehearth.recall.db import RecallDB
from truehearth.recall.embedder_base import Embedder, Vectors, normalise, package_dir
from truehearth.recall.glance import Glance
from truehearth.recall.hybrid import HybridRetriever
from truehearth.recall.query import without_stopwords
from truehearth.recall.question_rows import QuestionRows
from truehearth.recall.vectors import VectorIndex

NAME = "static-e5"
# Letters, with an inner apostrophe ("don't"): digits and punctuation carry no meaning here.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_KEPT_WORDS = 100_000  # out-of-vocabulary words whose pieces are remembered


class StaticE5Embedder:
    """Mean of the distilled rows of a text's words; the id names the table by its digest."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        raw = path.read_bytes()
        with np.load(path) as arrays:
            rows, scale = arrays["rows"], arrays["scale"]
            words = [str(w) for w in arrays["words"]]
            self.settings = json.loads(str(arrays["settings"]))
        self._table = np.ascontiguousarray(rows.astype(np.float32) * scale[:, None])
        self._index = {w: i for i, w in enumerate(words)}
        self._pieces_from = len(words)
        vocab = package_dir("wordllama") / "tokenizers" / "l2_supercat_tokenizer_config.json"
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._outside: dict[str, list[int]] = {}
        self._id = f"{NAME}:{hashlib.sha256(raw).hexdigest()[:12]}:{self.dim}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return int(self._table.shape[1])

    def _rows_of(self, word: str) -> list[int]:
        found = self._index.get(word)
        if found is not None:
            return [found]
        kept = self._outside.get(word)
        if kept is None:
            if len(self._outside) >= _KEPT_WORDS:
                self._outside.clear()
            ids = self._tokenizer.encode(" " + word, add_special_tokens=False).ids
            kept = self._outside[word] = [self._pieces_from + i for i in ids]
        return kept

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        ids = [[r for w in _WORD.findall(t.lower()) for r in self._rows_of(w)] for t in texts]
        lengths = np.fromiter((len(i) for i in ids), np.int64, len(ids))
        flat = np.fromiter((t for row in ids for t in row), np.int64, int(lengths.sum()))
        out = np.zeros((len(ids), self.dim), np.float32)
        nonempty = lengths > 0
        if flat.size:
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
            sums = np.add.reduceat(self._table[flat], starts, axis=0)
            out[nonempty] = sums / lengths[nonempty, None]
        return normalise(out)


def register(table: Path) -> None:
    """Make ``static-e5`` an embedder a home can use (``use_embedder``), reading ``table``."""
    plugin = ModuleType("bench_static_e5")
    made: dict[str, StaticE5Embedder] = {}

    def factory(options: dict[str, str]) -> Embedder:
        if "table" not in made:
            made["table"] = StaticE5Embedder(table)
        return made["table"]

    @hookimpl
    def register_embedders(register: Callable[[str, Callable[..., Embedder], str], None]) -> None:
        register(NAME, factory, f"static table distilled from e5 ({table.name}; bench only)")

    plugin.register_embedders = register_embedders  # type: ignore[attr-defined]
    manager().register(plugin, name="bench_static_e5")
    sys.modules.setdefault("bench_static_e5", plugin)


class AlsoRetriever(HybridRetriever):
    """The default retriever with one more vector list: the distilled table's cosine
    order, fused like the home's own vector lists with weight ``weight``."""

    def __init__(self, table: Path, weight: float = 1.0) -> None:
        super().__init__()
        self.table = table
        self.weight = weight

    def _other(self, db: RecallDB) -> VectorIndex:
        key = f"also-index:{self.table}"
        kept = db.kept.get(key)
        if isinstance(kept, VectorIndex):
            return kept
        index = VectorIndex(db, StaticE5Embedder(self.table))
        db.kept[key] = index
        return index

    def _vector_lists(
        self,
        db: RecallDB,
        rows: QuestionRows,
        text: str,
        admit: Callable[[Glance], bool],
        quarantined: bool,
        syncing: bool,
    ) -> list[tuple[str, tuple[float, int], list[tuple[int, Glance, float]]]]:
        lists = super()._vector_lists(db, rows, text, admit, quarantined, syncing)
        other = self._other(db)
        if syncing:
            other.sync()
        asked = other.embedder.embed([without_stopwords(text)])[0]
        hits = other.search(asked, self.candidates * 2)
        found = self._vector_hits(rows, hits, admit, quarantined)
        return [*lists, ("static e5 vector", (self.weight, self.fusion.vector[1]), found)]
