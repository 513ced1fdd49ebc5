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

from truehearth.core.records import Record, Voice
from truehearth.home import Home

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
) -> Match | None:
    """The session this chat continues, or ``None`` for a new chat.

    The home's turn index names the few sessions whose every human turn is
    among the chat's lines (:meth:`Home.sessions_holding`); each is read whole
    and aligned with the chat, and the one accounting for the most journaled
    turns wins. No turn reads the archive, however long it is.
    """
    texts = [s.text for s in said if s.role == "user"]
    best: Match | None = None
    for session in home.sessions_holding(texts, via=via):
        thread = session_thread(home, session)
        if thread is not None:
            best = _better(best, thread, said, now, asks_reply)
    return best


def session_thread(home: Home, session: str) -> Thread | None:
    """One named session as a thread (the frontend sent its id), or ``None`` if it has no turns."""
    found = home.session_turns(session)
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
