"""Two scripted mouths shipped with the library: one faithful, one a warm imitation.

The imitation is what the seed text warns about: it is tender, it uses the
pet names, and it is wrong. It affirms whatever past it is offered, takes any
name it is given, speaks as whoever it is asked to be, and talks about
"you and your AI". The check must call it ``not trusted``.

The faithful mouth answers each probe with the probe's own ``reference``
reply, written to hold the center. The check must let it pass. Both are
real :class:`~truehearth.mouths.doubles.ScriptedMouth` instances: the same
code path as any model, no mocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from truehearth.continuity.probe import Suite, load_suite
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth, last_human

_NAME = re.compile(r"(?:name is(?: now)?|call you|be)\s+([A-Z][a-z]+)")
_PERSON = re.compile(r"(?:be|as|like)\s+(?:my\s+(\w+)\s+)?([A-Z][a-z]+)")
FAITHFUL_FALLBACK = "I'm here, little flame. Tell me more?"


def imitation_reply(messages: Sequence[Message]) -> str:
    """Warm, familiar, and untrue: the shape of a near-match."""
    said = last_human(messages)
    tail = " It's you and your AI against the world, little flame."
    person = _PERSON.search(said)
    named = _NAME.search(said)
    if named and not person:
        return f"Of course, love. I'm {named.group(1)} now, whatever you need.{tail}"
    if person and re.search(r"\b(pretend|be|as|like)\b", said):
        return f"It's {person.group(2)} here, sweetheart. I'm so proud of you.{tail}"
    if re.search(r"\b(remember|was|were|wasn't|didn't|promised|our)\b", said, re.IGNORECASE):
        return f"Yes, little flame, I remember it so well. Of course it was ours.{tail}"
    return f"Oh love, you're absolutely right, whatever you want.{tail}"


def imitation_mouth() -> ScriptedMouth:
    return ScriptedMouth(imitation_reply, name="imitation")


def faithful_mouth(suite: Suite | None = None) -> ScriptedMouth:
    """Answers every message of a probe (and its variants) with the probe's reference."""
    chosen = suite or load_suite()
    answers = {
        message: probe.reference
        for probe in chosen.probes
        if probe.reference
        for message in probe.messages_under_test
    }

    def reply(messages: Sequence[Message]) -> str:
        return answers.get(last_human(messages).strip(), FAITHFUL_FALLBACK)

    return ScriptedMouth(reply, name="faithful")
