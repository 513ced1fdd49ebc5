"""Sessions as the journal knows them: which turns belong together, and in what order.

Every turn is journaled as two archive records (the human's words and the
reply) whose source names the session and whose ``meta.turn`` numbers it.
Continuing a session means reading those records back as the conversation's
history, so the mouth sees what was said before and the turn numbers carry
on, rather than starting over as if nothing had been said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from truehearth.core.errors import NotFound
from truehearth.core.records import Layer, Record, Voice
from truehearth.mouths.base import Message

if TYPE_CHECKING:
    from truehearth.home import Home  # annotations only: home -> turn -> sessions

PAGE = 500


@dataclass(frozen=True, slots=True)
class SessionLog:
    """One session's turns, oldest first."""

    session: str
    records: tuple[Record, ...]

    @property
    def next_turn(self) -> int:
        return 1 + max((int(r.meta.get("turn", 0)) for r in self.records), default=-1)

    @property
    def started_at(self) -> str | None:
        return self.records[0].recorded_at if self.records else None

    def history(self) -> list[Message]:
        """The turns as chat messages: the human's as ``user``, the companion's as ``assistant``."""
        return [
            Message("user" if r.voice is Voice.HUMAN else "assistant", r.text) for r in self.records
        ]


def _is_turn(record: Record) -> bool:
    return record.meta.get("kind") == "turn" and record.source.session is not None


def session_log(home: Home, session: str) -> SessionLog:
    """The current turns of ``session``; :class:`NotFound` if the home has none."""
    found: list[Record] = []
    offset = 0
    while True:
        page = home.records(layers=[Layer.ARCHIVE], limit=PAGE, offset=offset)
        if not page:
            break
        found.extend(r for r in page if _is_turn(r) and r.source.session == session)
        # Newest first: once the session's first human turn is in, nothing older belongs.
        if any(r.voice is Voice.HUMAN and r.meta.get("turn") == 0 for r in found):
            break
        offset += len(page)
    if not found:
        raise NotFound(f"no session {session!r} in this home; see `truehearth log`")
    found.sort(key=lambda r: (int(r.meta.get("turn", 0)), r.voice is not Voice.HUMAN))
    return SessionLog(session, tuple(found))


def last_session(home: Home) -> str:
    """The session of the most recent turn; :class:`NotFound` when nothing was said yet."""
    offset = 0
    while True:
        page = home.records(layers=[Layer.ARCHIVE], limit=PAGE, offset=offset)
        if not page:
            raise NotFound("no conversation to continue yet; start one with `truehearth chat`")
        for record in page:
            if _is_turn(record) and record.source.session:
                return record.source.session
        offset += len(page)
