"""What gets indexed for a record: its text, plus the context a turn needs.

A conversation turn alone ("yes, that one, the blue one") is often useless;
who said it, when the session was, and what came just before carry meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from truehearth.core.records import Record
from truehearth.recall.query import without_stopwords

CONTEXT_WEIGHT = 0.5  # share of the previous turn (when it asked) mixed into a turn's vector


@dataclass(frozen=True, slots=True)
class TurnKey:
    """A turn's place: its session and index within it."""

    session: str
    turn: int


def turn_key(record: Record) -> TurnKey | None:
    """The session and index of a conversation turn, or ``None`` for other records."""
    meta = record.meta
    if meta.get("kind") != "turn" or record.source.session is None:
        return None
    try:
        return TurnKey(record.source.session, int(meta.get("turn", -1)))
    except (TypeError, ValueError):
        return None


def record_date(record: Record) -> str:
    """When a record was true in the world, as a date: session date, valid-from, or recorded."""
    for candidate in (record.meta.get("session_date"), record.valid_from, record.recorded_at):
        if isinstance(candidate, str) and len(candidate) >= 10:
            return candidate[:10]
    return record.recorded_at[:10]


def speaker(record: Record) -> str:
    named = record.meta.get("speaker")
    return str(named) if named else record.voice.value


def embed_text(record: Record) -> str:
    """The text a record's vector is made from: its content words.

    The speaker is deliberately left out of the vector: a constant word such
    as "companion" on half the turns pulls every question that uses it toward
    all of them. Speaker and date travel with the record and are shown instead.
    """
    return without_stopwords(record.text)


def asks(record: Record) -> bool:
    """Whether a turn asks something: then the turn after it is probably the answer.

    Only a question is worth carrying into the next turn's vector; mixing in a
    generic reply ("that sounds lovely") just blurs it (measured in the bench).
    """
    return "?" in record.text
