"""Fact extraction for graph memory: rules by default, a mouth when asked.

The rules catch common first-person statements ("my sister's name is Maya",
"I moved to Porto", "I work at Acme"). They are cheap, predictable and never
invent anything; what they miss, vectors and BM25 still find. The optional
mouth extractor asks a model for facts, but a small local model breaks
free-form JSON, so every reply is validated against :data:`FACT_SCHEMA` here
before a fact is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from truehearth.core.records import Record, Voice
from truehearth.mouths.base import GenerationParams, Message, Mouth


@dataclass(frozen=True, slots=True)
class Relation:
    """A kind of edge: whether a newer fact replaces an older one, and words that ask for it."""

    name: str
    single: bool
    cues: frozenset[str]


def _rel(name: str, single: bool, cues: str) -> Relation:
    return Relation(name, single, frozenset(cues.split()))


KIN = {
    "sister": "sister sibling sis",
    "brother": "brother sibling bro",
    "mother": "mother mom mum mama",
    "father": "father dad papa",
    "son": "son kid child boy",
    "daughter": "daughter kid child girl",
    "partner": "partner wife husband girlfriend boyfriend spouse",
    "best_friend": "best friend bestie buddy",
    "boss": "boss manager supervisor",
    "dog": "dog puppy pup pet",
    "cat": "cat kitten kitty pet",
    "cousin": "cousin",
    "grandmother": "grandmother grandma granny nana",
    "roommate": "roommate flatmate housemate",
}
RELATIONS: dict[str, Relation] = {
    "lives_in": _rel("lives_in", True, "live living lived home city town moved reside based"),
    "works_at": _rel("works_at", True, "work working job employer company office employed"),
    "allergic_to": _rel("allergic_to", False, "allergic allergy allergies react"),
    "birthday": _rel("birthday", True, "birthday born birth"),
    "fears": _rel("fears", False, "fear afraid scared terrified frightened"),
    "favourite": _rel("favourite", False, "favourite favorite love best"),
    "drives": _rel("drives", True, "drive driving car"),
    "learning": _rel("learning", False, "learn learning study studying practice practise lessons"),
    "member_of": _rel("member_of", False, "club team join joined member"),
    "read": _rel("read", False, "read reading book"),
    "takes": _rel("takes", False, "medication medicine prescription take taking"),
    "partner": _rel("partner", True, KIN["partner"]),
    **{k: _rel(k, False, v) for k, v in KIN.items() if k != "partner"},
}

_KIN_WORDS = {
    "sister": "sister",
    "brother": "brother",
    "mother": "mother",
    "mom": "mother",
    "mum": "mother",
    "father": "father",
    "dad": "father",
    "son": "son",
    "daughter": "daughter",
    "wife": "partner",
    "husband": "partner",
    "partner": "partner",
    "girlfriend": "partner",
    "boyfriend": "partner",
    "best friend": "best_friend",
    "boss": "boss",
    "manager": "boss",
    "dog": "dog",
    "puppy": "dog",
    "cat": "cat",
    "kitten": "cat",
    "cousin": "cousin",
    "grandmother": "grandmother",
    "grandma": "grandmother",
    "roommate": "roommate",
}
_KIN_ALT = "|".join(sorted((re.escape(k) for k in _KIN_WORDS), key=len, reverse=True))
_NAME = r"(?P<obj>[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
_PLACE = r"(?P<obj>[A-Z][\w'-]+(?: [A-Z][\w'-]+)*)"

PATTERNS: list[tuple[re.Pattern[str], str | None]] = [
    (
        re.compile(
            rf"\b(?i:my (?:new |little |older |younger |big )?(?P<kin>{_KIN_ALT}))"
            rf"(?:'s name is|,? (?i:is called|is named|named|called)) {_NAME}"
        ),
        None,
    ),
    # "my sister Maya called", "our dog Oskar chewed": a capitalised name right after.
    (re.compile(rf"\b(?i:(?:my|our) (?P<kin>{_KIN_ALT})) {_NAME}\b"), None),
    (
        re.compile(
            rf"\b{_NAME},? (?i:is my (?:new |little |older |younger )?(?P<kin>{_KIN_ALT}))\b"
        ),
        None,
    ),
    (
        re.compile(
            rf"\b(?i:(?:I|we)(?:'ve| have)? (?:just |finally |recently )?"
            rf"(?:live|moved|relocated|settled|am living|'m living)(?: back)? (?:in|to)) {_PLACE}"
        ),
        "lives_in",
    ),
    (
        re.compile(
            rf"\b(?i:I (?:just |recently )?(?:work|started working|got a job|started a new job|"
            rf"joined)(?: as an? [a-z ]+?)?(?: at| for)?) {_PLACE}"
        ),
        "works_at",
    ),
    (re.compile(r"\b(?i:I(?:'m| am) allergic to) (?P<obj>[a-z][a-z ]+?)\b[.,!;]?"), "allergic_to"),
    (
        re.compile(
            r"\b(?i:I(?:'m| am) (?:terrified|scared|afraid) of) (?P<obj>[a-z]+(?: [a-z]+)?)"
        ),
        "fears",
    ),
    (re.compile(r"\b(?i:my favou?rite [a-z]+ is) (?P<obj>[\w'-]+(?: [\w'-]+){0,2})"), "favourite"),
    (re.compile(rf"\b(?i:I drive (?:an? |my )?(?:old |new |little )?){_PLACE}"), "drives"),
    (
        re.compile(
            r"\b(?i:I(?:'ve been|'m| am) (?:learning|studying|practi[cs]ing)"
            r"(?: to play)?(?: the)?) (?P<obj>[A-Za-z]+)"
        ),
        "learning",
    ),
    (
        re.compile(r"\b(?i:I (?:just )?joined (?:a |the )?)(?P<obj>[a-z]+) (?i:club|team|choir)"),
        "member_of",
    ),
    (re.compile(rf"\b(?i:I (?:just )?finished reading) {_PLACE}"), "read"),
    (re.compile(r"\b(?i:put me on|I take|I'm taking) (?P<obj>[a-z]+) (?i:for)\b"), "takes"),
    (
        re.compile(r"\b(?i:my birthday is(?: on)?) (?P<obj>[A-Z][a-z]+ \d{1,2})"),
        "birthday",
    ),
]

SUBJECT_FOR = {Voice.HUMAN: "the human", Voice.COMPANION: "the companion"}


@dataclass(frozen=True, slots=True)
class Fact:
    """One extracted edge: subject --relation--> object, from one record."""

    subject: str
    relation: str
    object: str
    record: Record


class Extractor(Protocol):
    @property
    def name(self) -> str: ...

    def extract(self, records: Sequence[Record]) -> list[Fact]: ...


def _imported_speaker(record: Record) -> str | None:
    """Who speaks in an imported turn: the human by role, anyone else by the name kept.

    Facts come from every speaker, not only the user: in a conversation between
    two people, what the other one says about their own sister is as much a fact.
    """
    role = str(record.meta.get("speaker", "")).lower()
    if role in ("user", "human"):
        return "the human"
    name = record.meta.get("name")
    if isinstance(name, str) and name.strip():
        return " ".join(name.split())
    return "the companion" if role in ("companion", "assistant", "character") else None


class RuleExtractor:
    """First-person statements by the human or the companion, matched by rules."""

    name = "rules"

    def extract(self, records: Sequence[Record]) -> list[Fact]:
        facts: list[Fact] = []
        for record in records:
            subject = SUBJECT_FOR.get(record.voice)
            if subject is None and record.voice is Voice.EXTERNAL:
                subject = _imported_speaker(record)
            if subject is None:
                continue
            facts.extend(self._facts(subject, record))
        return facts

    @staticmethod
    def _facts(subject: str, record: Record) -> list[Fact]:
        found: list[Fact] = []
        for pattern, relation in PATTERNS:
            for match in pattern.finditer(record.text):
                name = relation or _KIN_WORDS[match.group("kin").lower()]
                obj = match.group("obj").strip().rstrip(".,!;")
                if obj:
                    found.append(Fact(subject, name, obj, record))
        return found


FACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "subject": {"type": "string", "enum": ["the human", "the companion"]},
                    "relation": {"type": "string", "enum": sorted(RELATIONS)},
                    "object": {"type": "string", "maxLength": 80},
                },
                "required": ["subject", "relation", "object"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["facts"],
    "additionalProperties": False,
}


class MouthExtractor:
    """Facts proposed by a model, kept only when they validate against the schema."""

    def __init__(self, mouth: Mouth) -> None:
        self.mouth = mouth
        self.rejected = 0

    @property
    def name(self) -> str:
        return f"mouth:{self.mouth.fingerprint.digest[:16]}"

    def extract(self, records: Sequence[Record]) -> list[Fact]:
        facts: list[Fact] = []
        for record in records:
            if record.voice not in SUBJECT_FOR:
                continue
            reply = self._ask(record)
            parsed = parse_facts(reply)
            if parsed is None:
                self.rejected += 1
                continue
            facts.extend(Fact(s, r, o, record) for s, r, o in parsed)
        return facts

    def _ask(self, record: Record) -> str:
        speaker = SUBJECT_FOR[record.voice]
        messages = [
            Message(
                "system",
                "Extract durable facts stated in the message as JSON matching this schema. "
                'Use only the listed relations; return {"facts": []} when there are none.\n'
                + json.dumps(FACT_SCHEMA),
            ),
            Message("user", f"{speaker} said: {record.text}"),
        ]
        params = GenerationParams(max_tokens=256, temperature=0.0, seed=0)
        return self.mouth.complete(messages, params).text


def parse_facts(reply: str) -> list[tuple[str, str, str]] | None:
    """Strictly validate a reply against :data:`FACT_SCHEMA`; ``None`` if it does not fit."""
    try:
        data = json.loads(reply)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"facts"} or not isinstance(data["facts"], list):
        return None
    item_schema = FACT_SCHEMA["properties"]["facts"]["items"]["properties"]
    out: list[tuple[str, str, str]] = []
    for item in data["facts"]:
        if not isinstance(item, dict) or set(item) != {"subject", "relation", "object"}:
            return None
        if not all(isinstance(item[k], str) for k in item):
            return None
        if item["subject"] not in item_schema["subject"]["enum"]:
            return None
        if item["relation"] not in RELATIONS:
            return None
        obj = item["object"].strip()
        if not obj or len(obj) > item_schema["object"]["maxLength"]:
            return None
        out.append((item["subject"], item["relation"], obj))
    return out
