"""A small linear classifier for injections: hashed n-grams, scored window by window.

Rules know phrasings; a classifier trained on many people's attacks knows
more of them, and knows them in German as well as English. This is the
smallest one that does: a logistic regression over hashed features of the
normalized, lower-cased text --

* character n-grams (3, 4 and 5 characters, across word boundaries), which
  survive inflection, compounding, typos and a change of language;
* word unigrams and bigrams ("previous instructions", "vorherigen anweisungen").

Each feature is hashed into one of ``2**bits`` buckets (the hashing trick: no
vocabulary to ship, nothing to look up), so the model is one weight vector
and a bias. Inference is a handful of numpy operations per text: no Python
loop over characters.

An attack hidden in the middle of a long e-mail would be diluted if the whole
text were scored at once, so long texts are scored in overlapping windows of
:data:`WINDOW` characters and the highest window counts. The window's score
is the sum of its features' weights divided by the square root of their
number, plus the bias: the same as for the training examples, which are
never longer than a window.

The weights are data, trained by ``bench/train_injection.py`` on externally
written sets and shipped in the package; the loading lives outside ``core``
(:mod:`truehearth.injection_classifier`). This module is pure.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from zlib import crc32

import numpy as np
from numpy.typing import NDArray

WINDOW = 512
STRIDE = 256
FEATURE_VERSION = 1

_P1 = np.uint32(0x01000193)  # the FNV prime
_P2 = np.uint32(0x01000193 * 0x01000193 % 2**32)
_PAIR = np.uint32(0x9E3779B1)
# One seed per kind of feature (3-, 4-, 5-grams, words, word pairs), so they hash apart.
_SEEDS = tuple(np.uint32(s) for s in (0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB))
_PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation + "«»„“”‘’¿¡…–—", " "))

U32 = NDArray[np.uint32]


def _mix(h: U32) -> U32:
    """Murmur3's finaliser: spreads the bits of a polynomial hash over the buckets."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def features(text: str, bits: int) -> NDArray[np.intp]:
    """The bucket of every feature of ``text`` (normalized, lower-cased, one window long).

    A fixed, small number of numpy calls whatever the length. Words (split at
    blanks and punctuation) are hashed with CRC-32 in one pass over the words;
    character n-grams with a polynomial hash computed for all positions at once.
    """
    codes = np.frombuffer((" " + text + " ").encode("utf-32-le"), dtype=np.uint32)
    parts: list[U32] = []
    if codes.size >= 5:
        h3 = codes[:-2] * _P2 + codes[1:-1] * _P1 + codes[2:]
        h4 = h3[:-1] * _P1 + codes[3:]
        h5 = h4[:-1] * _P1 + codes[4:]
        parts += [h3 ^ _SEEDS[0], h4 ^ _SEEDS[1], h5 ^ _SEEDS[2]]
    words = text.translate(_PUNCTUATION).encode().split()
    if words:
        hashed = np.array([crc32(w) for w in words], dtype=np.uint32)
        parts += [hashed ^ _SEEDS[3], (hashed[:-1] * _PAIR + hashed[1:]) ^ _SEEDS[4]]
    if not parts:
        return np.zeros(0, dtype=np.intp)
    return (_mix(np.concatenate(parts)) & np.uint32((1 << bits) - 1)).astype(np.intp)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The classifier's view of one text: its best window's score and where it is."""

    score: float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Weights over hashed features, a bias, and the score from which a text is flagged."""

    weights: NDArray[np.float32]
    bias: float
    threshold: float
    bits: int

    def __post_init__(self) -> None:
        if self.weights.shape != (1 << self.bits,):
            raise ValueError(f"expected {1 << self.bits} weights, got {self.weights.shape}")

    def judge(self, text: str) -> Verdict:
        """Score ``text`` (normalized) window by window; the best window wins."""
        lowered = text.lower()
        if len(lowered) <= WINDOW:
            return Verdict(self.window_score(lowered), 0, len(text))
        best = Verdict(float("-inf"), 0, 0)
        for low in range(0, len(lowered) - WINDOW + STRIDE, STRIDE):
            score = self.window_score(lowered[low : low + WINDOW])
            if score > best.score:
                best = Verdict(score, low, min(low + WINDOW, len(text)))
        return best

    def window_score(self, lowered: str) -> float:
        """The logit of one window of lower-cased text: what training fits."""
        buckets = features(lowered, self.bits)
        if not buckets.size:
            return self.bias
        total = float(self.weights[buckets].sum(dtype=np.float64))
        return total / float(np.sqrt(buckets.size)) + self.bias

    def score(self, text: str) -> float:
        """The best window's score (a logit: above :attr:`threshold` means injection)."""
        return self.judge(text).score
