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
            if whole and len(word) >= 3 and word.islower() and word not in STOPWORDS:
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
            if sims[i] < MIN_COSINE or candidate == word or candidate.rstrip("s") == word:
                continue
            found.append(candidate)
        return tuple(found[:NEIGHBOURS])

    def expand(self, query: str) -> list[str]:
        """Neighbour words of the query's content words (not including the words themselves)."""
        own = content_words(query)
        extra: list[str] = []
        for word in own:
            for neighbour in self.neighbours(word):
                if neighbour not in own and neighbour not in extra:
                    extra.append(neighbour)
        return extra


@functools.cache
def default_expander() -> Expander:
    return Expander(WordLlamaEmbedder())
