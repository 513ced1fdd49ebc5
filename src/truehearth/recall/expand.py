"""Query expansion from the static embedding table: "sibling" also looks for "sister".

Paraphrased questions share few words with the turn that answers them, so BM25
alone misses them. wordllama's token table places related words close
together; for each content word of a query we add its nearest whole-word
neighbours, and BM25 runs again on the expanded query as a separate ranked
list (so the original wording still wins when it matches).
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from truehearth.recall.embed_wordllama import WordLlamaEmbedder
from truehearth.recall.embedder_base import one_blas_thread
from truehearth.recall.query import STOPWORDS, content_words

NEIGHBOURS = 6
MIN_COSINE = 0.45
MIN_LENGTH = 4
# Pieces of contractions the tokenizer keeps as words ("doesn't" -> "doesn"): they sit
# next to every negative word in the table and match half of any conversation.
_FRAGMENT_TEXT = """
doesn isn haven wouldn didn couldn shouldn wasn weren hasn hadn aren won ain mustn needn shan
mightn dont cant wont didnt doesnt isnt wasnt havent
"""
FRAGMENTS = frozenset(_FRAGMENT_TEXT.split())


def unrelated_form(word: str, candidate: str) -> bool:
    """Whether ``candidate`` is a piece or a spelling of ``word`` rather than a related word.

    "donations" -> "don", a name -> its first syllable, "mother" -> "moth": a shared
    stem of four letters, or one word inside the other, means the table matched
    spelling, not meaning.
    """
    if candidate in word or word in candidate:
        return True
    return candidate[:4] == word[:4]


class Expander:
    """Nearest whole-word neighbours of a word in wordllama's token space."""

    def __init__(self, embedder: WordLlamaEmbedder) -> None:
        self._embedder = embedder
        table = embedder.table
        words: list[str] = []
        rows: list[int] = []
        for token, index in embedder.vocabulary().items():
            word = token[1:]
            whole = token.startswith("▁") and word.isascii() and word.isalpha()
            plain = word not in STOPWORDS and word not in FRAGMENTS
            if whole and len(word) >= MIN_LENGTH and word.islower() and plain:
                words.append(word)
                rows.append(index)
        chosen = table[np.asarray(rows, np.int64)]
        self._words = words
        self._matrix: npt.NDArray[np.float32] = chosen / np.maximum(
            np.linalg.norm(chosen, axis=1, keepdims=True), 1e-9
        )

    @functools.lru_cache(maxsize=4096)  # noqa: B019  (one expander per process)
    def neighbours(self, word: str) -> tuple[str, ...]:
        ids = self._embedder.token_ids([word])[0]
        if not ids:
            return ()
        vector = self._embedder.table[np.asarray(ids, np.int64)].mean(axis=0)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            return ()
        with one_blas_thread():
            sims = self._matrix @ (vector / norm)
        top = np.argpartition(-sims, NEIGHBOURS + 2)[: NEIGHBOURS + 2]
        top = top[np.argsort(-sims[top])]
        found: list[str] = []
        for i in top:
            candidate = self._words[int(i)]
            if sims[i] < MIN_COSINE or unrelated_form(word, candidate):
                continue
            found.append(candidate)
        return tuple(found[:NEIGHBOURS])

    def _vector(self, word: str) -> npt.NDArray[np.float32] | None:
        ids = self._embedder.token_ids([word])[0]
        if not ids:
            return None
        vector = self._embedder.table[np.asarray(ids, np.int64)].mean(axis=0)
        norm = float(np.linalg.norm(vector))
        return None if norm == 0.0 else (vector / norm).astype(np.float32)

    @functools.lru_cache(maxsize=64)  # noqa: B019  (a few fixed vocabularies per process)
    def _table_of(self, vocabulary: frozenset[str]) -> tuple[list[str], npt.NDArray[np.float32]]:
        words = sorted(vocabulary)
        rows = [self._vector(w) for w in words]
        kept = [(w, r) for w, r in zip(words, rows, strict=True) if r is not None]
        if not kept:
            return [], np.zeros((0, self._embedder.dim), np.float32)
        return [w for w, _r in kept], np.stack([r for _w, r in kept])

    def near_any(self, query: str, vocabulary: frozenset[str]) -> set[str]:
        """The words of a small ``vocabulary`` close to some content word of the query.

        The same closeness as :meth:`neighbours`, but against a few hundred words
        (a relation's cue words) instead of the whole table: a long message costs
        microseconds per word, not a pass over 30,000 rows.
        """
        found: set[str] = set()
        for word in content_words(query):
            if word not in FRAGMENTS:
                found.update(self._near(word, vocabulary))
        return found

    @functools.lru_cache(maxsize=8192)  # noqa: B019  (one expander per process)
    def _near(self, word: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
        """The words of ``vocabulary`` close to one word: a pure function of the two, kept,
        since every question asks it for each of its words (the graph's cue words, a
        tokenization and a product each) and a chat's words come back turn after turn."""
        words, table = self._table_of(vocabulary)
        if not words:
            return ()
        vector = self._vector(word)
        if vector is None:
            return ()
        sims = table @ vector
        return tuple(words[int(i)] for i in np.flatnonzero(sims >= MIN_COSINE))

    def expand(self, query: str) -> list[str]:
        """Neighbour words of the query's content words (not including the words themselves)."""
        own = content_words(query)
        extra: list[str] = []
        for word in own:
            if len(word) < MIN_LENGTH or word in FRAGMENTS:
                continue
            for neighbour in self.neighbours(word):
                if neighbour not in own and neighbour not in extra:
                    extra.append(neighbour)
        return extra


@functools.cache
def default_expander() -> Expander:
    return Expander(WordLlamaEmbedder())
