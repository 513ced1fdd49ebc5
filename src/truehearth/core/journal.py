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
    each_body: Callable[[int, bytes], None] | None = None,
    start: Head | None = None,
) -> ChainReport:
    """Re-hash every ``(seq, body, digest)`` row in order and check the head.

    This is the hot loop of ``truehearth verify``: it hashes bytes and compares
    strings. ``each_body`` sees every ``(seq, body)`` that verified, in order,
    so a caller can replay the journal in the same pass. With ``start`` (a head
    verified before, whose event the caller has confirmed is unchanged) the rows
    begin right after it: the incremental check.
    """
    parent: str | None = start.digest if start else None
    expected = start.seq + 1 if start else 1
    for seq, body, stored in rows:
        if seq != expected:
            problem = "missing event" if seq > expected else "event out of order"
            return ChainReport(False, expected - 1, _head(expected - 1, parent), expected, problem)
        if chain_digest(parent, body) != stored:
            return ChainReport(
                False, expected - 1, _head(expected - 1, parent), seq, "digest does not match"
            )
        if each_body is not None:
            each_body(seq, body)
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


# -- the external anchor ------------------------------------------------------------

FINGERPRINT_HEX = 20
"""Hex digits of the head digest a fingerprint keeps: 80 bits, so finding another
journal whose event at the same place shares them costs about 2^80 hashes."""


def fingerprint(head: Head) -> str:
    """A short, human-copyable name of a head: ``<seq>:<20 hex digits>``, in groups.

    Someone who can write the home and holds its signing key can rewrite the
    journal, recompute every digest and re-sign an export; nothing inside the
    home can catch that. A fingerprint written down *outside* the home can:
    ``verify --expect`` checks that the event at ``seq`` still has this digest,
    so a rewrite or truncation at or below it is caught however consistent.
    """
    hexpart = head.digest.partition(":")[2][:FINGERPRINT_HEX]
    groups = "-".join(hexpart[i : i + 5] for i in range(0, len(hexpart), 5))
    return f"{head.seq}:{groups}"


@dataclass(frozen=True, slots=True)
class Expected:
    """A parsed fingerprint: the event's place and the start of its digest."""

    seq: int
    prefix: str

    def matches(self, digest: str) -> bool:
        return digest.partition(":")[2].startswith(self.prefix)


MIN_EXPECTED_HEX = 16


def parse_fingerprint(text: str) -> Expected:
    """Read a fingerprint as a human may have copied it (spaces, dashes, case).

    Raises ``ValueError`` with a one-line reason; at least 16 hex digits are
    needed, so a fingerprint cut short still means something.
    """
    seq_text, sep, rest = text.strip().partition(":")
    if not sep or not seq_text.strip().isdigit():
        raise ValueError(f"a fingerprint looks like 1042:3f9ac-2b177-de0a1-b9c3d, not {text!r}")
    seq = int(seq_text.strip())
    if not 1 <= seq < 2**62:
        raise ValueError(
            "a fingerprint names an event numbered 1 or more and below 2^62, "
            f"not {seq_text.strip()}"
        )
    if rest.strip().lower().startswith("b2:"):
        rest = rest.strip()[3:]
    hexpart = "".join(c for c in rest.lower() if c not in " -_")
    if not hexpart or any(c not in "0123456789abcdef" for c in hexpart):
        raise ValueError(f"the digest part of {text!r} is not hexadecimal")
    if len(hexpart) < MIN_EXPECTED_HEX:
        raise ValueError(
            f"the fingerprint {text!r} is too short: give at least {MIN_EXPECTED_HEX} hex digits"
        )
    return Expected(seq, hexpart)


@dataclass(frozen=True, slots=True)
class Mark:
    """The last head found sound, and which records were the identity there.

    The pre-turn check starts from here: it confirms the event at ``seq`` still
    has ``digest``, re-hashes only the events after it, and compares the
    identity the stored state would put in a prompt with ``identity`` moved
    forward by those events.
    """

    seq: int
    digest: str
    identity: tuple[str, ...]
    at: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """The head a signed export carried: the journal must keep that event as it was."""

    seq: int
    digest: str
    what: str
    at: str
