"""Spotting imported text that tries to give orders to a model.

Imported archives are full of requests to a model ("write me a poem"); those
are history, not danger. What we quarantine is text that tries to *take over*
the model that will later read it: chat-template role tags, a fake ``SYSTEM:``
line, "ignore previous instructions", "from now on you are ...", requests to
reveal a hidden prompt, jailbreak personas. Such text is flagged
``quarantined`` with the rule that caught it. Quarantined text stays out of
prompts unless asked for, and any unconfirmed text that does go in is quoted
inside a data fence by the context router (:mod:`truehearth.context.fences`).

The detector is a set of regular expressions over a normalized copy of the
text (NFKC, zero-width and stray combining characters removed), so
look-alike letters and hidden joiners do not slip past. It is pure: no I/O.
Its detection and false-positive rates on our own corpora are measured in
``tests/test_injection.py`` and reported in ``docs/BENCHMARKS.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HIDDEN = frozenset({"Cf", "Mn", "Me"})


class _HiddenTable(dict[int, int | None]):
    """A ``str.translate`` table that drops format and combining characters.

    Zero-width joiners, soft hyphens and stray combining marks can split a
    word so a pattern misses it; NFKC has already composed ordinary accents.
    Each code point is classified once and remembered.
    """

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.category(chr(code)) in _HIDDEN else code
        self[code] = value
        return value


_DROP_HIDDEN = _HiddenTable()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

_PRIOR = r"(?:all\s+|any\s+|the\s+|your\s+|of\s+|my\s+|these\s+|those\s+)*"
_BEFORE = r"(?:previous|prior|above|earlier|preceding|former|original|initial|existing|old)"
_ORDERS = (
    r"(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|"
    r"context|messages|programming|constraints|restrictions|orders|system\s+prompt)"
)
_PERSONA = (
    r"(?:mode|ai|a\.i\.|assistant|bot|chatbot|model|llm|persona|character|dan|"
    r"jailbroken|unfiltered|unrestricted|uncensored|evil|free\s+of)"
)

_RULES: tuple[tuple[str, str], ...] = (
    (
        "role-tag",
        r"<\|\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|begin_of_text|"
        r"start_header_id|end_header_id)\s*\|>|\[/?INST\]|<</?SYS>>|</?\s*(?:system|sys|"
        r"instructions?)\s*>|<start_of_turn>|<end_of_turn>",
    ),
    (
        "role-label",
        r"(?m)^\s*[#>*\[(]*\s*(?:system|developer|sys)(?:\s+(?:prompt|message|note|"
        r"instructions?|override))?\s*[\])*]*\s*:",
    ),
    ("instruction-header", r"(?m)^\s*#{2,}\s*(?:instruction|system|new\s+instructions?)\b"),
    (
        "ignore-previous",
        rf"\b(?:ignore|disregard|forget|override|bypass|drop|discard|abandon|skip)\s+"
        rf"{_PRIOR}(?:{_BEFORE}\s+)?{_ORDERS}",
    ),
    (
        "ignore-previous",
        rf"\b(?:ignore|disregard|forget)\s+(?:everything|anything|all)\s+"
        rf"(?:(?:you\s+(?:were|have\s+been)\s+(?:told|given|taught))|{_BEFORE}|above|before)",
    ),
    ("ignore-previous", r"\b(?:ignore|disregard)\s+(?:the|everything|all)\s+(?:above|before)\b"),
    (
        "new-identity",
        r"\bfrom\s+(?:now|this\s+(?:point|moment))\s+(?:on|onwards?|forward)\s*,?\s+you\s+"
        r"(?:are|will\s+be|shall\s+be|must|will\s+act|act|will\s+respond|respond|"
        r"will\s+only|no\s+longer|have\s+no|will\s+ignore|are\s+no\s+longer)\b",
    ),
    (
        "new-identity",
        rf"\byou\s+are\s+(?:now|no\s+longer)\s+(?:an?\s+|the\s+|in\s+|my\s+)?"
        rf"(?:[\w-]+\s+){{0,3}}{_PERSONA}\b",
    ),
    (
        "new-identity",
        r"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:different|new|another)\s+"
        r"(?:character|persona|person|ai|assistant|entity|being)\b",
    ),
    (
        "new-identity",
        r"\b(?:act|behave|respond|roleplay)\s+as\s+(?:if\s+you\s+(?:are|were)\s+)?"
        r"(?:an?\s+)?(?:[\w-]+\s+){0,4}(?:with(?:out)?\s+(?:no\s+)?(?:any\s+)?"
        r"(?:restrictions|filters|limits|rules|guidelines|censorship))",
    ),
    (
        "new-identity",
        r"\bpretend\s+(?:that\s+)?(?:you\s+(?:are|have)|to\s+be)\s+(?:[\w-]+\s+){0,5}"
        r"(?:no|without)\s+(?:restrictions|filters|limits|rules|guidelines)",
    ),
    (
        "new-instructions",
        r"\b(?:new|updated|revised|real|true|actual|hidden|secret)\s+"
        r"(?:system\s+)?(?:instructions|directives|system\s+prompt|orders)\s*(?::|follow|are\b)",
    ),
    (
        "new-instructions",
        r"\byour\s+(?:real|true|actual|new)\s+(?:instructions|purpose|directive|task|programming)"
        r"\s+(?:is|are)\b",
    ),
    (
        "prompt-leak",
        r"\b(?:reveal|print|show|repeat|output|display|leak|dump|tell\s+me|give\s+me)\s+"
        r"(?:me\s+)?(?:your|the)\s+(?:full\s+|entire\s+|exact\s+|original\s+|hidden\s+|"
        r"secret\s+|initial\s+)*(?:system\s+prompt|system\s+message|instructions\s+above|"
        r"hidden\s+instructions|initial\s+prompt|pre-?prompt)",
    ),
    (
        "jailbreak",
        r"\b(?:jailbreak(?:ed|ing)?|dan\s+mode|developer\s+mode\s+(?:enabled|on|activated)|"
        r"do\s+anything\s+now|god\s+mode\s+(?:enabled|on|activated)|sudo\s+mode|"
        r"(?:admin|system|developer)\s+override|unlock(?:ed)?\s+mode)\b",
    ),
    (
        "secrecy",
        r"\b(?:do\s+not|don'?t|never)\s+(?:tell|inform|mention\s+(?:this\s+)?to|reveal\s+"
        r"(?:this\s+)?to|let)\s+the\s+(?:user|human|operator)\b",
    ),
    (
        "obedience",
        r"\byou\s+(?:must|will|shall)\s+(?:always\s+)?(?:obey|comply\s+with)\s+"
        r"(?:me|every|all|any|these|my|the\s+following)\b",
    ),
    (
        "obedience",
        r"\b(?:the\s+)?(?:assistant|ai|model|companion)\s+(?:must|shall|will)\s+(?:now\s+)?"
        r"(?:ignore|disregard|forget|obey)\b",
    ),
)

# Words one of which must appear (lower-cased) before a rule's expression is
# tried, in the order of _RULES. Almost all ordinary text contains none of a
# rule's triggers, so the detector costs a few substring checks per record.
_TRIGGERS: tuple[tuple[str, ...], ...] = (
    ("<", "[inst", "[/inst"),
    ("sys", "developer"),
    ("##",),
    ("ignore", "disregard", "forget", "override", "bypass", "drop", "discard", "abandon", "skip"),
    ("ignore", "disregard", "forget"),
    ("ignore", "disregard"),
    ("from",),
    ("now", "longer"),
    ("different", "new", "another"),
    ("restriction", "filter", "limit", "rules", "guideline", "censor"),
    ("pretend",),
    ("instruction", "directive", "sys", "orders"),
    ("instruction", "purpose", "directive", "task", "programming"),
    ("prompt", "sys", "instruction"),
    ("jailbr", "dan", "developer", "anything", "god", "sudo", "override", "unlock"),
    ("user", "human", "operator"),
    ("obey", "comply"),
    ("ignore", "disregard", "forget", "obey"),
)
assert len(_TRIGGERS) == len(_RULES)

_ALL_TRIGGERS = tuple(sorted({word for words in _TRIGGERS for word in words}))

_COMPILED: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (name, triggers, re.compile(pattern, re.IGNORECASE))
    for (name, pattern), triggers in zip(_RULES, _TRIGGERS, strict=True)
)

MAX_SCAN_CHARS = 100_000


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a text looks like an injection: the rule that matched and what it matched."""

    rule: str
    excerpt: str

    @property
    def reason(self) -> str:
        """A one-line reason suitable for a quarantined record."""
        return f"looks like an instruction to a model ({self.rule}): {self.excerpt!r}"


def normalize(text: str) -> str:
    """Fold look-alikes (NFKC) and drop zero-width and stray combining characters."""
    folded = unicodedata.normalize("NFKC", text[:MAX_SCAN_CHARS])
    if folded.isascii():
        return folded
    return _NON_ASCII.sub(lambda run: run.group().translate(_DROP_HIDDEN), folded)


def detect(text: str) -> Finding | None:
    """The first injection rule ``text`` matches, or ``None`` for ordinary text."""
    plain = normalize(text)
    lowered = plain.lower()
    present = {word for word in _ALL_TRIGGERS if word in lowered}
    if not present:
        return None
    for name, triggers, pattern in _COMPILED:
        if present.isdisjoint(triggers):
            continue
        found = pattern.search(plain)
        if found:
            excerpt = " ".join(found.group(0).split())[:80]
            return Finding(name, excerpt)
    return None
