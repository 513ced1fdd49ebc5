"""The journal as the human reads it: events, versions, states, and a rollback.

The state of a home is a fold over its journal, so any past state can be
rebuilt (:meth:`Journal.state_at`) and returned to (:meth:`Journal.rollback`)
without removing anything: a rollback is one more event. A record's history
follows its supersession chain both ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from truehearth.core import acts
from truehearth.core.errors import InvalidInput, NotFound
from truehearth.core.events import Draft, Event
from truehearth.core.journal import Anchor, Head
from truehearth.core.records import Record, Voice
from truehearth.core.state import State, diff, fold
from truehearth.home.base import MAX_SEQ, HomeBase

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class Version:
    """One step in a record's history: the event and the record as it became."""

    event: Event
    record: Record | None


class Journal(HomeBase):
    """Events and versions, past states, rollback, export marks and the signing key."""

    def history(self, record_id: str) -> list[Version]:
        """Every version of a record and of the records it supersedes or is superseded by."""
        rid = self.resolve(acts.RECORD, record_id)
        chain = self._supersession_chain(rid)
        versions: list[Version] = []
        seen: set[int] = set()
        events = [e for member in chain for e in self.store.events_touching(member)]
        for event in sorted(events, key=lambda e: e.seq):
            if event.seq in seen:
                continue
            seen.add(event.seq)
            for effect in event.effects:
                if effect.kind == acts.RECORD and effect.id in chain:
                    value = Record.from_json(effect.value) if effect.value else None
                    versions.append(Version(event, value))
        return versions

    def _supersession_chain(self, rid: str) -> list[str]:
        chain = [rid]
        record = self.record(rid)
        back = record
        while back.supersedes and back.supersedes not in chain:
            chain.insert(0, back.supersedes)
            back = self.record(back.supersedes)
        forward = record
        while forward.superseded_by and forward.superseded_by not in chain:
            chain.append(forward.superseded_by)
            forward = self.record(forward.superseded_by)
        return chain

    def log(self, *, limit: int = 20, before: int | None = None) -> list[Event]:
        """Newest events first, ``limit`` at a time, optionally before a sequence number."""
        if limit < 1:
            raise InvalidInput("the page size must be at least 1")
        stop = min(before, MAX_SEQ) if before is not None else None
        events = self.store.events(1, stop, reverse=True)
        page: list[Event] = []
        for event in events:
            page.append(event)
            if len(page) >= limit:
                break
        return page

    def event(self, seq: int) -> Event:
        if not 1 <= seq <= MAX_SEQ:
            raise NotFound(f"no event {seq} in this journal")
        found = next(self.store.events(seq, seq + 1), None)
        if found is None:
            raise NotFound(f"no event {seq} in this journal")
        return found

    def head(self) -> Head | None:
        return self.store.head()

    def state(self) -> State:
        """The current state, read from the projections."""
        state = State()
        for kind, entity_id, value in self.store.collections():
            state.collections.setdefault(kind, {})[entity_id] = value
        return state

    def state_at(self, seq: int) -> State:
        """The state right after event ``seq``, rebuilt by folding the journal."""
        return fold(self.store.events(1, seq + 1))

    def rollback(self, to_seq: int, *, actor: Voice = Voice.HUMAN) -> Event | None:
        """Return the home to its state right after event ``to_seq``.

        The difference is journaled as one ``home.rolled_back`` event; nothing is
        removed. Returns ``None`` when the state already equals the target.
        """

        def build(_now: str) -> list[Draft]:
            head = self.store.head()
            if head is None or not 1 <= to_seq <= min(head.seq, MAX_SEQ):
                last = head.seq if head else 0
                raise InvalidInput(f"no event {to_seq} in this journal (it has 1..{last})")
            target_event = next(self.store.events(to_seq, to_seq + 1))
            changes = diff(self.state(), self.state_at(to_seq))
            if not changes:
                return []
            return [acts.rollback(Head(to_seq, target_event.digest), changes, actor)]

        events = self.commit(build)
        return events[0] if events else None

    def value_at(self, kind: str, entity_id: str, seq: int) -> dict[str, Any] | None:
        """The value an entity had right after event ``seq`` (``None``: it did not exist)."""
        return self.store.value_at(kind, entity_id, seq)

    def record_export(self, what: str, head: Head) -> None:
        """Remember the head a signed export carries, so a later rewrite below it is caught."""
        from truehearth import marks

        marks.add_anchor(self.config.home_id, Anchor(head.seq, head.digest, what, self.now()))

    def signing_key(self) -> Ed25519PrivateKey:
        """The home's Ed25519 signing key (inside the database of an encrypted home)."""
        from truehearth.keys import load_signing_key

        encrypted = self.config.encryption is not None
        return load_signing_key(self.path, encrypted=encrypted, store=self.store)

    def iter_events(self) -> Iterator[Event]:
        return self.store.events()
