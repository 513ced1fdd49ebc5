"""Verification of the journal's hash chain, independent of where it is stored.

The chain rule: event ``n`` has ``seq == n`` (starting at 1) and
``digest == chain_digest(digest of event n-1, body)``; the recorded head names
the last event's sequence number and digest. Any edit to a body or digest, any
deleted, inserted or reordered event, and a cut-off tail are all caught, and the
first broken event is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from truehearth.core.canonical import chain_digest


@dataclass(frozen=True, slots=True)
class Head:
    """The newest event: how many events there are and the digest of the last."""

    seq: int
    digest: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of :func:`verify_chain`."""

    ok: bool
    events: int
    head: Head | None
    broken_at: int | None = None
    problem: str | None = None


def verify_chain(
    rows: Iterable[tuple[int, bytes, str]],
    recorded_head: Head | None,
    *,
    each_body: Callable[[bytes], None] | None = None,
) -> ChainReport:
    """Re-hash every ``(seq, body, digest)`` row in order and check the head.

    This is the hot loop of ``truehearth verify``: it hashes bytes and compares
    strings. ``each_body`` sees every body that verified, in order, so a caller
    can replay the journal in the same pass.
    """
    parent: str | None = None
    expected = 1
    for seq, body, stored in rows:
        if seq != expected:
            problem = "missing event" if seq > expected else "event out of order"
            return ChainReport(False, expected - 1, _head(expected - 1, parent), expected, problem)
        if chain_digest(parent, body) != stored:
            return ChainReport(
                False, expected - 1, _head(expected - 1, parent), seq, "digest does not match"
            )
        if each_body is not None:
            each_body(body)
        parent = stored
        expected += 1
    count = expected - 1
    head = _head(count, parent)
    if recorded_head != head:
        recorded = recorded_head.seq if recorded_head else 0
        if recorded > count:
            problem = f"journal ends early: the head names event {recorded}"
            broken_at = count + 1
        elif recorded < count:
            problem = f"event found after the recorded head ({recorded})"
            broken_at = recorded + 1
        else:
            problem = "journal head does not match the last event"
            broken_at = max(count, 1)
        return ChainReport(False, count, head, broken_at, problem)
    return ChainReport(True, count, head)


def _head(count: int, digest: str | None) -> Head | None:
    return Head(count, digest) if count and digest else None
