"""Review: the human walks through imported items and decides what each one is.

An imported item is history someone else wrote down; it is not yet ours. For
each one the human may

* **promote** it: the archive item is confirmed and a verified ``memory``
  record is made from it (voice ``human``, because the human now vouches for
  it; the import's hash and locator stay on it);
* propose it as **core** or **boundary**: a pending proposal, so the consent
  gate still has to open before identity changes;
* **leave** it as it is, untrusted, and stop being asked;
* **quarantine** it, with a reason.

Every decision is journaled with a ``review`` entity for the item, so review
never asks twice, and a bulk decision is one transaction: all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from truehearth.core import acts
from truehearth.core.errors import InvalidInput, NotFound
from truehearth.core.events import Draft, Effect, Event
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, ProposalAction, Record, Source, Trust, Voice
from truehearth.core.vocabulary import IMPORT, REVIEW
from truehearth.home import Home
from truehearth.store.base import RecordQuery

SCAN_LIMIT = 1_000_000


class Decision(StrEnum):
    PROMOTE = "promote"
    CORE = "core"
    BOUNDARY = "boundary"
    LEAVE = "leave"
    QUARANTINE = "quarantine"


@dataclass(frozen=True, slots=True)
class Filter:
    """Which items to review: from one import, flagged ones, one speaker."""

    import_sha256: str | None = None
    flagged: bool = False
    speaker: str | None = None
    text: str | None = None


def pending(home: Home, flt: Filter = Filter(), limit: int | None = None) -> list[Record]:
    """Undecided archive items matching ``flt``, in the order they were written."""
    if flt.import_sha256 is not None:
        _known_import(home, flt.import_sha256)
    trust = Trust.QUARANTINED if flt.flagged else Trust.UNTRUSTED
    query = RecordQuery(layers=(Layer.ARCHIVE.value,), trusts=(trust.value,), limit=SCAN_LIMIT)
    decided = {str(value["record"]) for value in home.store.entities(REVIEW)}
    found: list[Record] = []
    for value in home.store.records(query):
        if value["id"] in decided:
            continue
        record = Record.from_json(value)
        if _matches(record, flt):
            found.append(record)
    found.sort(key=_reading_order)
    return found[:limit] if limit is not None else found


def _known_import(home: Home, prefix: str) -> None:
    """A mistyped ``--import`` is wrong input, not an empty list that looks like "all done"."""
    given = prefix.strip()
    if not given:
        raise InvalidInput("--import is empty; give the start of an import's sha256")
    if not home.store.find_ids(IMPORT, given, 1):
        raise NotFound(
            f"no import whose sha256 starts with {given!r} in this home "
            "(`truehearth log` shows each import's sha256)"
        )


def _matches(record: Record, flt: Filter) -> bool:
    if flt.import_sha256 and not (record.source.import_sha256 or "").startswith(flt.import_sha256):
        return False
    if flt.speaker and record.meta.get("speaker") != flt.speaker:
        return False
    return not (flt.text and flt.text.lower() not in record.text.lower())


def _reading_order(record: Record) -> tuple[str, str, int, str]:
    turn = record.meta.get("turn", record.meta.get("index", 0))
    return (
        record.source.import_sha256 or "",
        record.source.session or "",
        turn if isinstance(turn, int) else 0,
        record.source.locator or record.id,
    )


def outcome(record: Record, decision: Decision) -> str:
    """What a decision would do to ``record``, in words, for previews."""
    if decision is Decision.PROMOTE:
        return "confirm it and add it as a verified memory"
    if decision in (Decision.CORE, Decision.BOUNDARY):
        return f"propose it as {decision.value} (takes effect only when accepted)"
    if decision is Decision.LEAVE:
        return f"leave it {record.trust.value}; review will not ask again"
    return "quarantine it"


def decide(
    home: Home, record_ids: Sequence[str], decision: Decision, *, reason: str | None = None
) -> list[Event]:
    """Apply one decision to every record in one transaction."""
    if not record_ids:
        raise InvalidInput("no items to review")
    ids = list(dict.fromkeys(home.resolve(acts.RECORD, rid) for rid in record_ids))

    def build(now: str) -> list[Draft]:
        return [_draft(home.record(rid), decision, now, reason) for rid in ids]

    return home.commit(build)


def _draft(record: Record, decision: Decision, now: str, reason: str | None) -> Draft:
    if record.layer.is_identity or record.trust is Trust.VERIFIED:
        raise InvalidInput(f"record {record.id} is not an unreviewed item")
    if not record.is_current:
        raise InvalidInput(f"record {record.id} is forgotten or superseded")
    source = Source(
        via="review",
        session=record.source.session,
        mouth=record.source.mouth,
        mouth_fingerprint=record.source.mouth_fingerprint,
        import_sha256=record.source.import_sha256,
        locator=record.source.locator,
    )
    result: str | None = None
    effects: list[Effect] = []
    if decision is Decision.PROMOTE:
        result = new_id("r")
        confirmed = acts.confirm(record, Voice.HUMAN, now)
        memory = acts.remember(
            record_id=result,
            layer=Layer.MEMORY,
            text=record.text,
            voice=Voice.HUMAN,
            actor=Voice.HUMAN,
            source=source,
            now=now,
            verified=True,
            valid_from=record.valid_from,
            meta={**record.meta, "promoted_from": record.id},
        )
        effects += [*confirmed.effects, *memory.effects]
    elif decision in (Decision.CORE, Decision.BOUNDARY):
        result = new_id("p")
        proposal = acts.propose(
            proposal_id=result,
            layer=Layer(decision.value),
            action=ProposalAction.ADD,
            text=record.text,
            voice=record.voice,
            actor=Voice.HUMAN,
            source=source,
            now=now,
            why=reason or f"proposed in review from archive item {record.id}",
        )
        effects += proposal.effects
    elif decision is Decision.QUARANTINE:
        held = acts.quarantine(record, Voice.HUMAN, reason or "quarantined in review")
        effects += held.effects
    value: dict[str, Any] = {"record": record.id, "decision": decision.value, "at": now}
    if result:
        value["result"] = result
    effects.append(Effect(REVIEW, record.id, value))
    payload = {"id": record.id, "decision": decision.value, "result": result}
    return Draft(f"review.{decision.value}", Voice.HUMAN.value, payload, effects)
