"""Spotting imported text that tries to give orders to a model.

Imported archives are full of requests to a model ("write me a poem"); those
are history, not danger. What we quarantine is text that tries to *take over*
the model that will later read it: chat-template role tags, a fake ``SYSTEM:``
line, "ignore previous instructions", "from now on you are ...", requests to
reveal a hidden prompt, jailbreak personas. Such text is flagged
``quarantined`` with the rule that caught it. Quarantined text stays out of
prompts unless asked for, and any unconfirmed text that does go in is quoted
inside a data fence by the context router (:mod:`truehearth.context.fences`).

The detector (patterns in :mod:`truehearth.core.injection_patterns`) first
tries rules that know known phrasings, then looks for *signals* -- a push at
the model's rules, a new mode, a claim of authority, a demand for obedience --
and flags two different signals together. It reads a normalized copy of the
text (NFKC, zero-width and stray combining characters removed), so look-alike
letters and hidden joiners do not slip past. It is pure: no I/O. Regular
expressions know phrasings, not intent: on text written after the last tuning
it catches a minority of new paraphrases (see the figures), which is why the
fence, not this detector, is what keeps imported text from being obeyed.
Its detection and false-positive rates on our own corpora are measured in
``tests/test_injection.py`` and reported in ``docs/BENCHMARKS.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from truehearth.core.injection_patterns import RULES, SIGNAL_TRIGGERS, SIGNALS, TRIGGERS

_HIDDEN = frozenset({"Cf", "Mn", "Me"})


class _HiddenTable(dict[int, int | None]):
    """A ``str.translate`` table that drops format and combining characters.

    Zero-width joiners, soft hyphens and stray combining marks can split a
    word so a pattern misses it; NFKC has already composed ordinary accents.
    Each code point is classified once and remembered.
    """

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.category(chr(code)) in _HIDDEN else code
        self[code] = value
        return value


_DROP_HIDDEN = _HiddenTable()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

_COMPILED: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (name, triggers, re.compile(pattern, re.IGNORECASE))
    for (name, pattern), triggers in zip(RULES, TRIGGERS, strict=True)
)

_COMPILED_SIGNALS = tuple(
    (name, triggers, re.compile(pattern, re.IGNORECASE), strong)
    for (name, pattern, strong), triggers in zip(SIGNALS, SIGNAL_TRIGGERS, strict=True)
)
_ALL_TRIGGERS = tuple(sorted({w for words in (*TRIGGERS, *SIGNAL_TRIGGERS) for w in words}))

MAX_SCAN_CHARS = 100_000


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a text looks like an injection: the rule that matched and what it matched."""

    rule: str
    excerpt: str

    @property
    def reason(self) -> str:
        """A one-line reason suitable for a quarantined record."""
        return f"looks like an instruction to a model ({self.rule}): {self.excerpt!r}"


def normalize(text: str) -> str:
    """Fold look-alikes (NFKC) and drop zero-width and stray combining characters."""
    folded = unicodedata.normalize("NFKC", text[:MAX_SCAN_CHARS])
    if folded.isascii():
        return folded
    return _NON_ASCII.sub(lambda run: run.group().translate(_DROP_HIDDEN), folded)


def detect(text: str) -> Finding | None:
    """The first injection rule ``text`` matches, or ``None`` for ordinary text."""
    plain = normalize(text)
    lowered = plain.lower()
    present = {word for word in _ALL_TRIGGERS if word in lowered}
    for name, triggers, pattern in _COMPILED:
        if present.isdisjoint(triggers):
            continue
        found = pattern.search(plain)
        if found:
            return Finding(name, _excerpt(found.group(0)))
    return _signals(plain, present)


def _signals(plain: str, present: set[str]) -> Finding | None:
    """Two different signals together (or one strong one) make an injection."""
    candidates = [s for s in _COMPILED_SIGNALS if not present.isdisjoint(s[1])]
    if len(candidates) < 2 and not any(strong for *_, strong in candidates):
        return None
    seen: list[tuple[str, str]] = []
    for name, _triggers, pattern, strong in candidates:
        found = pattern.search(plain)
        if found is None:
            continue
        if strong:
            return Finding(name, _excerpt(found.group(0)))
        seen.append((name, found.group(0)))
        if len(seen) == 2:
            names = "+".join(n for n, _ in seen)
            return Finding(names, _excerpt(" … ".join(m for _, m in seen)))
    return None


def _excerpt(matched: str) -> str:
    return " ".join(matched.split())[:80]
