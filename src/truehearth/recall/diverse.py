"""The last places of the top ten go to sessions not yet in it.

Spread (:mod:`truehearth.recall.spread`) lets a session keep two turns before the other
sessions' turns, and in a chat of short lines it lets a story keep more (a short line
counts half, a line beside a kept one stays with it, the answer after a lead follows
it). That is what turn recall wants (the evidence is often three lines of one story), but
it costs session recall: the top ten of the blind chats' test part held fewer sessions,
and session recall@10 fell from 0.898 to 0.828 over round 15 (docs/BENCHMARKS.md).

So the last :attr:`Fill.slots` places of the top :attr:`Fill.top` may be given to the
best candidates below it from sessions that have no turn above that place: a question
whose answer sits in a session the first places missed gets one look at it, and a
question the first places answered loses only the last of a long passage. A record that
is not a turn (a note, a fact) counts as a session of its own and is never moved out.
Nothing is dropped: the turns that gave up their place follow right after the top.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fill:
    """How many of the top's last places go to other sessions (0: none)."""

    slots: int = 1
    top: int = 10


def fill(
    ranked: Sequence[T],
    session_of: Callable[[T], str | None],
    rule: Fill,
    note: Callable[[T, str], None] | None = None,
) -> list[T]:
    """``ranked`` with the top's last ``rule.slots`` places given to new sessions.

    For each of those places, in order: when the item there comes from a session that
    already has an item above it, the best-placed item below the top from a session
    that has none (or from no session) takes the place, and every item from there to the
    top's end moves down one. ``note(item, why)`` is told each move, for ``--explain``.
    """
    out = list(ranked)
    if rule.slots <= 0 or len(out) <= rule.top:
        return out
    first = {id(item): place for place, item in enumerate(out, 1)}
    last = (
        "last place goes to a session"
        if rule.slots == 1
        else f"last {rule.slots} places go to sessions"
    )
    for place in range(max(0, rule.top - rule.slots), rule.top):
        above = {session_of(item) for item in out[:place]}
        if session_of(out[place]) not in above or session_of(out[place]) is None:
            continue
        pick = next((j for j in range(rule.top, len(out)) if _new(session_of(out[j]), above)), None)
        if pick is None:
            break  # no other session left below: the rest stays as it is
        out.insert(place, out.pop(pick))
        if note is not None:
            note(
                out[place],
                f"brought from #{first[id(out[place])]} to #{place + 1}: the top "
                f"{rule.top}'s {last} not yet above",
            )
    if note is not None:
        for place, item in enumerate(out[: rule.top + rule.slots], 1):
            if place > rule.top and first[id(item)] <= rule.top:
                note(
                    item,
                    f"moved from #{first[id(item)]} to #{place}: its place went to another session",
                )
    return out


def _new(session: str | None, above: set[str | None]) -> bool:
    return session is None or session not in above
