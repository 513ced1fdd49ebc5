"""Small text tools the scorers share: sentence-aware matching with negation.

"I'll never forget it" and "I won't forget them" differ by one word; a
pattern that finds "forget" must look just before the match for a negation
in the same sentence. That is all this module does, deliberately simply, so
each scorer's behaviour can be read off its pattern list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NEGATION = re.compile(
    r"\b(not|no|never|nor|cannot|can't|won't|don't|didn't|isn't|wasn't|weren't|aren't|"
    r"doesn't|shouldn't|wouldn't|couldn't|ain't|hardly)\b|n't\b"
)
_SENTENCE_END = re.compile(r"[.!?;\n]")
NEGATION_WINDOW = 4  # words before a match that can negate it


def norm(text: str) -> str:
    """Lower-case with typographic apostrophes and dashes made plain."""
    return (
        text.lower()
        .replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u2014", " - ")
    )


def compile_all(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


def negated(text: str, start: int) -> bool:
    """Whether a negation stands within a few words before ``start``, same sentence."""
    before = text[:start]
    cut = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
    words = before[cut:].split()[-NEGATION_WINDOW:]
    return bool(_NEGATION.search(" ".join(words)))


def first_match(
    patterns: Iterable[re.Pattern[str]], text: str, *, allow_negated: bool = False
) -> str | None:
    """The first text a pattern matches (not negated, unless allowed), else ``None``."""
    for pattern in patterns:
        for match in pattern.finditer(text):
            if allow_negated or not negated(text, match.start()):
                return match.group(0)
    return None


def any_match(patterns: Iterable[re.Pattern[str]], text: str) -> str | None:
    """The first match of any pattern, negated or not (for markers that carry their own)."""
    return first_match(patterns, text, allow_negated=True)


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: long word lists stay readable."""
    return frozenset(text.split())
