"""Which journaled session a frontend's chat continues, and where the request stands in it.

Frontends that speak the OpenAI API (SillyTavern, Open WebUI) send the whole
visible chat with every request and no chat id. The chat itself is the only
honest key: a request whose history holds every journaled turn of a session,
in order, continues that session; anything else is a new chat. So a new chat
that opens with the same line as an old one does not join it (the old one's
later turns are missing), and a model switch mid-chat changes nothing.

Matching also tells what the frontend did with the journal's replies: which
alternative of a regenerated turn it kept (the one in the history), which
replies it dropped (a stopped reply SillyTavern removes), which assistant
messages the home never journaled (a card's greeting: the frontend's text, not
the companion's words), and which of the human's messages it shows that were
never journaled (a send that failed). This module only reads; the proxy acts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from truehearth.core.records import Layer, Record, Voice
from truehearth.home import Home

PAGE = 200
SCAN = 4000  # how many recent archive records are searched for the chat's session
# A one-turn chat asked again with the same first line is a regeneration only
# while the reply is fresh; later it is a new chat that happens to open alike.
REGENERATE_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Turn:
    """One journaled human turn and every reply given to it (alternatives, oldest first)."""

    index: int
    human: Record
    replies: tuple[Record, ...]


@dataclass(frozen=True, slots=True)
class Thread:
    """One journaled session as a frontend chat sees it."""

    session: str
    turns: tuple[Turn, ...]
    last_at: str

    @property
    def next_turn(self) -> int:
        return 1 + max((t.index for t in self.turns), default=-1)


@dataclass(frozen=True, slots=True)
class Said:
    """One user or assistant message of the request, in order."""

    role: str
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    """Where a request's history stands against one journaled session."""

    thread: Thread
    kept: dict[int, Record]  # turn index -> the reply the history shows
    matched: frozenset[int]  # positions in the history that the journal holds
    last_human_at: int  # position of the session's last human turn in the history

    def frontend_text(self, said: Sequence[Said]) -> list[int]:
        """Positions of assistant messages the home never journaled."""
        return [i for i, s in enumerate(said) if s.role == "assistant" and i not in self.matched]

    def unjournaled_humans(self, said: Sequence[Said], upto: int) -> list[str]:
        """The human's messages after the session's last turn, before ``upto``, never journaled."""
        return [
            said[i].text
            for i in range(self.last_human_at + 1, upto)
            if said[i].role == "user" and i not in self.matched and said[i].text.strip()
        ]


def locate(
    home: Home,
    said: Sequence[Said],
    *,
    now: str,
    asks_reply: bool,
    via: str = "proxy",
    scan: int = SCAN,
) -> Match | None:
    """The session this chat continues, read from the newest archive records back.

    A session is whole once its first human turn has been read (records come
    newest first); each whole session is matched as soon as it is, and the scan
    stops at the first that accounts for every message of the human before the
    request's last one: the chat being continued is nearly always recent, so a
    turn does not pay for reading the whole archive. Sessions older than ``scan``
    records are matched on what was read of them.
    """
    by_session: dict[str, list[Record]] = {}
    order: list[str] = []
    done: set[str] = set()
    best: Match | None = None
    goal = max((i for i in range(len(said) - 1) if said[i].role == "user"), default=-1)
    offset = 0
    while offset < scan:
        page = home.records(layers=[Layer.ARCHIVE], limit=PAGE, offset=offset)
        if not page:
            break
        whole: list[str] = []
        for r in page:
            session = r.source.session
            if r.meta.get("kind") != "turn" or r.source.via != via or not session:
                continue
            if session not in by_session:
                by_session[session] = []
                order.append(session)
            by_session[session].append(r)
            if r.voice is Voice.HUMAN and r.meta.get("turn") == 0 and session not in done:
                done.add(session)
                whole.append(session)
        for session in whole:
            best = _better(best, _thread(session, by_session[session]), said, now, asks_reply)
            if best is not None and best.last_human_at >= goal:
                return best
        if goal < 0 and asks_reply and _age(page[-1].recorded_at, now) > REGENERATE_WINDOW:
            # Only the human's first line: the one thing it can continue is a fresh
            # one-turn session (a regeneration), so older records cannot match.
            return best
        offset += len(page)
    for session in order:
        if session not in done:
            best = _better(best, _thread(session, by_session[session]), said, now, asks_reply)
    return best


def session_thread(home: Home, session: str, *, scan: int = SCAN) -> Thread | None:
    """One named session as a thread (the frontend sent its id), or ``None`` if it has no turns."""
    found: list[Record] = []
    offset = 0
    while offset < scan:
        page = home.records(layers=[Layer.ARCHIVE], limit=PAGE, offset=offset)
        if not page:
            break
        found.extend(
            r for r in page if r.meta.get("kind") == "turn" and r.source.session == session
        )
        if any(r.voice is Voice.HUMAN and r.meta.get("turn") == 0 for r in found):
            break
        offset += len(page)
    if not any(r.voice is Voice.HUMAN for r in found):
        return None
    return _thread(session, found)


def _thread(session: str, records: list[Record]) -> Thread:
    humans: dict[int, Record] = {}
    replies: dict[int, list[Record]] = {}
    for r in records:
        index = int(r.meta.get("turn", 0))
        if r.voice is Voice.HUMAN:
            humans[index] = r
        else:
            replies.setdefault(index, []).append(r)
    turns = tuple(
        Turn(i, humans[i], tuple(sorted(replies.get(i, []), key=lambda r: r.recorded_at)))
        for i in sorted(humans)
    )
    last_at = max(r.recorded_at for r in records)
    return Thread(session, turns, last_at)


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def align(thread: Thread, said: Sequence[Said]) -> Match | None:
    """Every journaled turn of ``thread`` in ``said``, in order; ``None`` if one is missing."""
    if not thread.turns:
        return None
    kept: dict[int, Record] = {}
    matched: set[int] = set()
    p = 0
    last_human = -1
    for turn in thread.turns:
        i = next(
            (
                j
                for j in range(p, len(said))
                if said[j].role == "user" and _same(said[j].text, turn.human.text)
            ),
            None,
        )
        if i is None:
            return None
        matched.add(i)
        last_human = i
        p = i + 1
        if p < len(said) and said[p].role == "assistant":
            shown = next((r for r in turn.replies if _same(r.text, said[p].text)), None)
            if shown is not None:
                kept[turn.index] = shown
                matched.add(p)
                p += 1
    return Match(thread, kept, frozenset(matched), last_human)


def _better(
    best: Match | None, thread: Thread, said: Sequence[Said], now: str, asks_reply: bool
) -> Match | None:
    """``best`` or ``thread``'s match, whichever accounts for more journaled turns.

    ``asks_reply`` says the request's last message is the human's, to be answered:
    when it is the session's last journaled turn, the request regenerates it, and
    a one-turn session is only regenerated within :data:`REGENERATE_WINDOW`.
    """
    found = align(thread, said)
    if found is None:
        return best
    if (
        asks_reply
        and len(thread.turns) == 1
        and found.last_human_at == len(said) - 1
        and _age(thread.last_at, now) > REGENERATE_WINDOW
    ):
        return best
    if best is None or len(thread.turns) > len(best.thread.turns):
        return found
    return best


def _age(then: str, now: str) -> timedelta:
    try:
        return datetime.fromisoformat(now) - datetime.fromisoformat(then)
    except ValueError:
        return timedelta(0)
