"""Journal events: what happened, who did it, and what it changed.

An event has three parts:

* ``kind`` and ``payload`` say what was intended, in the words of the domain
  (``record.confirmed`` with the record id, ``proposal.accepted`` ...);
* ``actor`` is the voice that acted;
* ``effects`` are the complete new values of every entity the event touched,
  or ``None`` for an entity that ceased to exist (only a rollback does that).

Because effects carry whole values, the state of the home is a plain fold of
effects over the journal (see :mod:`truehearth.core.state`), and the state at
any past event can be rebuilt without interpreting intent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from truehearth.core.canonical import canonical_bytes, chain_digest, loads

EVENT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Effect:
    """The new value of one entity (``value is None`` removes it from the state)."""

    kind: str
    id: str
    value: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "value": self.value}


@dataclass(frozen=True, slots=True)
class Draft:
    """An event before the journal has given it a place, a time and a digest."""

    kind: str
    actor: str
    payload: dict[str, Any] = field(default_factory=dict)
    effects: Sequence[Effect] = ()


@dataclass(frozen=True, slots=True)
class Event:
    """A sealed journal event."""

    seq: int
    at: str
    kind: str
    actor: str
    payload: dict[str, Any]
    effects: tuple[Effect, ...]
    parent: str | None
    digest: str
    body: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
            "effects": [e.to_json() for e in self.effects],
            "parent": self.parent,
            "digest": self.digest,
        }


def encode_body(seq: int, at: str, draft: Draft) -> bytes:
    """Canonical bytes of an event's content (everything but parent and digest)."""
    return canonical_bytes(
        {
            "v": EVENT_FORMAT,
            "seq": seq,
            "at": at,
            "kind": draft.kind,
            "actor": draft.actor,
            "payload": draft.payload,
            "effects": [e.to_json() for e in draft.effects],
        }
    )


def seal(draft: Draft, seq: int, at: str, parent: str | None) -> Event:
    """Give a draft its place in the chain: sequence number, time, parent and digest."""
    body = encode_body(seq, at, draft)
    return Event(
        seq=seq,
        at=at,
        kind=draft.kind,
        actor=draft.actor,
        payload=dict(draft.payload),
        effects=tuple(draft.effects),
        parent=parent,
        digest=chain_digest(parent, body),
        body=body,
    )


def decode(seq: int, body: bytes, parent: str | None, digest: str) -> Event:
    """Rebuild an :class:`Event` from its stored form."""
    data = loads(body)
    effects = tuple(Effect(e["kind"], e["id"], e["value"]) for e in data["effects"])
    return Event(
        seq=seq,
        at=data["at"],
        kind=data["kind"],
        actor=data["actor"],
        payload=data["payload"],
        effects=effects,
        parent=parent,
        digest=digest,
        body=body,
    )
