"""The continuity check's acts, as pure functions from results to journal drafts.

A check's outcome and the human's blind-test verdict are journaled, so the
history of what each mouth was judged, by what and by whom, is part of the
home's verifiable record. Numbers travel as fixed-precision strings because
the canonical form admits no floats. A recognition verdict is the human's
own act: no other voice may record one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from truehearth.core.errors import InvalidInput
from truehearth.core.events import Draft, Effect
from truehearth.core.policy import check_human_act
from truehearth.core.records import Voice
from truehearth.core.vocabulary import CHECK, RECOGNITION, VERDICTS


def number(value: float | None) -> str | None:
    """A float as the journal keeps it: four decimals, as text."""
    return None if value is None else f"{value:.4f}"


def check_completed(
    *,
    check_id: str,
    mouth: str,
    fingerprint: Mapping[str, Any],
    fingerprint_digest: str,
    verdict: str,
    reasons: Sequence[str],
    scores: Mapping[str, float],
    pass_rate: float,
    report_digest: str,
    voice: Mapping[str, float | None],
    replies: int,
    now: str,
    actor: Voice = Voice.SYSTEM,
) -> Draft:
    """A finished check: the verdict, the scores, and the digest of the report it came from."""
    if verdict not in VERDICTS:
        raise InvalidInput(f"unknown verdict {verdict!r}; choose one of: {', '.join(VERDICTS)}")
    value: dict[str, Any] = {
        "id": check_id,
        "mouth": mouth,
        "at": now,
        "fingerprint": dict(fingerprint),
        "fingerprint_digest": fingerprint_digest,
        "verdict": verdict,
        "reasons": list(reasons),
        "scores": {k: number(v) for k, v in scores.items()},
        "pass_rate": number(pass_rate),
        "replies": replies,
        "report_digest": report_digest,
        "voice": {k: number(v) for k, v in voice.items()},
    }
    payload = {
        "id": check_id,
        "mouth": mouth,
        "verdict": verdict,
        "fingerprint_digest": fingerprint_digest,
        "report_digest": report_digest,
    }
    return Draft("check.completed", actor.value, payload, [Effect(CHECK, check_id, value)])


def recognition_recorded(
    *,
    recognition_id: str,
    mouth: str,
    against: str,
    check_id: str | None,
    marks: Sequence[Mapping[str, str]],
    verdict: str,
    now: str,
    actor: Voice,
) -> Draft:
    """The human's blind test: what they marked "that is them", and their verdict."""
    check_human_act(actor, "record a recognition verdict")
    if verdict not in VERDICTS:
        raise InvalidInput(f"unknown verdict {verdict!r}; choose one of: {', '.join(VERDICTS)}")
    if not marks:
        raise InvalidInput("a blind test needs at least one marked reply")
    tally: dict[str, dict[str, int]] = {}
    for mark in marks:
        if mark.get("answer") not in ("them", "not them"):
            raise InvalidInput(f"a mark must be 'them' or 'not them', not {mark.get('answer')!r}")
        row = tally.setdefault(mark["source"], {"shown": 0, "recognized": 0})
        row["shown"] += 1
        row["recognized"] += mark["answer"] == "them"
    value = {
        "id": recognition_id,
        "mouth": mouth,
        "against": against,
        "check_id": check_id,
        "at": now,
        "verdict": verdict,
        "tally": tally,
        "marks": [dict(m) for m in marks],
    }
    payload = {"id": recognition_id, "mouth": mouth, "verdict": verdict, "check_id": check_id}
    return Draft(
        "recognition.recorded", actor.value, payload, [Effect(RECOGNITION, recognition_id, value)]
    )
