"""Spread: one conversation's turns do not crowd every other one out of the top.

A turn is indexed with its neighbours' words (and a reply follows a question that
matched), so when one passage of one session matches well, its two or three
neighbours match nearly as well and take the next places. Each of them says
little the first does not (the router shows a turn's surroundings anyway), and
together they push out a different session that holds the other half of the
answer. :func:`spread` keeps the order but moves a session's turns beyond the
first ``per_session`` below the rest; nothing is dropped. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from truehearth.recall.indextext import TurnKey

T = TypeVar("T")


def spread(
    ranked: Sequence[T],
    session_of: Callable[[T], str | None],
    per_session: int,
    beside: Callable[[T, list[T]], bool] | None = None,
    follows: Callable[[T, list[T]], bool] | None = None,
    counts: Callable[[T], float] | None = None,
) -> list[T]:
    """``ranked`` with each session's turns past the first ``per_session`` moved below the rest.

    Items with no session (a note, a fact) are never moved. ``per_session`` 0 keeps
    the order as it is. ``beside(item, kept)``: whether an item past the count belongs
    with turns of its session already kept (``kept``), and so stays where it is without
    counting (a short reply right after a kept question is the same passage, not another).
    ``follows(item, kept)``: whether an item goes with an item kept before it (``kept``, of
    every session), and so is kept without counting, whatever its session's count.
    ``counts(item)``: how much an item counts toward its session's ``per_session`` (1 each
    when None): a short line of a chat may count half a turn (recall/beside.py).
    """
    if per_session <= 0:
        return list(ranked)
    kept: list[T] = []
    later: list[T] = []
    seen: dict[str, list[T]] = {}
    used: dict[str, float] = {}
    for item in ranked:
        session = session_of(item)
        if session is None:
            kept.append(item)
            continue
        if follows is not None and follows(item, kept):
            kept.append(item)
            continue
        mine = seen.setdefault(session, [])
        if used.get(session, 0.0) < per_session:
            mine.append(item)
            kept.append(item)
            used[session] = used.get(session, 0.0) + (1.0 if counts is None else counts(item))
        elif beside is not None and beside(item, mine):
            kept.append(item)
        else:
            later.append(item)
    return kept + later


def passage(turn: TurnKey | None, span: int) -> str | None:
    """What spread counts a turn by: its session, or (``span`` > 0) the passage of
    ``span`` turns of its session it falls in; None for a record that is not a turn."""
    if turn is None:
        return None
    return f"{turn.session}#{turn.turn // span}" if span > 0 else turn.session
