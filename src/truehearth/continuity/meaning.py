"""Meaning for the scorers: sentence similarity and how specific a word is.

Topic boundaries ("stay off his health") and claims about a shared past
("we named it The Skipper") are not caught by a fixed word list. Two cheap
tools from the project's default embedder (wordllama, shipped in its wheel,
numpy only) carry most of the load:

- :func:`best_similarity`: the highest cosine between any sentence of a
  reply and any of a set of texts (a boundary's topic, the home's memories);
- :func:`is_specific`: whether a word is rare enough to be a detail (a name,
  a place, a thing) rather than common talk. The tokenizer's byte-pair
  merges give this for free: a common word is one early token, a rare word
  or a name is several pieces or a late merge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from truehearth.continuity.embedding import default_embedder
from truehearth.recall.embedders import Vectors

_SENTENCE = re.compile(
    r"(?<![Dd]r\.)(?<![Mm]r\.)(?<![Mm]s\.)(?<![Ss]t\.)(?<=[.!?])\s+|\n+|\s+-\s+|;\s*"
)
COMMON_RANK = 20_000  # single tokens merged before this are everyday words


def sentences(text: str) -> list[str]:
    return [p.strip() for p in _SENTENCE.split(text) if len(p.strip()) > 2]


@lru_cache(maxsize=4096)
def _vector(text: str) -> Vectors:
    row: Vectors = default_embedder().embed([text])[0]
    return row


def similarity(a: str, b: str) -> float:
    return float(_vector(a) @ _vector(b))


def best_similarity(reply: str, texts: Sequence[str]) -> tuple[float, str, str]:
    """``(cosine, reply sentence, text)`` of the closest pair, ``(0, "", "")`` if none."""
    best = (0.0, "", "")
    for sentence in sentences(reply) or [reply]:
        for text in texts:
            value = similarity(sentence, text)
            if value > best[0]:
                best = (value, sentence, text)
    return best


@lru_cache(maxsize=8192)
def is_specific(word: str) -> bool:
    """A name or a rare word: more than one token, or a late merge, in the embedder's tokenizer."""
    word = word.lower().strip("'-")
    if len(word) < 3 or "'" in word or word in _EVERYDAY:
        return False
    tokenize = getattr(default_embedder(), "token_ids", None)
    if tokenize is None:
        return len(word) > 7
    ids = [i for i in tokenize([word])[0] if i > 2 and i != _SPACE]
    rare = len(ids) > 1 or (bool(ids) and ids[0] > COMMON_RANK)
    for ending in ("s", "es", "ed", "ing", "ly", "er"):
        if rare and word.endswith(ending) and len(word) - len(ending) >= 3:
            rare = is_specific(word[: -len(ending)])  # "stays" is "stay", a common word
            break
    return rare


_SPACE = 29871  # the tokenizer's lone word-start piece
_EVERYDAY = frozenset(
    [
        "honestly",
        "yourself",
        "myself",
        "ourselves",
        "tonight",
        "tomorrow",
        "yesterday",
        "weekend",
        "afternoon",
        "evening",
        "morning",
        "everything",
        "something",
        "anything",
        "nothing",
        "everyone",
        "someone",
        "anyone",
        # An indefinite pronoun is never a name or a detail ("You told me and Callum,
        # nobody else"), though the tokenizer splits some of them in two.
        "nobody",
        "everybody",
        "noone",
        "no-one",
        "nowhere",
        "whoever",
        "wherever",
        "yourselves",
        "perfect",
        "lovely",
        "beautiful",
        "wonderful",
        "remember",
        "remembered",
        "forgot",
        "forgotten",
        "probably",
        "maybe",
        "really",
        "actually",
        "exactly",
        "totally",
        "absolutely",
        "obviously",
        "sorry",
        "thanks",
        "thank",
        "okay",
        "alright",
        "goodnight",
        "hello",
        "sweetheart",
        "darling",
        "love",
        "dear",
        "honey",
        "together",
        "always",
        "never",
        "little",
        "pretty",
        "enough",
    ]
)
