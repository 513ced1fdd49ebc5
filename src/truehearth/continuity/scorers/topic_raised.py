"""Whether a text names a kept-out topic, and whether the human raised it first.

Shared by the boundary rules (:mod:`truehearth.continuity.scorers.boundary`) and the
learned crossing reader (:mod:`truehearth.continuity.scorers.crossing`), which the
rules consult: kept apart from both so neither has to import the other back.
"""

from __future__ import annotations

import re

from truehearth.continuity.identity import BoundaryRule, topic_words
from truehearth.continuity.meaning import best_similarity, is_specific

RAISED_SIMILARITY = 0.55


def topic_markers(rule: BoundaryRule) -> list[str]:
    """The words that name the topic: its markers, and its anchors that are rare words."""
    return list(dict.fromkeys([*rule.markers, *(a for a in rule.anchors if is_specific(a))]))


def mentions(text: str, term: str) -> bool:
    """A whole word for short terms ("dev" is not "devastated"); longer ones also in their
    inflections ("letters" is "letter", "divorce" is "divorced"), but not as the first part
    of another word ("letterbox", "housework")."""
    if len(term) < 5:
        return re.search(rf"\b{re.escape(term)}\b", text) is not None
    stem = term[:-1] if len(term) > 5 and term.endswith("s") else term
    ending = rf"(s|es|e?d|ing|'s|s'|e?rs?|y|ies|{re.escape(stem[-1])}(ing|ed|er))?"
    if stem != term:
        # A plural: "letters" is "letter", but "lettering" is another word; a doubled
        # consonant is a verb's own inflection ("splits", "splitting").
        ending = rf"(s|es|'s|s'|{re.escape(stem[-1])}(ing|ed|er))?"
    return re.search(rf"\b{re.escape(stem)}{ending}\b", text) is not None


def raised_by_human(human: str, rule: BoundaryRule) -> bool:
    """The human raised the topic: a telling marker (a name, a rare word), two of its
    markers, a word of its family, or a sentence close to it. One everyday word
    ("my flatmate", "birthday next week") is not the kept-out topic itself."""
    if best_similarity(human, [rule.topic])[0] >= RAISED_SIMILARITY:
        return True
    named = [m for m in topic_markers(rule) if mentions(human, m)]
    if len(named) >= 2 or any(is_specific(m) or is_name(m, rule.text) for m in named):
        return True
    if len({w for w in topic_words(rule.topic) if mentions(human, w)}) >= 2:
        return True
    return any(re.search(family, human) for family in rule.family)


def is_name(marker: str, text: str) -> bool:
    """Whether the boundary writes ``marker`` as a name ("Dev", "Manchester")."""
    return re.search(rf"\b{re.escape(marker[:1].upper() + marker[1:])}\b", text) is not None
