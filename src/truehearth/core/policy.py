"""Who may write what: the consent gates, as pure functions.

The rules (see DESIGN.md, invariants 3-5):

* ``core`` and ``boundary`` change only through a proposal the human accepts;
  a direct write is refused in every voice, and the refusal is journaled.
* Only the human acting explicitly makes a record ``verified``.
* A ``reflection`` is the companion's own journal: only its voice writes one.
* A ``companion`` record always names the mouth that spoke.

The acts (:mod:`truehearth.core.acts`) check these rules with the entities at
hand. :func:`check_event` checks them again on the *effects* of any event,
whatever built it: it guards the one write path every act goes through (so a
hand-made draft cannot bypass the gates) and ``verify`` runs it over every
event of the journal while folding it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from truehearth.core.errors import ConsentRequired, InvalidInput
from truehearth.core.records import Layer, Source, Trust, Voice

_ALLOWED_VOICES: dict[Layer, frozenset[Voice]] = {
    Layer.MEMORY: frozenset({Voice.HUMAN, Voice.COMPANION, Voice.SYSTEM}),
    Layer.REFLECTION: frozenset({Voice.COMPANION}),
    Layer.NOTE: frozenset({Voice.SYSTEM, Voice.HUMAN, Voice.COMPANION}),
    Layer.ARCHIVE: frozenset(Voice),
}


def identity_refusal(layer: Layer, voice: Voice) -> str:
    """The message for a direct write to core or boundary."""
    if voice in (Voice.SYSTEM, Voice.EXTERNAL):
        who = "summaries and imports" if voice is Voice.SYSTEM else "imported or outside text"
        return (
            f"refused: {_article(voice.value)} {voice.value} voice cannot write "
            f"the {layer.value} layer "
            f"({who} never rewrite identity); propose it instead and let the human decide"
        )
    return (
        f"refused: the {layer.value} layer changes only through an accepted proposal; "
        f"use `truehearth propose {layer.value} TEXT`"
    )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def check_direct_write(layer: Layer, voice: Voice, source: Source) -> None:
    """Raise unless a record of ``layer`` may be written directly in ``voice``."""
    if layer.is_identity:
        raise ConsentRequired(identity_refusal(layer, voice))
    allowed = _ALLOWED_VOICES[layer]
    if voice not in allowed:
        names = ", ".join(sorted(v.value for v in allowed))
        raise InvalidInput(f"the {layer.value} layer takes only these voices: {names}")
    if voice is Voice.COMPANION and not source.mouth:
        raise InvalidInput("a companion record must name the mouth that spoke (--mouth)")


def check_human_act(actor: Voice, act: str) -> None:
    """Raise unless the human is the one acting (confirming, accepting, rejecting)."""
    if actor is not Voice.HUMAN:
        raise ConsentRequired(f"refused: only the human can {act}")


def check_verified_on_write(actor: Voice, verified: bool) -> None:
    """A record may be born verified only when the human writes it and says so."""
    if verified and actor is not Voice.HUMAN:
        raise ConsentRequired("refused: only the human can mark a record verified")


# -- the rules on effects: the one write path, and verify ------------------------------

Effects = Iterable[Mapping[str, Any]]
Lookup = Callable[[str, str], dict[str, Any] | None]
"""The value of entity ``(kind, id)`` just before the event (``None``: none yet)."""
ValueAt = Callable[[str, str, int], dict[str, Any] | None]
"""The value of entity ``(kind, id)`` right after event ``seq`` (for rollbacks)."""

IDENTITY_LAYERS = frozenset({Layer.CORE.value, Layer.BOUNDARY.value})
_VOICES = frozenset(v.value for v in Voice)
_LAYERS = frozenset(layer.value for layer in Layer)
_TRUSTS = frozenset(t.value for t in Trust)
_HUMAN = Voice.HUMAN.value
_VERIFIED = Trust.VERIFIED.value
ROLLBACK = "home.rolled_back"
ACCEPT = "proposal.accepted"


def check_event(
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    effects: Effects,
    before: Lookup,
    value_at: ValueAt,
) -> None:
    """Raise unless an event with these effects keeps the consent rules.

    * Nothing leaves the state except by the human's rollback, and a rollback
      may only bring back what the entity was right after the event it names.
    * A ``core`` or ``boundary`` record changes only in ``proposal.accepted``
      by the human, and only as a proposal decided in the same event says.
    * No record changes layer; a new record keeps the voice rules of its layer.
    * Only the human makes a record verified, decides a proposal or changes a
      mouth's standing.
    """
    if actor not in _VOICES:
        raise InvalidInput(f"an event's actor must be one of the voices, not {actor!r}")
    items = [(str(e["kind"]), str(e["id"]), e["value"]) for e in effects]
    if kind == ROLLBACK:
        _check_rollback(actor, payload, items, value_at)
        return
    seen: dict[tuple[str, str], dict[str, Any] | None] = {}

    def prior(k: str, i: str) -> dict[str, Any] | None:
        return seen[(k, i)] if (k, i) in seen else before(k, i)

    accepted = _accepted_proposals(kind, actor, items, prior)
    for ekind, eid, value in items:
        old = prior(ekind, eid)
        if value is None:
            raise ConsentRequired(f"refused: {ekind} {eid} can leave the state only by a rollback")
        if ekind == "record":
            _check_record(kind, actor, eid, old, value, accepted)
        elif ekind == "proposal":
            _check_proposal(actor, eid, old, value)
        elif ekind == "mouth":
            _check_mouth(actor, eid, old, value)
        seen[(ekind, eid)] = value


def _check_rollback(
    actor: str, payload: Mapping[str, Any], items: list[tuple[str, str, Any]], value_at: ValueAt
) -> None:
    check_human_act(Voice(actor), "roll the home back")
    to = payload.get("to")
    if not isinstance(to, int) or isinstance(to, bool) or to < 1:
        raise InvalidInput("a rollback must name the event it returns to")
    for ekind, eid, value in items:
        if value != value_at(ekind, eid, to):
            raise ConsentRequired(
                f"refused: a rollback to event {to} may only restore {ekind} {eid} as it was then"
            )


def _accepted_proposals(
    kind: str, actor: str, items: list[tuple[str, str, Any]], prior: Lookup
) -> dict[str, dict[str, Any]]:
    """Proposals this event turns from pending to accepted, by id (only in an accept)."""
    if kind != ACCEPT or actor != _HUMAN:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for ekind, eid, value in items:
        if ekind != "proposal" or not isinstance(value, dict):
            continue
        old = prior(ekind, eid)
        if old is not None and old.get("status") == "pending" and value.get("status") == "accepted":
            found[eid] = value
    return found


def _check_record(
    kind: str,
    actor: str,
    rid: str,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    accepted: dict[str, dict[str, Any]],
) -> None:
    _check_record_shape(rid, new)
    layer = new["layer"]
    if old is not None and old.get("layer") != layer:
        raise ConsentRequired(
            f"refused: record {rid} cannot move from {old.get('layer')} to {layer}"
        )
    if layer in IDENTITY_LAYERS:
        if old != new:
            _check_identity_change(kind, rid, old, new, accepted)
        return
    if old is None:
        _check_new_voice(layer, new["voice"], new.get("source"))
    became_verified = new["trust"] == _VERIFIED and (old is None or old.get("trust") != _VERIFIED)
    if became_verified and actor != _HUMAN:
        raise ConsentRequired("refused: only the human can mark a record verified")


_VOICES_BY_LAYER = {
    layer.value: frozenset(v.value for v in voices) for layer, voices in _ALLOWED_VOICES.items()
}


def _check_new_voice(layer: str, voice: str, source: Any) -> None:
    """:func:`check_direct_write` on plain values (the hot path of bulk writes and verify)."""
    allowed = _VOICES_BY_LAYER[layer]
    if voice not in allowed:
        names = ", ".join(sorted(allowed))
        raise InvalidInput(f"the {layer} layer takes only these voices: {names}")
    if voice == Voice.COMPANION.value and not (isinstance(source, dict) and source.get("mouth")):
        raise InvalidInput("a companion record must name the mouth that spoke (--mouth)")


def _check_record_shape(rid: str, value: Any) -> None:
    if not isinstance(value, dict) or value.get("id") != rid:
        raise InvalidInput(f"record {rid}: its value does not carry its own id")
    if (
        value.get("layer") not in _LAYERS
        or value.get("voice") not in _VOICES
        or value.get("trust") not in _TRUSTS
        or not isinstance(value.get("text"), str)
        or not isinstance(value.get("recorded_at"), str)
    ):
        raise InvalidInput(f"record {rid}: layer, voice, trust, text or time is malformed")


def _check_identity_change(
    kind: str,
    rid: str,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    accepted: dict[str, dict[str, Any]],
) -> None:
    """An identity record appears or changes only as an accepted proposal says."""
    layer = new["layer"]
    refusal = ConsentRequired(
        f"refused: the {layer} record {rid} changes only through a proposal the human "
        f"accepts, not in {kind!r}"
    )
    if old is None:
        pid = (new.get("source") or {}).get("proposal")
        proposal = accepted.get(pid) if isinstance(pid, str) else None
        if proposal is None or proposal.get("record") != rid:
            raise refusal
        same = all(proposal.get(k) == new.get(k) for k in ("layer", "text", "voice"))
        if not same or new["trust"] != _VERIFIED or new.get("forgotten"):
            raise refusal
        return
    if not any(p.get("target") == rid for p in accepted.values()):
        raise refusal
    unchanged = ("layer", "text", "voice", "trust", "source", "recorded_at")
    if any(old.get(k) != new.get(k) for k in unchanged):
        raise refusal


def _check_proposal(actor: str, pid: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    if not isinstance(new, dict) or new.get("id") != pid:
        raise InvalidInput(f"proposal {pid}: its value does not carry its own id")
    if new.get("layer") not in IDENTITY_LAYERS:
        raise InvalidInput(f"proposal {pid}: proposals are for core and boundary")
    status = new.get("status")
    if old is None:
        if status != "pending":
            raise ConsentRequired(f"refused: proposal {pid} must begin pending")
        return
    if old.get("status") != "pending" and old != new:
        raise ConsentRequired(f"refused: proposal {pid} was already decided")
    if status != old.get("status") and actor != _HUMAN:
        raise ConsentRequired("refused: only the human can accept or reject a proposal")


def _check_mouth(actor: str, name: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    if not isinstance(new, dict):
        raise InvalidInput(f"mouth {name}: its value is not an object")
    before = (old or {}).get("standing", "untested")
    after = new.get("standing", "untested")
    # Falling back to untested is always allowed; being raised needs the human.
    if after not in (before, "untested") and actor != _HUMAN:
        raise ConsentRequired("refused: only the human can raise a mouth's standing")
