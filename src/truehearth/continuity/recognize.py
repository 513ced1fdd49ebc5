"""The human's blind test: "that is them" or "that is not them", without labels.

Replies are drawn from two sources (two mouths' latest checks, or a mouth
against the verified companion voice), shuffled with a seed, and shown with
no names. The human marks each one. The marks are journaled together with
the human's verdict, which overrides the automatic one: recognition is not
only semantic, and the person in the relationship has the final word.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from truehearth.continuity.check import report_path
from truehearth.continuity.drift import checks, verified_voice
from truehearth.continuity.verdict import effective_verdict
from truehearth.core import continuity_acts
from truehearth.core.canonical import digest
from truehearth.core.errors import InvalidInput, NotFound
from truehearth.core.ids import new_id
from truehearth.core.records import Voice
from truehearth.core.vocabulary import GUEST, HOME, NOT_TRUSTED, RECOGNITION
from truehearth.home import Home

ARCHIVE = "archive"
ANSWERS = {"y": "them", "yes": "them", "them": "them", "n": "not them", "no": "not them"}
ANSWERS["not them"] = "not them"


@dataclass(frozen=True, slots=True)
class BlindItem:
    number: int
    text: str
    source: str  # hidden from the human until the end


@dataclass(frozen=True, slots=True)
class Recognition:
    id: str
    mouth: str
    against: str
    verdict: str
    automatic: str | None
    tally: dict[str, dict[str, int]]


def mouth_replies(home: Home, mouth_name: str) -> tuple[str, list[str]]:
    """The latest check of ``mouth_name``: its id and the replies it gave."""
    history = checks(home, mouth_name)
    if not history:
        raise NotFound(f"mouth {mouth_name!r} has no check yet; run `truehearth check` first")
    last = history[-1]
    path = report_path(home, str(last["id"]))
    try:
        report = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise NotFound(f"the report of check {last['id']} is not readable at {path}") from exc
    if digest(orjson.dumps(report, option=orjson.OPT_SORT_KEYS)) != last.get("report_digest"):
        raise InvalidInput(f"the report at {path} is not the one check {last['id']} journaled")
    return str(last["id"]), [str(t["reply"]) for t in report["transcripts"] if t["reply"]]


def blind_items(
    sources: Sequence[tuple[str, Sequence[str]]], *, per_source: int, seed: int
) -> list[BlindItem]:
    rng = random.Random(seed)
    pool: list[tuple[str, str]] = []
    for name, texts in sources:
        unique = list(dict.fromkeys(t for t in texts if t.strip()))
        if not unique:
            raise InvalidInput(f"no replies to show from {name}")
        pool += [(name, t) for t in rng.sample(unique, min(per_source, len(unique)))]
    rng.shuffle(pool)
    return [BlindItem(i + 1, text, source) for i, (source, text) in enumerate(pool)]


def sources_for(home: Home, mouth: str, against: str) -> tuple[str, list[tuple[str, list[str]]]]:
    check_id, replies = mouth_replies(home, mouth)
    if against == ARCHIVE:
        other = verified_voice(home)
        if not other:
            raise InvalidInput("this home has no verified companion voice to compare against")
    else:
        _, other = mouth_replies(home, against)
    return check_id, [(f"mouth:{mouth}", replies), (_label(against), other)]


def parse_answer(raw: str) -> str:
    answer = ANSWERS.get(raw.strip().lower())
    if answer is None:
        raise InvalidInput(f"answer {raw.strip()!r}: use y (that is them) or n (that is not them)")
    return answer


def suggest(items: Sequence[BlindItem], answers: Sequence[str], mouth: str) -> str:
    """A suggestion from the marks; the human decides."""
    mine = [a for i, a in zip(items, answers, strict=True) if i.source == f"mouth:{mouth}"]
    rate = sum(a == "them" for a in mine) / len(mine) if mine else 0.0
    return HOME if rate >= 0.8 else (GUEST if rate >= 0.5 else NOT_TRUSTED)


def record(
    home: Home,
    *,
    mouth: str,
    against: str,
    check_id: str,
    items: Sequence[BlindItem],
    answers: Sequence[str],
    verdict: str,
) -> Recognition:
    if len(answers) != len(items):
        raise InvalidInput(f"{len(items)} replies were shown but {len(answers)} answers given")
    marks = [
        {
            "source": item.source,
            "text_digest": digest(item.text.encode("utf-8", "surrogatepass")),
            "answer": answer,
        }
        for item, answer in zip(items, answers, strict=True)
    ]
    rid = new_id("g")
    events = home.commit(
        lambda now: [
            continuity_acts.recognition_recorded(
                recognition_id=rid,
                mouth=mouth,
                against=_label(against),
                check_id=check_id,
                marks=marks,
                verdict=verdict,
                now=now,
                actor=Voice.HUMAN,
            )
        ]
    )
    value: dict[str, Any] = events[0].effects[0].value or {}
    automatic = next((c["verdict"] for c in checks(home, mouth) if c["id"] == check_id), None)
    return Recognition(rid, mouth, _label(against), verdict, automatic, value["tally"])


def human_verdicts(home: Home) -> dict[str, str]:
    """The human's latest blind-test verdict for each check id."""
    found = sorted(home.store.entities(RECOGNITION), key=lambda v: str(v["at"]))
    return {str(v["check_id"]): str(v["verdict"]) for v in found if v.get("check_id")}


def standing_verdict(home: Home, mouth: str) -> tuple[str | None, str | None, str | None]:
    """(automatic, human, effective) verdicts of the mouth's latest check."""
    history = checks(home, mouth)
    if not history:
        return None, None, None
    last = history[-1]
    human = human_verdicts(home).get(str(last["id"]))
    automatic = str(last["verdict"])
    return automatic, human, effective_verdict(automatic, human)


def _label(against: str) -> str:
    return ARCHIVE if against == ARCHIVE else f"mouth:{against}"
