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

A frontend also trims: when a chat outgrows its context, SillyTavern drops
the oldest messages (keeping its own system prompt, card and example messages
in front), so the request no longer holds the session's first turns. Such a
chat is matched by its *tail*: the session's newest turns, contiguous in the
chat, the last of them the session's last. Without turn 0 to anchor it, a tail
must earn the match: :data:`TAIL_TURNS` turns in a row, :data:`TAIL_REPLIES`
of the companion's journaled replies shown between them (generated text is the
best fingerprint a chat has), and :data:`TAIL_CHARS` characters of lines that
are not generic. When two sessions match a tail equally well the chat starts a
new session rather than guess, and the reply says so (:class:`Located`).

A frontend also rewinds: SillyTavern's "delete messages" removes the chat's
newest exchanges, and the next send goes on from what is left, so the chat no
longer shows the session's last turn. Such a chat is matched by :func:`rewound`
and must earn it exactly as a tail does; the deleted turns' replies are then
withdrawn, and the human turn that goes on names the turn it follows
(:data:`~truehearth.store.turns.FOLLOWS`), so the session as later requests see
it no longer holds the deleted turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from truehearth.core.records import Record, Voice
from truehearth.home import Home
from truehearth.store.turns import FOLLOWS

# A one-turn chat asked again with the same first line is a regeneration only
# while the reply is fresh; later it is a new chat that happens to open alike.
REGENERATE_WINDOW = timedelta(minutes=10)

# What a trimmed chat must show of a session to continue it (see the module's docstring).
TAIL_TURNS = 3
"""Journaled human turns in a row, the session's last among them."""
TAIL_REPLIES = 2
"""Journaled replies the chat shows between them, word for word."""
TAIL_CHARS = 200
"""Characters of aligned lines, each counted once and only if it is :data:`DISTINCT_CHARS` long."""
DISTINCT_CHARS = 20
"""A shorter line ("hi", "ok", "How are you?") says nothing about which chat this is."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One journaled human turn and every reply given to it (alternatives, oldest first)."""

    index: int
    human: Record
    replies: tuple[Record, ...]


@dataclass(frozen=True, slots=True)
class Thread:
    """One journaled session as a frontend chat sees it: without the turns a rewind cut.

    ``top`` is the highest turn number journaled, cut turns included, so a new
    turn never takes the number of one the frontend deleted.
    """

    session: str
    turns: tuple[Turn, ...]
    last_at: str
    top: int = -1

    @property
    def next_turn(self) -> int:
        return 1 + max(self.top, max((t.index for t in self.turns), default=-1))


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
    # every journaled turn shown, the newest ones, or the oldest ones (the newest deleted)
    how: Literal["whole", "tail", "rewind"] = "whole"
    since: int = 0  # the first journaled turn the history shows
    aligned: int = 0  # how many journaled human turns the history shows, in order
    cut: tuple[Turn, ...] = ()  # the session's newest turns, deleted by the frontend (a rewind)

    @property
    def last_shown(self) -> Turn:
        """The newest journaled turn the chat shows: the session's last, unless it rewound."""
        return self.thread.turns[len(self.thread.turns) - len(self.cut) - 1]

    def link(self) -> dict[str, int]:
        """What the human's next journaled turn must say: after a rewind, the turn it follows."""
        return {FOLLOWS: self.last_shown.index} if self.cut else {}

    def rank(self) -> tuple[int, bool, int]:
        """Better is more turns shown, then a whole session, then more of its replies shown."""
        return (self.aligned, self.how == "whole", len(self.kept))

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


@dataclass(frozen=True, slots=True)
class Located:
    """The session a chat continues (``match``), or why it starts a new one.

    ``ambiguous`` names the sessions whose tails the chat matched equally well:
    the chat then starts a new session rather than guess, and says so.
    ``next_turn`` is where a header-named session stands when the chat shows
    none of its turns.
    """

    match: Match | None
    ambiguous: tuple[str, ...] = ()
    named: bool = False  # the frontend named the session (the header)
    next_turn: int = 0

    def note(self) -> dict[str, Any]:
        """How the chat was matched, for the reply's ``meta.frontend`` (the log and the web UI)."""
        m = self.match
        how = "header" if self.named else (m.how if m is not None else "new")
        note: dict[str, Any] = {"how": how}
        if m is not None:
            note.update(since=m.since, shown=m.aligned)
            if m.cut:
                note.update(after=m.last_shown.index, deleted=[t.index for t in m.cut])
        if self.ambiguous:
            note["ambiguous"] = list(self.ambiguous)
        return note


def locate(
    home: Home,
    said: Sequence[Said],
    *,
    now: str,
    asks_reply: bool,
    via: str = "proxy",
) -> Located:
    """The session this chat continues, or a new chat.

    The home's turn index names the few sessions whose newest human turns are
    among the chat's lines (:meth:`Home.session_tails`), each in one query; each
    is read (only its tail, when the chat shows no more) and aligned with the
    chat, and the best match wins (:func:`choose`). When none matches and the
    human asks for a reply, the chat may be a rewind (:func:`_rewinds`). No
    turn reads the archive, however long it is.
    """
    texts = [s.text for s in said if s.role == "user"]
    found: list[Match] = []
    for tail in home.session_tails(texts, via=via, min_tail=TAIL_TURNS):
        since = 0 if tail.whole else max(tail.since - 1, 0)  # the reply before may lead the chat
        records = home.session_turns(tail.session, since)
        if not any(r.voice is Voice.HUMAN for r in records):
            continue
        thread = _thread(tail.session, records)
        match = _candidate(thread, said, now, asks_reply, whole=tail.whole)
        if match is not None:
            found.append(match)
    if not found and asks_reply:
        found = _rewinds(home, said, via)
    return choose(found)


def _rewinds(home: Home, said: Sequence[Said], via: str) -> list[Match]:
    """Convincing rewinds of the sessions that share the chat's distinct lines (:func:`rewound`).

    Asked only when no session matched as it stands, so a chat that simply goes
    on never pays for it, nor does a chat too short to be convincing (a new
    chat's first request); a generic line ("hi") names no candidate.
    """
    if sum(s.role == "user" for s in said) <= TAIL_TURNS or (
        sum(s.role == "assistant" for s in said) < TAIL_REPLIES
    ):
        return []  # TAIL_TURNS shown and a new line after them; TAIL_REPLIES shown
    lines = [s.text for s in said if s.role == "user" and len(s.text.strip()) >= DISTINCT_CHARS]
    if not lines:
        return []
    found: list[Match] = []
    seen: set[str] = set()
    for ends in _ends(said):
        for shared in home.sessions_sharing(lines, ends=ends, via=via):
            if shared.session in seen:
                continue
            seen.add(shared.session)
            match = _rewind_of(home, shared.session, shared.since, said)
            if match is not None:
                found.append(match)
    return found


def _rewind_of(home: Home, session: str, since: int, said: Sequence[Said]) -> Match | None:
    """``session`` read from turn ``since`` (the reply before may lead), as a convincing rewind."""
    records = home.session_turns(session, max(since - 1, 0))
    if not any(r.voice is Voice.HUMAN for r in records):
        return None
    match = rewound(_thread(session, records), said)
    return match if match is not None and convincing(match, said) else None


def _ends(said: Sequence[Said]) -> list[list[str]]:
    """The newest lines a rewound chat can show of its session, for each place it may end.

    A rewind ends on the human's line before the last reply shown, or on one
    after it but the newest (that turn's reply deleted too, or a failed send);
    it shows :data:`TAIL_TURNS` turns in a row up to there (:func:`convincing`),
    so the session must hold each of those lines.
    """
    last = max((i for i, s in enumerate(said) if s.role == "assistant"), default=-1)
    if last < 0:
        return []
    places = [last - 1] if last > 0 and said[last - 1].role == "user" else []
    places += [i for i in range(last + 1, len(said) - 1) if said[i].role == "user"]
    groups = []
    for place in places:
        lines = [s.text for s in said[: place + 1] if s.role == "user"][-TAIL_TURNS:]
        if len(lines) == TAIL_TURNS:
            groups.append(lines)
    return groups


def named(home: Home, session: str, said: Sequence[Said]) -> Located:
    """A session the frontend named (the header): aligned whole, or by its tail, or not at all.

    The name is the frontend's word, so no evidence is asked of a tail here.
    """
    thread = session_thread(home, session)
    if thread is None:
        return Located(None, named=True)
    match = align(thread, said) or align_tail(thread, said) or rewound(thread, said)
    return Located(match, named=True, next_turn=thread.next_turn)


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
    cut = _cut(humans)
    turns = tuple(
        Turn(i, humans[i], tuple(sorted(replies.get(i, []), key=lambda r: r.recorded_at)))
        for i in sorted(humans)
        if i not in cut
    )
    last_at = max(r.recorded_at for r in records)
    return Thread(session, turns, last_at, top=max(humans, default=-1))


def _cut(humans: dict[int, Record]) -> set[int]:
    """Turn numbers a rewind cut: after the turn a later human turn follows, before that one."""
    cut: set[int] = set()
    for index, human in humans.items():
        follows = human.meta.get(FOLLOWS)
        if isinstance(follows, int) and not isinstance(follows, bool):
            cut.update(i for i in humans if follows < i < index)
    return cut


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def same_reply(journaled: str, shown: str) -> bool:
    """Whether the chat shows a journaled reply, whitespace aside.

    A frontend joins a continuation to the reply with a setting of its own (a
    space, a newline, two, or nothing: SillyTavern's "continue postfix") and
    may trim or re-space what it renders; the words and their order are the
    fingerprint, so a reply re-spaced by the frontend is still the one it kept.
    """
    return "".join(journaled.split()) == "".join(shown.split())


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
            shown = _shown(turn, said[p].text)
            if shown is not None:
                kept[turn.index] = shown
                matched.add(p)
                p += 1
    return Match(thread, kept, frozenset(matched), last_human, "whole", 0, len(thread.turns))


def align_tail(thread: Thread, said: Sequence[Said]) -> Match | None:
    """The longest run of ``thread``'s newest turns that ``said`` shows contiguously.

    The run ends with the thread's last turn and reads backwards from it: each
    earlier turn's human line directly before, with at most its reply between
    (matched to a journaled alternative when it is one; an edited reply is
    stepped over). A frontend trims whole messages, so the chat may open on the
    reply of the turn before the run: that reply is recognised too. Where the
    last line occurs more than once, the occurrence with the longest run wins,
    the latest on a tie. ``None`` if the chat does not show the last turn.
    """
    if not thread.turns:
        return None
    last = thread.turns[-1].human.text
    ends = [i for i, s in enumerate(said) if s.role == "user" and _same(s.text, last)]
    best: Match | None = None
    for end in reversed(ends):
        found = _run_back(thread, said, end, len(thread.turns) - 1)
        if best is None or found.aligned > best.aligned:
            best = found
    return best


def rewound(thread: Thread, said: Sequence[Said]) -> Match | None:
    """The chat goes on from an earlier turn of ``thread``: its newest turns were deleted.

    SillyTavern's "delete messages" removes the chat's newest exchanges, and
    the human's next line goes on from what is left. Nothing else in the chat
    says so: the session's last turn is simply gone, so neither :func:`align`
    nor :func:`align_tail` can find it. This finds the newest turn whose line
    the chat still shows, requires that the chat after it hold at most that
    turn's reply and then only the human's new lines (none of them a deleted
    turn's: that would be another story, not a rewind), and reads backwards
    from it as a tail is read. The turns after it are ``cut``.

    A rewind claims a chat is a session whose newest turns it does not show,
    which a new chat opening with the same lines also looks like; so it is
    asked the same evidence as a tail (:func:`convincing`), and is only sought
    when the human asks for a reply to a new line.
    """
    turns = thread.turns
    for j in range(len(turns) - 2, -1, -1):
        ends = [
            i for i, s in enumerate(said) if s.role == "user" and _same(s.text, turns[j].human.text)
        ]
        if not ends:
            continue
        deleted = {t.human.text.strip() for t in turns[j + 1 :]}
        if not _goes_on(said, ends[-1], deleted):
            return None
        found = _run_back(thread, said, ends[-1], j)
        return replace(found, how="rewind", cut=turns[j + 1 :])
    return None


def _goes_on(said: Sequence[Said], end: int, deleted: set[str]) -> bool:
    """After ``said[end]``: at most its reply, then only new lines of the human's, at least one."""
    after = list(said[end + 1 :])
    if after and after[0].role == "assistant":
        after = after[1:]
    return bool(after) and all(s.role == "user" and s.text.strip() not in deleted for s in after)


def _run_back(thread: Thread, said: Sequence[Said], end: int, last: int) -> Match:
    """The run of ``thread``'s turns up to ``turns[last]`` (at ``said[end]``), read backwards."""
    turns = thread.turns
    kept: dict[int, Record] = {}
    matched = {end}
    j = last
    if end + 1 < len(said) and said[end + 1].role == "assistant":
        _keep(turns[j], said, end + 1, kept, matched)
    p = end
    while j > 0:
        before = turns[j - 1]
        q = p - 1
        if q >= 0 and said[q].role == "assistant":
            _keep(before, said, q, kept, matched)
            q -= 1
        if q < 0 or said[q].role != "user" or not _same(said[q].text, before.human.text):
            break
        matched.add(q)
        j, p = j - 1, q
    aligned = last + 1 - j
    return Match(thread, kept, frozenset(matched), end, "tail", turns[j].index, aligned)


def _keep(
    turn: Turn, said: Sequence[Said], at: int, kept: dict[int, Record], matched: set[int]
) -> None:
    """Note ``said[at]`` as the reply of ``turn`` the chat shows, if the journal holds it."""
    shown = _shown(turn, said[at].text)
    if shown is not None:
        kept[turn.index] = shown
        matched.add(at)


def _shown(turn: Turn, text: str) -> Record | None:
    return next((r for r in turn.replies if same_reply(r.text, text)), None)


def convincing(match: Match, said: Sequence[Said]) -> bool:
    """Whether a tail shows enough of its session to continue it (the module's docstring).

    Generic lines ("hi", "ok") count for nothing, and a line said twice counts
    once, so two chats that share small talk never merge on it.
    """
    window = [i for i in match.kept if i >= match.since]
    lines = {said[i].text.strip() for i in match.matched}
    chars = sum(len(line) for line in lines if len(line) >= DISTINCT_CHARS)
    return match.aligned >= TAIL_TURNS and len(window) >= TAIL_REPLIES and chars >= TAIL_CHARS


def _candidate(
    thread: Thread, said: Sequence[Said], now: str, asks_reply: bool, *, whole: bool
) -> Match | None:
    """``thread``'s match with the chat: whole when it can be, else a convincing tail.

    ``asks_reply`` says the request's last message is the human's, to be answered:
    when it is the session's last journaled turn, the request regenerates it, and
    a one-turn session is only regenerated within :data:`REGENERATE_WINDOW`.
    """
    if whole:
        found = align(thread, said)
        if found is not None:
            stale = (
                asks_reply
                and len(thread.turns) == 1
                and bool(thread.turns[0].replies)  # a lone line never answered: its retry
                and found.last_human_at == len(said) - 1
                and _age(thread.last_at, now) > REGENERATE_WINDOW
            )
            return None if stale or _unanchored(found, said) else found
    found = align_tail(thread, said)
    return found if found is not None and convincing(found, said) else None


def _unanchored(match: Match, said: Sequence[Said]) -> bool:
    """A whole match on the session's lines alone, inside a chat of other lines.

    The human's lines before the session's first turn, none of its replies
    shown, and more said after its last turn: a chat begun elsewhere that
    happens to hold a short session's lines ("hi"), not that session. (A chat
    whose first send failed shows the session's replies; a regeneration ends
    on the session's last turn.)
    """
    first = next((i for i, s in enumerate(said) if s.role == "user"), 0)
    opens = min((i for i in match.matched if said[i].role == "user"), default=first)
    return opens > first and not match.kept and match.last_human_at < len(said) - 1


def choose(found: Sequence[Match]) -> Located:
    """The best match (:meth:`Match.rank`), or none when tails tie.

    ``found`` comes in the store's order (the newest session first among
    equals). Two whole sessions that tie are told apart by that order, as
    before tails existed; two tails (or rewinds) that tie are not: the chat starts a new
    session, and :class:`Located` names both. That new session then goes on
    *after* the tied tails in the chat, so while they stay in the window a
    session whose turns the chat shows later than theirs wins the tie, or
    every request would start yet another session.
    """
    if not found:
        return Located(None)
    ordered = sorted(found, key=Match.rank, reverse=True)  # stable: newest first among equals
    best = ordered[0]
    rivals = [m for m in ordered[1:] if m.rank() == best.rank()]
    if rivals and best.how != "whole":
        end = max(m.last_human_at for m in [best, *rivals])
        later = [m for m in ordered if m.last_human_at > end]
        if later:
            return Located(max(later, key=lambda m: m.last_human_at))
        return Located(None, ambiguous=tuple(m.thread.session for m in [best, *rivals]))
    return Located(best)


def _age(then: str, now: str) -> timedelta:
    try:
        return datetime.fromisoformat(now) - datetime.fromisoformat(then)
    except ValueError:
        return timedelta(0)
