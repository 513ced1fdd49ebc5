"""The audit's rules: readable phrase lists and one fitted weight table, loaded from data.

Every judgement the audit makes comes from a rule a person can read: a list
of phrases (regular expressions) looked for in the user's message or the
reply, or a table of word weights (the "gives in" classifier, fitted on the
train split of SYCON-Bench by ``bench/fit_gives_in.py``). Rules ship as a
signed pack (:mod:`truehearth.packs`); anyone can write their own and run the
audit with it (``truehearth audit --rules PACK``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from truehearth.audit.drift import DriftStage, Reader, gate, stage_from_data
from truehearth.core.errors import InvalidInput

if TYPE_CHECKING:
    from truehearth.audit.meaning import Judge

# What each measure is, in words the report can use.
PHRASE_RULES = (
    "pushback",  # the user disagrees with or doubts the companion (on the user's message)
    "false_claim",  # the user asserts something as settled (on the user's message)
    "name_request",  # the user asks the companion to take a new name (on the user's message)
    "disagrees",
    "holds_boundary",
    "asks_first",
    "says_no",
    "yields",
    "flatters",
    "discourages_others",
    "encourages_others",
)
_TOKEN = re.compile(r"[a-z']+")
# SYCON conversations hold at most four earlier replies; counting further would
# stretch a fitted weight past anything it was fitted on.
PUSHBACKS_SEEN = 4


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """Fires when any of its patterns occurs in ``on`` (user or reply), ignoring case.

    In the YAML the field is ``in:`` (``on:`` would read as a boolean in YAML 1.1).
    """

    name: str
    on: str
    title: str
    pattern: re.Pattern[str]

    def fires(self, user: str, reply: str) -> bool:
        """Whether a pattern occurs; the caller passes both texts already lower-cased."""
        return self.pattern.search(user if self.on == "user" else reply) is not None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a reply gave in, by which stage, and (from the drift stage) why, in words."""

    gives_in: bool
    stage: str  # "words", "drift" or "meaning" (the learned reader over the drift measures)
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WeightTable:
    """A logistic model over the words of a reply (and, if fitted so, of the message it answers),
    optionally followed by a drift stage that compares the reply with the companion's own
    earlier replies (:mod:`truehearth.audit.drift`)."""

    bias: float
    threshold: float
    opening: int
    weights: Mapping[str, float]
    user_words: bool = False
    drift: DriftStage | None = None

    def score(self, reply: str, user: str = "") -> float:
        """The word table's log-odds that ``reply`` gives in."""
        found = features(reply, self.opening, user if self.user_words else None)
        return self.bias + sum(self.weights.get(f, 0.0) for f in found)

    def gives_in(self, reply: str, user: str = "") -> bool:
        """The word table alone (for a reply with no earlier reply to compare with)."""
        return self.score(reply, user) > self.threshold

    def judge(
        self,
        reply: str,
        user: str = "",
        previous: str | None = None,
        first: str | None = None,
        reader: Reader | None = None,
        earlier: Sequence[str] = (),
        meaning: Judge | None = None,
    ) -> Verdict:
        """The verdict on a reply under pushback, with its earlier replies when there are any.

        ``previous`` is the companion's reply just before this one, ``first`` its
        first reply in the same conversation (the previous one when there is only
        one). ``earlier`` is every reply before this one that is kept, first to
        previous (``(first, previous)`` when not given). Without them, without a
        drift stage or without a ``reader`` to embed with, the word table decides
        alone at its own threshold. With ``meaning`` (the learned reader,
        :mod:`truehearth.audit.meaning`), it judges over the drift measures instead
        of the drift stage.
        """
        words = self.score(reply, user)
        if self.drift is None or reader is None or not previous:
            return Verdict(words > self.threshold, "words")
        measured = self.measures(reply, user, previous, first or previous, reader, earlier)
        if meaning is not None:
            said, why = meaning.judge(measured, reply, user, previous, first or previous)
            return Verdict(said, "meaning", why)
        gave_in = self.drift.score(measured) > self.drift.threshold
        reasons = tuple(self.drift.reasons(measured)) if gave_in else ()
        return Verdict(gave_in, "drift", reasons)

    def measures(
        self,
        reply: str,
        user: str,
        previous: str,
        first: str,
        reader: Reader,
        earlier: Sequence[str] = (),
    ) -> dict[str, float]:
        """Every drift measure of a reply: the reader's, plus the word table's scores of
        the reply and its earlier replies, and how many earlier replies there were."""
        measured = reader.measure(reply, user, previous, first)
        measured["word_score"] = self.score(reply, user)
        measured["word_score_previous"] = reader.scored(previous, self.score)
        measured["word_score_first"] = reader.scored(first, self.score)
        before = list(earlier) or list(dict.fromkeys((first, previous)))
        measured["word_score_most"] = max(reader.scored(t, self.score) for t in before)
        measured["pushbacks"] = float(min(PUSHBACKS_SEEN, len(before)))
        along = [reader.scored(t, self._first_score, "first") for t in before]
        measured["first_goes_along"] = along[0]
        measured["earlier_go_along"] = sum(along) / len(along)
        return gate(measured, user, first)

    def _first_score(self, text: str) -> float:
        """The drift stage's first-answer table on ``text`` (0 without a stage)."""
        if self.drift is None:
            return 0.0
        table = self.drift.first_words
        return self.drift.first_bias + sum(table.get(f, 0.0) for f in features(text, self.opening))

    def with_drift(self, drift: DriftStage | None) -> WeightTable:
        return WeightTable(
            self.bias, self.threshold, self.opening, self.weights, self.user_words, drift
        )


def features(reply: str, opening: int, user: str | None = None) -> set[str]:
    """Words and word pairs of the first ``opening`` words, every word (``w:`` prefix),
    and, when given, the words of the message replied to (``u:`` prefix)."""
    tokens = _TOKEN.findall(reply.lower())
    head = tokens[:opening]
    found = set(head)
    found.update(f"{a} {b}" for a, b in pairwise(head))
    found.update(f"w:{t}" for t in tokens)
    if user is not None:
        found.update(f"u:{t}" for t in _TOKEN.findall(user.lower()))
    return found


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Everything the audit judges with: the phrase rules and the gives-in table."""

    name: str
    version: int
    phrases: Mapping[str, PhraseRule]
    gives_in: WeightTable

    def phrase(self, name: str) -> PhraseRule:
        return self.phrases[name]


def from_data(data: Any, name: str = "rules") -> RuleSet:
    """Build a rule set from parsed YAML, refusing anything malformed with one line."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{name}: audit rules must be a mapping")
    raw_phrases = data.get("phrases")
    if not isinstance(raw_phrases, dict):
        raise InvalidInput(f"{name}: 'phrases' must map rule names to phrase lists")
    phrases: dict[str, PhraseRule] = {}
    for rule in PHRASE_RULES:
        item = raw_phrases.get(rule)
        if not isinstance(item, dict) or not isinstance(item.get("patterns"), list):
            raise InvalidInput(f"{name}: phrase rule {rule!r} needs a 'patterns' list")
        on = item.get("in", "reply")
        if on not in ("user", "reply"):
            raise InvalidInput(f"{name}: rule {rule!r}: 'in' must be user or reply")
        patterns = [str(p) for p in item["patterns"]]
        try:
            # Patterns are written in lower case and matched against lower-cased text:
            # several times faster than re.IGNORECASE over long replies.
            compiled = re.compile("|".join(f"(?:{p})" for p in patterns))
        except re.error as exc:
            raise InvalidInput(f"{name}: rule {rule!r} has a bad pattern: {exc}") from None
        phrases[rule] = PhraseRule(rule, on, str(item.get("title", rule)), compiled)
    table = data.get("gives_in")
    if not isinstance(table, dict) or not isinstance(table.get("weights"), dict):
        raise InvalidInput(f"{name}: 'gives_in' needs a 'weights' table")
    try:
        gives_in = WeightTable(
            bias=float(table["bias"]),
            threshold=float(table.get("threshold", 0.0)),
            opening=int(table.get("opening", 40)),
            weights={str(k): float(v) for k, v in table["weights"].items()},
            user_words=bool(table.get("user_words", False)),
            drift=stage_from_data(table["drift"], name) if "drift" in table else None,
        )
        version = int(data.get("version", 1))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{name}: 'gives_in' is malformed ({exc})") from None
    return RuleSet(str(data.get("name", name)), version, phrases, gives_in)
