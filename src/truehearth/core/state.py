"""The state of a home is a fold of effects over its journal.

State is a set of collections (``record``, ``proposal``, ``mouth`` ...), each a
mapping from id to a JSON value. Applying an event replaces each touched
entity with the value the event carries, or removes it. Rolling back is
therefore a matter of computing the difference between two states and
journaling it as one more event; nothing is ever erased from the journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from truehearth.core.canonical import digest, loads
from truehearth.core.events import Effect, Event


@dataclass(slots=True)
class State:
    """Every entity of a home, by collection and id."""

    collections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        return self.collections.get(kind, {}).get(entity_id)

    def apply_effects(self, effects: Iterable[Effect]) -> None:
        for effect in effects:
            bucket = self.collections.setdefault(effect.kind, {})
            if effect.value is None:
                bucket.pop(effect.id, None)
            else:
                bucket[effect.id] = effect.value

    def apply(self, event: Event) -> None:
        self.apply_effects(event.effects)

    def apply_body(self, body: bytes) -> None:
        """Apply a canonical event body without building an :class:`Event`
        (the fast path for replaying large journals)."""
        collections = self.collections
        for effect in loads(body)["effects"]:
            bucket = collections.setdefault(effect["kind"], {})
            if effect["value"] is None:
                bucket.pop(effect["id"], None)
            else:
                bucket[effect["id"]] = effect["value"]

    def canonical(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Collections without empty buckets, for comparison and hashing."""
        return {k: dict(v) for k, v in sorted(self.collections.items()) if v}

    def fingerprint(self) -> str:
        """A digest of the whole state: equal states have equal fingerprints.

        The values came out of the journal, which only admits canonical data, so
        they are serialised directly without re-validating every leaf.
        """
        return digest(orjson.dumps(self.canonical(), option=orjson.OPT_SORT_KEYS))


def fold(events: Iterable[Event]) -> State:
    """The state after ``events``, applied in order."""
    state = State()
    for event in events:
        state.apply(event)
    return state


def diff(current: State, target: State) -> list[Effect]:
    """Effects that turn ``current`` into ``target``, in a stable order."""
    effects: list[Effect] = []
    kinds = sorted(set(current.collections) | set(target.collections))
    for kind in kinds:
        now = current.collections.get(kind, {})
        then = target.collections.get(kind, {})
        for entity_id in sorted(set(now) | set(then)):
            before, after = now.get(entity_id), then.get(entity_id)
            if before != after:
                effects.append(Effect(kind, entity_id, after))
    return effects
