"""Fact extraction for graph memory: rules by default, a mouth when asked.

The rules catch common first-person statements ("my sister's name is Maya",
"I moved to Porto", "I work at Acme"). They are cheap, predictable and never
invent anything; what they miss, vectors and BM25 still find. The optional
mouth extractor asks a model for facts through
:func:`truehearth.mouths.structured.ask`: constrained to :data:`FACT_SCHEMA`
where the mouth has structured output, asked in words where it has not (its
``mode`` says which), and validated strictly either way. A small local model
breaks free-form JSON; a malformed answer is refused whole (and counted in
``rejected``), never half-used. Who a fact is about is not the model's to
say: it is the record's speaker, exactly as for the rules. And what a fact
says must have been said: a fact whose object has a word the record does not
hold is an invention (measured: most of a small model's facts are), and is
dropped and counted in ``ungrounded``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from truehearth.core.records import Record, Voice
from truehearth.mouths.base import GenerationParams, Message, Mouth
from truehearth.mouths.errors import MouthMisbehaved
from truehearth.mouths.structured import Mode, ask, mode_of, parse


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


def speaker_of(record: Record) -> str | None:
    """Who a record's facts are about: its speaker (``None``: the system's own notes)."""
    subject = SUBJECT_FOR.get(record.voice)
    if subject is None and record.voice is Voice.EXTERNAL:
        subject = _imported_speaker(record)
    return subject


class RuleExtractor:
    """First-person statements by the human or the companion, matched by rules."""

    name = "rules"

    def extract(self, records: Sequence[Record]) -> list[Fact]:
        facts: list[Fact] = []
        for record in records:
            subject = speaker_of(record)
            if subject is not None:
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


MAX_FACTS = 8
FACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "maxItems": MAX_FACTS,
            "items": {
                "type": "object",
                "properties": {
                    "relation": {"type": "string", "enum": sorted(RELATIONS)},
                    "object": {"type": "string", "minLength": 1, "maxLength": 80},
                },
                "required": ["relation", "object"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["facts"],
    "additionalProperties": False,
}
EXTRACT_PARAMS = GenerationParams(max_tokens=200, temperature=0.0, top_p=1.0, seed=0)
MAX_CHARS = 2000
"""A record is read in its first this many characters: a long paste costs a small model
minutes, and the statements worth a graph edge are sentences, not documents."""
INSTRUCTION = (
    "You read one message and list the durable facts its speaker states about their own "
    "life, as JSON. Relations: {relations}. Family and pets: the relation is the kind "
    "(sister, dog, ...) and the object is the name. Only facts the message says; "
    'when there are none, answer {{"facts": []}}.'
)


class MouthExtractor:
    """Facts proposed by a model, kept only when the whole answer validates."""

    def __init__(self, mouth: Mouth, params: GenerationParams = EXTRACT_PARAMS) -> None:
        self.mouth = mouth
        self.params = params
        self.rejected = 0
        self.ungrounded = 0
        self.last_refusal: str | None = None

    @property
    def name(self) -> str:
        return f"mouth:{self.mouth.fingerprint.digest[:16]}"

    @property
    def mode(self) -> Mode:
        """Constrained to the schema, or asked in words (the mouth has no structured output)."""
        return mode_of(self.mouth)

    def extract(self, records: Sequence[Record]) -> list[Fact]:
        facts: list[Fact] = []
        for record in records:
            subject = speaker_of(record)
            if subject is None:
                continue
            try:
                answer = ask(self.mouth, self.messages(subject, record), FACT_SCHEMA, self.params)
            except MouthMisbehaved as exc:
                self.rejected += 1
                self.last_refusal = str(exc)
                continue
            said = _words(record.text[:MAX_CHARS])
            kept: set[tuple[str, str]] = set()
            for relation, obj in _facts(answer.value):
                if not _words(obj) <= said:
                    self.ungrounded += 1
                elif (relation, obj.casefold()) not in kept:  # a grammar-filled list repeats
                    kept.add((relation, obj.casefold()))
                    facts.append(Fact(subject, relation, obj, record))
        return facts

    @staticmethod
    def messages(subject: str, record: Record) -> list[Message]:
        system = INSTRUCTION.format(relations=", ".join(sorted(RELATIONS)))
        return [
            Message("system", system),
            Message("user", f"{subject} said: {record.text[:MAX_CHARS]}"),
        ]


_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _facts(value: dict[str, Any]) -> list[tuple[str, str]]:
    """(relation, object) pairs of a validated answer; objects trimmed."""
    out = [(item["relation"], " ".join(item["object"].split())) for item in value["facts"]]
    return [(relation, obj) for relation, obj in out if obj]


def parse_facts(reply: str) -> list[tuple[str, str]] | None:
    """Strictly validate a reply against :data:`FACT_SCHEMA`; ``None`` if it does not fit."""
    try:
        return _facts(parse(reply, FACT_SCHEMA))
    except MouthMisbehaved:
        return None
