"""What a frontend's chats looked like from the home: sent, set aside, kept, withdrawn.

A frontend such as SillyTavern passes on only the status and the body of the
proxy's answer, so the headers that say what the home set aside never reach
the human. The proxy notes it on each reply instead (``meta.frontend``: how
many system messages it did not obey, with the start of each, and how much
assistant text it labelled as the frontend's, not the companion's), and
journals what the frontend did with its replies (``turn.kept``,
``turn.withdrawn``). This module reads that back, per session, for the web UI
and ``truehearth log``: one account per chat, built from the journal alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from truehearth.core.records import Record, Voice
from truehearth.home import Home

PROXY = "proxy"


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """One proxy session in a list: its size, and how much the frontend sent beside the chat."""

    session: str
    turns: int
    last_at: str

    def to_json(self) -> dict[str, Any]:
        return {"session": self.session, "turns": self.turns, "last_at": self.last_at}


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply the home gave to a turn, and what became of it at the frontend."""

    record: Record
    # "kept", "set aside", "withdrawn", "edited at the frontend" (the user rewrote it there:
    # the journal keeps the companion's words), "continued", "latest" (the frontend has not
    # sent its next request yet), "shown" (the journal does not say which was kept)
    fate: str

    def to_json(self) -> dict[str, Any]:
        meta = self.record.meta
        return {
            "id": self.record.id,
            "text": self.record.text,
            "fate": self.fate,
            "mouth": self.record.source.mouth,
            "interrupted": meta.get("interrupted"),
            "alternative_to": meta.get("alternative_to"),
            "continues": meta.get("continues"),
        }


@dataclass(frozen=True, slots=True)
class TurnAccount:
    """One turn: the human's words, every reply, and what the frontend sent beside them."""

    index: int
    human: Record | None
    replies: tuple[Reply, ...]
    system_set_aside: int
    system_preview: tuple[str, ...]
    frontend_text: int
    frontend_preview: tuple[str, ...]
    unanswered: bool
    session_match: dict[str, Any] = field(default_factory=dict)

    @property
    def match_note(self) -> str | None:
        """How the request was matched to its session, when it is worth saying (else ``None``)."""
        return match_note(self.session_match)

    def to_json(self) -> dict[str, Any]:
        return {
            "turn": self.index,
            "human": None if self.human is None else {"id": self.human.id, "text": self.human.text},
            "unanswered": self.unanswered,
            "replies": [r.to_json() for r in self.replies],
            "frontend": {
                "system_set_aside": self.system_set_aside,
                "system_preview": list(self.system_preview),
                "frontend_text": self.frontend_text,
                "frontend_preview": list(self.frontend_preview),
                "session_match": self.session_match,
            },
        }


@dataclass(frozen=True, slots=True)
class ChatAccount:
    """A whole session as the frontend drove it."""

    session: str
    turns: tuple[TurnAccount, ...] = field(default_factory=tuple)

    @property
    def system_set_aside(self) -> int:
        return sum(t.system_set_aside for t in self.turns)

    @property
    def withdrawn(self) -> int:
        return sum(r.fate == "withdrawn" for t in self.turns for r in t.replies)

    @property
    def alternatives(self) -> int:
        return sum(max(len(t.replies) - 1, 0) for t in self.turns)

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "system_set_aside": self.system_set_aside,
            "alternatives": self.alternatives,
            "withdrawn": self.withdrawn,
            "turns": [t.to_json() for t in self.turns],
        }


def recent_chats(home: Home, limit: int = 50) -> list[ChatSummary]:
    """The proxy's sessions, most recently active first."""
    return [ChatSummary(s, n, at) for s, n, at in home.store.recent_sessions(PROXY, limit)]


def chat_account(home: Home, session: str) -> ChatAccount | None:
    """The account of one session, or ``None`` if the home holds no turn of it.

    Replies superseded by a continuation are shown as the whole they became; the
    fates come from the ``turn.kept`` and ``turn.withdrawn`` events journaled
    after the session began.
    """
    records = home.session_turns(session)
    if not records:
        return None
    fates = _fates(home, session, records)
    by_turn: dict[int, list[Record]] = {}
    for r in records:
        by_turn.setdefault(int(r.meta.get("turn", 0)), []).append(r)
    turns = []
    last = max(by_turn)
    for index in sorted(by_turn):
        group = by_turn[index]
        human = next((r for r in group if r.voice is Voice.HUMAN), None)
        replies = sorted((r for r in group if r.voice is not Voice.HUMAN), key=_when)
        # Until the frontend's next request, nobody knows which reply it kept.
        default = "latest" if index == last else ("kept" if len(replies) == 1 else "shown")
        turns.append(_turn(index, human, replies, fates, default))
    return ChatAccount(session, tuple(turns))


def _when(record: Record) -> str:
    return record.recorded_at


def _turn(
    index: int, human: Record | None, replies: list[Record], fates: dict[str, str], default: str
) -> TurnAccount:
    sent: dict[str, Any] = {}
    for r in replies:  # the newest reply's note is what the frontend sent last
        note = r.meta.get("frontend")
        if isinstance(note, dict):
            sent = note
    return TurnAccount(
        index=index,
        human=human,
        replies=tuple(Reply(r, _fate(r, fates, default)) for r in replies),
        system_set_aside=_count(sent.get("system_set_aside")),
        system_preview=_texts(sent.get("system_preview")),
        frontend_text=_count(sent.get("frontend_text")),
        frontend_preview=_texts(sent.get("frontend_preview")),
        unanswered=bool(human is not None and human.meta.get("unanswered")),
        session_match=dict(found) if isinstance(found := sent.get("session_match"), dict) else {},
    )


def _fate(record: Record, fates: dict[str, str], default: str) -> str:
    if record.id in fates:
        return fates[record.id]
    if record.supersedes and record.meta.get("speaker") == "companion":
        return fates.get(record.supersedes, "continued")
    return default


def _fates(home: Home, session: str, records: list[Record]) -> dict[str, str]:
    """Reply id -> its fate, from the events journaled since the session's first turn."""
    first = min(records, key=_when)
    start = home.store.first_touch(first.id) or 1
    fates: dict[str, str] = {}
    for event in home.store.events(start):
        if event.kind not in ("turn.kept", "turn.withdrawn"):
            continue
        p = event.payload
        if p.get("session") != session:
            continue
        if event.kind == "turn.kept":
            fates[str(p.get("kept"))] = "kept"
            for rid in p.get("set_aside") or []:
                fates[str(rid)] = "set aside"
        else:
            fate = "edited at the frontend" if p.get("edited") else "withdrawn"
            for rid in p.get("replies") or []:
                fates[str(rid)] = fate
    return fates


def match_note(note: dict[str, Any]) -> str | None:
    """One line on how a request found its session: a trimmed or rewound chat, or a tie refused.

    A whole chat, a new one and a header-named one are the ordinary cases and
    say nothing; a chat matched by its tail, one whose newest exchanges the
    frontend deleted, and a tail that matched several sessions equally (so a
    new session began instead of a guess), are said.
    """
    ambiguous = note.get("ambiguous")
    if isinstance(ambiguous, list) and ambiguous:
        names = ", ".join(str(a) for a in ambiguous)
        return (
            f"new session: the chat's newest turns matched {len(ambiguous)} sessions "
            f"equally ({names}); none was guessed"
        )
    if note.get("how") == "rewind":
        deleted = note.get("deleted")
        turns = ", ".join(str(d) for d in deleted) if isinstance(deleted, list) else "?"
        return (
            f"rewound chat: the frontend deleted turn(s) {turns} (their replies are withdrawn); "
            f"the chat goes on from turn {_count(note.get('after'))}, showing "
            f"{_count(note.get('shown'))} turn(s) from turn {_count(note.get('since'))}"
        )
    if note.get("how") == "tail":
        return (
            f"trimmed chat: the frontend showed only the newest {_count(note.get('shown'))} "
            f"turn(s), from turn {_count(note.get('since'))}; matched to this session by them"
        )
    return None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
