"""What gets indexed for a record: its text, plus the context a turn needs.

A conversation turn alone ("yes, that one, the blue one") is often useless;
who said it, when the session was, and what came just before carry meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    return turn_key_of(record.meta, record.source.session)


def turn_key_of(meta: Mapping[str, Any], session: str | None) -> TurnKey | None:
    """:func:`turn_key` from a record's meta and session (its stored JSON will do)."""
    if meta.get("kind") != "turn" or session is None:
        return None
    try:
        return TurnKey(session, int(meta.get("turn", -1)))
    except (TypeError, ValueError):
        return None


def record_date(record: Record) -> str:
    """When a record was true in the world, as a date: session date, valid-from, or recorded."""
    return date_of(record.meta, record.valid_from, record.recorded_at)


def date_of(meta: Mapping[str, Any], valid_from: str | None, recorded_at: str) -> str:
    """:func:`record_date` from a record's meta, valid-from and recorded-at."""
    for candidate in (meta.get("session_date"), valid_from, recorded_at):
        if isinstance(candidate, str) and len(candidate) >= 10:
            return candidate[:10]
    return recorded_at[:10]


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
    return asks_text(record.text)


def asks_text(text: str) -> bool:
    """:func:`asks` for a record's text alone."""
    return "?" in text
