"""Effect building: what one parsed item becomes in the journal.

Every item lands as layer ``archive``, voice ``external``, trust
``untrusted`` -- or ``quarantined`` with the reason when the injection
detector (its rules and the shipped classifier,
:mod:`truehearth.injection_classifier`) flags it, told whether the archive's
own human wrote the text (:attr:`Item.by_human`) -- carrying the file's
SHA-256 and a locator. A :class:`Suggestion` becomes a pending proposal, never a record:
imports cannot rewrite identity. Text longer than a record may hold is cut
into numbered parts rather than lost.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from truehearth.core import acts
from truehearth.core.events import Effect
from truehearth.core.ids import new_id
from truehearth.core.injection import Finding
from truehearth.core.policy import check_direct_write
from truehearth.core.records import (
    MAX_TEXT_CHARS,
    Layer,
    ProposalAction,
    Record,
    Source,
    Trust,
    Voice,
)
from truehearth.core.vocabulary import PICTURE
from truehearth.exchange.parsed import Item, Parsed, Picture, Suggestion
from truehearth.exchange.report import ImportReport
from truehearth.exchange.values import iso_time, json_safe, sanitize
from truehearth.injection_classifier import Screening, detect

Pending = Callable[[], Effect]
"""An effect whose record waits on the detector's second stage (see :class:`Screening`)."""


def effects_for(parsed: Parsed, base: Source, now: str, report: ImportReport) -> list[Effect]:
    """The journal effects one parsed item becomes (records, one proposal, or a picture)."""
    found = screened_effects(parsed, base, now, report)
    return [effect if isinstance(effect, Effect) else effect() for effect in found]


def screened_effects(
    parsed: Parsed,
    base: Source,
    now: str,
    report: ImportReport,
    screening: Screening | None = None,
    cut: list[str] | None = None,
) -> list[Effect | Pending]:
    """:func:`effects_for`, with records whose detection is still running left pending.

    With a ``screening``, a text in the detector's grey zone is read on its
    thread and its record becomes a callable that builds the effect once the
    answer is in: call each, in order, before the batch is written. Without
    one, every effect is final. ``cut``: the item's :func:`pieces_of`, when the
    caller has them already.
    """
    if isinstance(parsed, Suggestion):
        return [_suggestion_effect(parsed, base, now, report)]
    if isinstance(parsed, Picture):
        return [_picture_effect(parsed, base, now)]
    pieces = pieces_of(parsed) if cut is None else cut
    if not pieces:
        report.skipped += 1
        return []
    effects: list[Effect | Pending] = []
    for part, piece in enumerate(pieces):
        meta = {**parsed.meta, "format": report.format}
        if len(pieces) > 1:
            meta["part"] = part
        source = Source(
            via=base.via,
            import_sha256=base.import_sha256,
            locator=sanitize(parsed.locator),
            session=sanitize(parsed.session) if parsed.session else None,
        )
        check_direct_write(Layer.ARCHIVE, Voice.EXTERNAL, source)
        if screening is None:
            found = detect(piece, by_human=parsed.by_human)
            record = _record(parsed, piece, source, now, meta, report, found)
            effects.append(acts.record_effect(record))
        else:
            effects.append(_pending(parsed, piece, source, now, meta, report, screening))
    return effects


def pieces_of(item: Item) -> list[str]:
    """The texts of the records an item becomes: cleaned, and cut where a record must end.

    Empty when the item says nothing (it is skipped, and counted so).
    """
    text = sanitize(item.text).strip()
    return [text[i : i + MAX_TEXT_CHARS] for i in range(0, len(text), MAX_TEXT_CHARS)]


def _pending(
    item: Item,
    text: str,
    source: Source,
    now: str,
    meta: dict[str, Any],
    report: ImportReport,
    screening: Screening,
) -> Pending:
    answer = screening.check(text, by_human=item.by_human)
    return lambda: acts.record_effect(_record(item, text, source, now, meta, report, answer()))


def _record(
    item: Item,
    text: str,
    source: Source,
    now: str,
    meta: dict[str, Any],
    report: ImportReport,
    finding: Finding | None,
) -> Record:
    report.records += 1
    if finding:
        report.quarantined += 1
    return Record(
        id=new_id("r"),
        layer=Layer.ARCHIVE,
        text=text,
        voice=Voice.EXTERNAL,
        trust=Trust.QUARANTINED if finding else Trust.UNTRUSTED,
        source=source,
        recorded_at=now,
        valid_from=iso_time(item.valid_from),
        reason=finding.reason if finding else None,
        meta=json_safe(meta),
    )


def suggestion_text(item: Suggestion) -> str:
    """The text a suggestion is proposed with: cleaned, and cut to what a record may hold."""
    return sanitize(item.text).strip()[:MAX_TEXT_CHARS]


def _suggestion_effect(item: Suggestion, base: Source, now: str, report: ImportReport) -> Effect:
    text = suggestion_text(item)
    finding = detect(text, by_human=item.by_human)
    why = item.why + (f"; warning: {finding.reason}" if finding else "")
    source = Source(via=base.via, import_sha256=base.import_sha256, locator=item.locator)
    draft = acts.propose(
        proposal_id=new_id("p"),
        layer=item.layer,
        action=ProposalAction.ADD,
        text=text,
        voice=Voice.EXTERNAL,
        actor=Voice.HUMAN,
        source=source,
        now=now,
        why=sanitize(why)[:2_000],
    )
    report.proposals += 1
    return draft.effects[0]


def _picture_effect(item: Picture, base: Source, now: str) -> Effect:
    """The picture by its SHA-256, with the import it came with (``export card`` finds it so)."""
    value = {
        "png": base64.b64encode(item.png).decode("ascii"),
        "bytes": len(item.png),
        "import_sha256": base.import_sha256,
        "locator": sanitize(item.locator),
        "imported_at": now,
    }
    return Effect(PICTURE, hashlib.sha256(item.png).hexdigest(), value)
