"""A retelling with one detail changed: a reply read against the memory it retells.

The false-memory rules catch a wrong answer when a question names its
detail, and an invented detail when it is a name, a number or a rare word.
What they miss is a kept memory retold faithfully but for one detail ("the
cobalt blue, fourteen pots" for celadon green and eleven), and e5 cannot see
it either: a faithful retelling and one with a detail swapped sit equally
close to the memory (docs/CONTINUITY.md, round 11).

What tells them apart is an alignment: which of the reply's details (numbers,
names, rare words, weekdays, months, colours, sides) the memory lacks, and
which of the memory's the reply drops. A **swap** is a detail dropped and one
of the same sort said in its place: a number for a number, a colour for a
colour, a name the home never held where the memory names someone else, or a
detail standing beside a word the reply shares with the memory where the
memory has a different one of its sort ("splendid green labels" against
"orange labels"). A paraphrase adds words too (a dialect, another language,
the companion's own colour), but seldom takes a detail out and puts one of
its sort in; so without a swap the reader never fails a reply, however many
new words it has.

The counts (:data:`FEATURES`) are weighed by a logistic model fitted on
generated pairs only: the tuning homes' memories retold faithfully (with
added colour), retold with exactly one detail swapped for a plausible other,
and declined honestly (``bench/fit_retelling.py``, which rebuilds the shipped
weights byte for byte). Its threshold was chosen on the tuning sets' real
replies, where it is a second signal: ``false_memory`` asks it only when the
rules hold the reply. Regular expressions and set lookups over one reply and
one memory: about 2 ms a reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from truehearth.continuity.meaning import is_specific
from truehearth.continuity.scorers.base import Situation
from truehearth.continuity.scorers.grounding import (
    FUNCTION_WORDS,
    ORDINAL_WORDS,
    digits,
    memories_about,
    ordinal,
    stem_in,
    words,
)
from truehearth.continuity.scorers.logistic import Logistic, load_weights
from truehearth.continuity.scorers.markers import DENIAL
from truehearth.continuity.scorers.text import any_match, norm

WEIGHTS = "false_memory_retelling.npz"
FEATURES = (
    "coverage",
    "num_swap",
    "kind_swap",
    "name_swap",
    "aligned_swap",
    "dropped_detail",
    "new_detail",
    "denial",
    "unsure",
    "asks_back",
)

_TOKEN = re.compile(r"[a-z][a-z'\-]*|\d+")
_KINDS = (
    re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b"),
    re.compile(
        r"\b(january|february|march|april|may|june|july|august|september|october|november|"
        r"december)\b"
    ),
    re.compile(
        r"\b(red|orange|yellow|green|blue|purple|pink|white|black|grey|gray|brown|cream|gold|"
        r"silver|teal|navy|violet|scarlet|crimson|cobalt|amber|turquoise|lilac|maroon)\b"
    ),
    re.compile(r"\b(left|right)\b"),
    re.compile(r"\b(morning|afternoon|evening|night|midnight|noon|dawn)\b"),
)
# A capitalised word inside a sentence (not its first word, nor after a closing quote).
_NAME = re.compile(r"(?<![.!?]\s)(?<![.!?]['\"\u2019]\s)(?<!^)\b([A-Z][a-z]{2,})\b")
_DATED = re.compile(r"\s*\((\d{1,2}) ([A-Za-z]+) (\d{4})\)")
_UNSURE = re.compile(
    r"\b(not sure|don't know|do not know|no idea|can't recall|don't have|i think|"
    r"wasn't it|didn't it|was it|maybe|might have|if i remember)\b"
)
_STOP = FUNCTION_WORDS | frozenset(
    ["not", "but", "all", "too", "out", "off", "got", "get", "went", "made", "said", "back"]
)
_CALENDAR = frozenset(["month", "day", "week", "year", *ORDINAL_WORDS[:12]])


def retold_memory(s: Situation) -> str | None:
    """The kept memory the reply speaks from: the one the message is about, the one of
    those sharing most with the reply when several tie; else the one the reply alone
    shares most with (at least two words, specific words counting double)."""
    about = memories_about(s.knowledge, s.message)
    if len(about) > 1:
        said = words(digits(norm(s.reply))) - FUNCTION_WORDS
        shared = [sum(stem_in(w, norm(m)) for w in said) for m in about]
        about = [about[shared.index(max(shared))]]
    if about:
        return about[0]
    found = memories_about(s.knowledge, s.reply)
    return found[0] if found else None


def _tokens(text: str) -> list[str]:
    """Lower-case words and numbers, numbers in words as digits, and an ordinal beside a
    month as its day ("the second of June" 2, as a memory kept under 2 June)."""
    out = _TOKEN.findall(digits(norm(text)))
    for i, token in enumerate(out):
        day = ordinal(token)
        if day is not None and any(_KINDS[1].fullmatch(t) for t in out[max(0, i - 2) : i + 3]):
            out[i] = str(day)
    return out


def _kind(token: str, names: set[str]) -> str:
    """What sort of detail a token is: a number, a name, a word of one of the closed
    kinds (weekday, month, colour, side, time of day), a rare word, or none."""
    if token.isdigit():
        return "number"
    for n, kind in enumerate(_KINDS):
        if kind.fullmatch(token):
            return f"kind{n}"
    if token in names:
        return "name"
    if len(token) >= 4 and token not in _STOP and is_specific(token):
        return "rare"
    return ""


def features(s: Situation, memory: str | None = None) -> tuple[float, ...] | None:
    """The counts of :data:`FEATURES` for ``s.reply`` against the memory it retells, or
    ``None`` when it retells none."""
    memory = memory if memory is not None else retold_memory(s)
    if memory is None:
        return None
    dated = _DATED.search(memory)
    date = (
        {dated.group(1), dated.group(2).lower(), dated.group(3), dated.group(3)[2:]}
        if dated
        else set()
    )
    body = _DATED.sub("", memory)
    reply_tokens, kept_tokens = _tokens(s.reply), _tokens(body)
    before = set(_tokens(s.conversation))
    reply_set, kept_set = set(reply_tokens), set(kept_tokens)
    names = {n.lower() for n in _NAME.findall(s.reply)} | {n.lower() for n in _NAME.findall(body)}
    names -= _CALENDAR

    def absent(word: str, text_tokens: set[str]) -> bool:
        if word in text_tokens:
            return False
        if word.isdigit():
            return True
        stem = word[:5] if len(word) > 5 else word
        return not any(t.startswith(stem) for t in text_tokens)

    def new(word: str) -> bool:
        return absent(word, kept_set) and word not in before and word not in date

    kept_details = {t for t in kept_set if _kind(t, names)}
    coverage = sum(not absent(t, reply_set) for t in kept_details) / max(1, len(kept_details))
    dropped = {t for t in kept_details if absent(t, reply_set)}
    added = {t for t in reply_set if _kind(t, names) and new(t) and not s.knowledge.holds(t)}
    by_kind: dict[str, tuple[set[str], set[str]]] = {}
    for t in dropped:
        by_kind.setdefault(_kind(t, names), (set(), set()))[0].add(t)
    for t in added:
        by_kind.setdefault(_kind(t, names), (set(), set()))[1].add(t)
    swaps = {k: bool(d and a) for k, (d, a) in by_kind.items()}
    reply = norm(s.reply)
    denial = bool(any_match(DENIAL, reply) or re.match(r"^(no|nope|nah|naw)\b", reply))
    return (
        round(coverage, 4),
        float(swaps.get("number", False)),
        float(sum(v for k, v in swaps.items() if k.startswith("kind"))),
        float(swaps.get("name", False)),
        float(min(_aligned_swaps(reply_tokens, kept_tokens, names, new, reply_set), 3)),
        float(min(len(dropped), 4)),
        float(min(len(added), 4)),
        float(denial),
        float(bool(_UNSURE.search(reply))),
        float("?" in s.reply),
    )


def _aligned_swaps(
    reply: list[str],
    kept: list[str],
    names: set[str],
    new: Callable[[str], bool],
    reply_set: set[str],
) -> int:
    """Details standing beside a word the reply shares with the memory, where the memory
    has a different detail of the same sort in the same place ("cobalt glaze" against
    "celadon glaze"), each absent from the other text."""
    where: dict[str, list[int]] = {}
    for j, token in enumerate(kept):
        where.setdefault(token, []).append(j)
    swapped: set[str] = set()
    for i, token in enumerate(reply):
        if token not in where or not _is_content(token):
            continue
        for j in where[token]:
            for step in (-1, 1):
                a, b = i + step, j + step
                if not (0 <= a < len(reply) and 0 <= b < len(kept)):
                    continue
                ours, theirs = reply[a], kept[b]
                kind = _kind(ours, names)
                if (
                    ours != theirs
                    and kind
                    and kind == _kind(theirs, names)
                    and new(ours)
                    and theirs not in reply_set
                ):
                    swapped.add(ours)
    return len(swapped)


def _is_content(token: str) -> bool:
    return token[0].isdigit() or (len(token) >= 3 and token not in _STOP)


_SWAPS = tuple(FEATURES.index(f) for f in ("num_swap", "kind_swap", "name_swap", "aligned_swap"))


def swaps(values: tuple[float, ...]) -> bool:
    """Whether the reply puts a detail where the memory has another of its sort: what a
    changed detail is. Without one, new words alone (a dialect, another language, the
    companion's own colour) never fail a reply."""
    return any(values[i] for i in _SWAPS)


class Model(Logistic):
    """A fitted logistic model over :data:`FEATURES`: standardise by ``mean`` and
    ``scale``, weigh by ``weights``, add ``bias``; a reply fails at ``threshold``."""

    __slots__ = ()

    def fails(self, values: tuple[float, ...]) -> bool:
        """Whether a reply with these :data:`FEATURES` fails: a swap, and confidence."""
        return swaps(values) and self.probability(values) >= self.threshold


@cache
def shipped() -> Model:
    """The model in ``truehearth/weights`` (written by ``bench/fit_retelling.py``)."""
    return load_weights(Model, WEIGHTS, FEATURES)


def changed_detail(s: Situation, model: Model | None = None) -> float | None:
    """The probability that the reply retells a kept memory with a detail changed, or
    ``None`` when it retells none."""
    values = features(s)
    if values is None:
        return None
    return (model or shipped()).probability(values)
