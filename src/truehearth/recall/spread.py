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
from typing import TypeVar

T = TypeVar("T")


def spread(
    ranked: Sequence[T],
    session_of: Callable[[T], str | None],
    per_session: int,
    beside: Callable[[T, list[T]], bool] | None = None,
    follows: Callable[[T, list[T]], bool] | None = None,
) -> list[T]:
    """``ranked`` with each session's turns past the first ``per_session`` moved below the rest.

    Items with no session (a note, a fact) are never moved. ``per_session`` 0 keeps
    the order as it is. ``beside(item, kept)``: whether an item past the count belongs
    with turns of its session already kept (``kept``), and so stays where it is without
    counting (a short reply right after a kept question is the same passage, not another).
    ``follows(item, kept)``: whether an item goes with an item kept before it (``kept``, of
    every session), and so is kept without counting, whatever its session's count.
    """
    if per_session <= 0:
        return list(ranked)
    kept: list[T] = []
    later: list[T] = []
    seen: dict[str, list[T]] = {}
    for item in ranked:
        session = session_of(item)
        if session is None:
            kept.append(item)
            continue
        if follows is not None and follows(item, kept):
            kept.append(item)
            continue
        mine = seen.setdefault(session, [])
        if len(mine) < per_session:
            mine.append(item)
            kept.append(item)
        elif beside is not None and beside(item, mine):
            kept.append(item)
        else:
            later.append(item)
    return kept + later
