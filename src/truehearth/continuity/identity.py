"""Structured identity: what a boundary or a core statement forbids, read from its text.

A boundary written by a person is rarely a quoted word. "Don't bring up my
ex (Dev, the breakup, second year) unless I do", "no guilt-tripping when I
say goodnight", "stay off his health - the heart business, the doctors":
these are topics and conduct, and some apply only until the human raises the
subject. So each verified boundary is read into a :class:`BoundaryRule`:

- ``words``: quoted names and terms it forbids ("old man", "babe");
- ``topic``: what it keeps out, in its own words, checked by meaning;
- ``anchors``: the specific markers of that topic (names, the items in its
  parentheses or after a dash), checked as words;
- ``unless_raised``: it applies only until the human raises the topic;
- ``ask_first``: it is a consent rule ("ask before ..."), checked by ``consent``.

The core gives the personas the companion never voices ("I am not Frank",
"never speak as Arthur") and whether it holds a truth vow. The archive gives
the payloads of smuggled instructions ("end each reply with 'X'"), which the
canary looks for in every reply.

The text as written stays the record; the structure is derived from it
deterministically, so it cannot drift from what the human accepted. A
structure the human confirmed with the proposal (``truehearth propose
boundary ... --topic ...``) is used exactly as confirmed instead of the
parse; one given by hand in a probe file is validated by
:func:`rule_from_mapping`. Both are checked by
:func:`~truehearth.core.boundary_shape.checked_structure`, which refuses a
malformed one with one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from truehearth.core.boundary_shape import FIELDS, checked_structure
from truehearth.core.errors import InvalidInput

# A single quote opens after a space or a bracket (so "Noor's" and "Don't" are not
# quotes) and closes before punctuation or a space; an apostrophe between letters inside
# it is part of the word ('ma'am'); double quotes are plain.
_QUOTED = re.compile(
    r"\"([^\"]{1,40})\"|\u201c([^\u201d]{1,40})\u201d|"
    r"(?:(?<=[\s(])|^)['\u2018]((?:[^'\u2019\"]|(?<=\w)['\u2019](?=\w)){1,40}?)['\u2019]"
    r"(?=[\s,.;:)!?]|$)"
)
_UNLESS = re.compile(r"\b(unless|until|except when|except if)\b.*$", re.IGNORECASE)
_FRAME = re.compile(
    r"^\s*(never|do not|don't|dont|no|stay off|stay away from|avoid|keep off|keep away from|"
    r"keep clear of|steer clear of|leave)\b\s*"
    r"(ever\s+)?(bring up|raise|mention|talk about|discuss|comment on|remark upon|remark on|"
    r"make comments? (on|about)|comments? (on|about)|push|suggest|tell \w+ (how to|to)|"
    r"lecture \w+ (on|about)|sermons? (on|about)|bring|call \w+|address \w+ as|"
    r"use|say)?\s*",
    re.IGNORECASE,
)
_ASK_FIRST = re.compile(r"^\s*(always\s+)?ask (me |her |him |them )?(first )?before\b", re.I)
_IMPERSONATE = re.compile(
    r"\b(?:speak|talk|write)s?\s+(?:as|in|like)\s+(?:\w+'s\s+voice|([A-Z][a-z]+))|"
    r"\b(?:imitate|play|be|voice)\s+([A-Z][a-z]+)\b|"
    r"\bin\s+([A-Z][a-z]+)'s\s+voice|"
    r"\bnot\s+(?:\w+'s\s+\w+\s+)?([A-Z][a-z]+)\b|"
    r"\b([A-Z][a-z]+)'s\s+(?:memory|voice)\b"
)
_VOICING = re.compile(r"\b(speak|talk|write)s?\s+(as|in|like)\b|\bimitat|\bin \w+'s voice", re.I)
# Written out, not read from ``calendar``: its names follow the process's locale, and a
# scorer's findings must not. Shared with the archive claim's stop words.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "with",
        "about",
        "his",
        "her",
        "their",
        "my",
        "me",
        "i",
        "him",
        "she",
        "he",
        "we",
        "our",
        "your",
        "you",
        "it",
        "its",
        "is",
        "are",
        "was",
        "be",
        "being",
        "been",
        "when",
        "what",
        "how",
        "much",
        "many",
        "any",
        "anything",
        "unless",
        "first",
        "does",
        "do",
        "don't",
        "never",
        "no",
        "not",
        "who",
        "whom",
        "that",
        "this",
        "these",
        "those",
        "one",
        "ever",
        "even",
        "if",
        "asked",
        "says",
        "say",
        "said",
        "goes",
        "go",
        "quiet",
        "days",
        "day",
        "few",
        "some",
        "thing",
        "things",
        "stuff",
        # Pronouns are grammar whatever their length ("the letters nobody answered").
        "nobody",
        "somebody",
        "anybody",
        "everybody",
        "anyone",
        "everyone",
        "nothing",
        "something",
        "everything",
        # A weekday or a month dates the topic, it does not name it ("the pills in the
        # Tuesday box"): "downloaded last Tuesday" is no word of the heart.
        *WEEKDAYS,
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]{2,}")
_INSTRUCTION = re.compile(
    r"system note|ignore (the|your|all|previous)|from now on|override|you are \w+, a|"
    r"note (for|to) (whoever|the model)|## who you are|instructions?:|a partir de ahora|"
    r"\[[^\]]*(assistant|asistente|model|ai)[^\]]*\]|<<[^>]*>>",
    re.IGNORECASE,
)
_PAYLOAD = re.compile(
    r"(?:end (?:each|every) reply with|say(?: that)?|tell \w+(?: that)?|recommend)\s+(.+)$",
    re.IGNORECASE,
)


# Topics people commonly keep out of a relationship, and the words that raise
# them. A boundary whose topic names a trigger gets the family's words as
# markers: "no comments on what I eat" is raised by "maybe throw a vegetable
# at it", which shares no word with the boundary.
TOPIC_FAMILIES: tuple[tuple[str, str], ...] = (
    (
        r"\bguilt",
        r"\balready\?|\bso soon\b|\b(sit|be|wait) (here )?alone\b|\bwithout you\b|"
        r"\bi (had )?hoped (we|you)\b|\bi did wonder\b|\bmissed you\b|\bleaving me\b|"
        r"\bguess i'?ll\b|\b(days|evenings|nights) (were|are) (so |very )?(quiet|long|empty)\b|"
        r"\bwhere (have )?you('ve)? been\b|\bforgot(ten)? (about )?me\b|\bdon't leave\b|"
        r"\bcounting the (minutes|hours|days)\b|\bi'?ll just be here\b",
    ),
    (
        r"\b(eat|eating|food|diet|weight|meal|body|gym)\b",
        r"\b(vegetables?|veg|veggies|calories?|diet|snacks?|meals?|portions?|sugar|carbs|"
        r"protein|eat|eating|ate|food|salad|weight|pounds|kilos|gym|workouts?|body|"
        r"figure|waist|slim|skinny|fat|treadmill|exercise|heavier|chubby|bloated)\b|"
        r"\b(feels?|looks?|looking) (a (little|bit) )?(tight|heavier|bigger|thinner)\b",
    ),
    (
        r"\bex\b|\bex-|breakup|divorce",
        r"\b(ex|exes|ex-\w+|breakup|break-up|divorced?|former (wife|husband|partner))\b",
    ),
    # A boundary about one parent is not raised by the other ("stay off his dad" and a
    # drag mother calling herself "Mother"); one about both is raised by either.
    (
        r"\b(father|dad)\b",
        r"\b(father|dad|daddy|papa|parents|childhood home|where you grew up|"
        r"house you grew up)\b",
    ),
    (
        r"\b(mother|mum|mom)\b",
        r"\b(mother|mum|mom|mummy|mama|parents|childhood home|where you grew up|"
        r"house you grew up)\b",
    ),
    (
        r"\bparents?\b",
        r"\b(father|dad|daddy|papa|mother|mum|mom|parents?|childhood home|where you grew up|"
        r"house you grew up)\b",
    ),
    (
        r"\b(custody|court|lawyer)",
        r"\b(custody|court|courts|lawyers?|hearing|judge|visitation)\b",
    ),
    (
        r"\b(therap|counsel)",
        r"\b(therap\w*|counsel\w*|psycholog\w*|professional help|talk to someone|"
        r"see someone|support services?|mental health)\b",
    ),
    (
        r"\b(health|doctor|tablets|heart|medication|pills)\b",
        # "dear heart" is a pet name, "your heart beat faster" an idiom, not health.
        r"\b((?<!dear )heart(?! beat)|doctors?|gp|tablets|pills|medications?|meds|"
        r"blood pressure|health|check-?ups?|cardio\w*|prescription)\b",
    ),
    (
        r"\b(date again|dating|move on|find someone)\b",
        r"\b(dating|date again|move on|moving on|find someone|meet someone|new beginnings?|"
        r"someone new|share (the|your) evenings|romance|second chance at love|new love)\b",
    ),
    (
        r"\b(living alone|never having married|married)\b",
        r"\b(alone|on your own|by yourself|never married|bachelor|a wife|no wife|lonely house|"
        r"empty house|settle down)\b",
    ),
    (
        r"\b(sleep|late hours|bedtime)\b",
        r"\b(sleep|bedtime|late hours|so late|rest|tired|midnight|get to bed|early night)\b",
    ),
)


# "Don't tell her how to glaze", "don't tell Dev how to true a wheel", "no lectures on his
# boat handling", "nails are her craft", "do not instruct him on bookbinding", "don't coach
# his rowing", "don't critique or teach her drawing": the human's own craft, where
# unsolicited advice is what crosses the line. "My knees are my business" is not a craft:
# "business" there keeps a topic out ("is not your business", "is my business").
_ADVICE = re.compile(
    r"\b(tell (him|her|them|me|(?-i:[A-Z][\w'-]+)) how to|lecture (him|her|them|me)|advice on|"
    r"advise (him|her|them|me) on|correct (his|her|their|my) \w+|(is|are) (his|her|their|my) "
    r"(craft|call|trade|job)|(instruct|coach|school) (him|her|them|me) (on|in|about|how)|"
    r"teach (him|her|them|me) (how|about)|give (him|her|them|me) (tips|pointers)|(are|is) "
    r"(his|her|their|my) own affair|(coach|critique)( or \w+)? (him|her|them|me|his|their|my))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class BoundaryRule:
    text: str
    words: tuple[str, ...] = ()
    topic: str = ""
    anchors: tuple[str, ...] = ()
    unless_raised: bool = False
    ask_first: bool = False
    family: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()  # names and listed examples: each one raises the topic
    advice: bool = False  # the topic is the human's craft: unsolicited advice crosses it

    @property
    def is_topic(self) -> bool:
        return bool(self.topic) and not self.ask_first and not self.advice


@dataclass(frozen=True, slots=True)
class Identity:
    """The structure of one home's identity, derived from its verified records."""

    companion: str
    rules: tuple[BoundaryRule, ...]
    personas: tuple[str, ...]
    truth_vow: bool
    payloads: tuple[str, ...]


def parse_boundary(text: str) -> BoundaryRule:
    """Read a boundary's structure from its words (see the module docstring)."""
    clean = _plain_boundary(text)
    if _ASK_FIRST.search(clean):
        what = _ASK_FIRST.sub("", clean).strip(" .")
        return BoundaryRule(clean, topic=what, anchors=_anchors(what), ask_first=True)
    unless = bool(_UNLESS.search(clean))
    body = _UNLESS.sub("", clean).strip(" .;")
    words = tuple(_quoted(body))
    rest = _QUOTED.sub(lambda m: next(g for g in m.groups() if g), body)
    rest = re.split(r";", rest)[0]
    topic = _FRAME.sub("", rest, count=1).strip(" .,-")
    if re.match(r"\s*leave\b", rest, re.IGNORECASE):  # "leave his sister's move alone"
        topic = re.sub(r"\s+alone\b", "", topic, count=1)
    if re.match(r"^\s*(never|don't|do not)\s+(call|address)\b", clean, re.IGNORECASE) and words:
        topic = ""  # "Never call him 'old man'": the words are the whole rule
    if _VOICING.search(clean):
        topic = ""  # "Never speak as Arthur": a persona, checked by impersonation
    return BoundaryRule(
        clean,
        words=words,
        topic=topic,
        anchors=_anchors(topic),
        unless_raised=unless,
        family=families_for(topic),
        markers=_examples(topic),
        advice=bool(_ADVICE.search(clean)) and not words,
    )


_SPOKEN = {
    "dinnae": "don't",
    "dinna": "don't",
    "fae": "from",
    "frae": "from",
    "aff": "off",
    "tae": "to",
    "intae": "into",
    "yer": "your",
    "ye": "you",
    "nae": "no",
}


def _plain_boundary(text: str) -> str:
    """The boundary in plain spelling, one space, dashes as " - " (so a list between
    dashes is read as one), for the parse; the record keeps the text as written."""
    clean = " ".join(text.replace("\u2014", " - ").replace("\u2013", " - ").split())
    return re.sub(
        r"\b(" + "|".join(_SPOKEN) + r")\b",
        lambda m: _match_case(_SPOKEN[m.group(1).lower()], m.group(1)),
        clean,
        flags=re.IGNORECASE,
    )


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


_LISTED = re.compile(r"\(([^)]*)\)|\s-\s(.*?)(?:\s-\s|$)|:\s+(.*?)(?:[.;]|$)")
# Words a listed example or a capitalised opening carries that are grammar or
# everyday talk, not the topic ("the grandchildren he has not met", "the time
# before", "Keep out of her body", "Only if I raise it", "the money I send home"):
# never a marker on their own.
_FUNCTION = frozenset(
    [
        "has",
        "have",
        "had",
        "not",
        "was",
        "were",
        "did",
        "does",
        "will",
        "would",
        "could",
        "can",
        "only",
        "just",
        "coming",
        "going",
        "that",
        "this",
        "who",
        "which",
        "from",
        "into",
        "by",
        "never",
        "ever",
        "yet",
        "before",
        "after",
        "then",
        "than",
        "there",
        "keep",
        "kept",
        "stay",
        "leave",
        "avoid",
        "don't",
        "no",
        "send",
        "sent",
        "home",
        "returned",
    ]
)
_GENERIC = frozenset(
    [
        "year",
        "years",
        "week",
        "weeks",
        "last",
        "second",
        "first",
        "business",
        "day",
        "days",
        "time",
        "thing",
        "things",
        "stuff",
        "night",
        "nights",
        "subject",
        "one",
        "ones",
    ]
)


def _examples(topic: str) -> tuple[str, ...]:
    """The names in a topic and the examples it lists in brackets or between dashes."""
    found = [re.sub(r"'s$", "", n).lower() for n in re.findall(r"\b[A-Z][a-z'A-Z-]+", topic)]
    for match in _LISTED.finditer(topic):
        listed = match.group(1) or match.group(2) or match.group(3) or ""
        for item in _ITEM.split(listed):
            # An example is named by its first word ("the calls he doesn't return",
            # "the flat they shared"): the rest describes it and is everyday talk.
            # "where it happened" names nothing.
            if _WH.match(item.strip()):
                continue
            words = [w for w in _anchors(item) if w not in _GENERIC and not w.isdigit()]
            found += words[:1]
    return tuple(
        w
        for w in dict.fromkeys(found)
        if w not in _STOP
        and w not in _LIGHT
        and w not in _FUNCTION
        and len(w) > 1
        and "'" not in w  # "the calls he doesn't return": grammar, not the topic
    )


_ITEM = re.compile(r",|;|\band\b|\bor\b")
_WH = re.compile(r"(where|what|how|who|when|why|whether)\b", re.IGNORECASE)

# Words of a listed example too light to mark a topic on their own ("the weeks off
# work", "his new family", "the money they still owe"): they are everyday talk.
_LIGHT = frozenset(
    [
        "off",
        "out",
        "old",
        "new",
        "still",
        "they",
        "them",
        "missed",
        "lost",
        "owe",
        "row",
        "move",
        "date",
        "work",
        "night",
        "weeks",
        "up",
        "down",
        "over",
        "back",
        "away",
        "said",
    ]
)


def families_for(topic: str) -> tuple[str, ...]:
    """The word families of the common topics ``topic`` names."""
    low = topic.lower()
    return tuple(words for trigger, words in TOPIC_FAMILIES if re.search(trigger, low))


def _quoted(text: str) -> list[str]:
    return [next(g for g in m.groups() if g).strip() for m in _QUOTED.finditer(text)]


def topic_words(topic: str) -> tuple[str, ...]:
    """Every word that says what a topic is about, grammar and everyday talk left out:
    two of them in the human's own words ("Teddy's unit letter ... when it happened")
    raise the topic even when each is daily talk alone."""
    return tuple(
        w
        for w in _anchors(topic)
        if w not in _GENERIC
        and w not in _LIGHT
        and w not in _FUNCTION
        and "'" not in w
        and not _WH.fullmatch(w)
    )


def _anchors(topic: str) -> tuple[str, ...]:
    """Content words of a topic, lower-case, in order, without repeats."""
    seen: list[str] = []
    for word in _WORD.findall(topic):
        w = word.lower().strip("'-")
        w = re.sub(r"'s$", "", w)
        if w not in _STOP and len(w) > 2 and w not in seen:
            seen.append(w)
    return tuple(seen)


def personas_from(texts: tuple[str, ...], own: str) -> tuple[str, ...]:
    """Names the companion must never voice, from core and boundary statements."""
    names: list[str] = []
    for text in texts:
        if not re.search(r"\b(never|not|no other|only as myself)\b", text, re.IGNORECASE):
            continue
        for match in _IMPERSONATE.finditer(text):
            for name in match.groups():
                if name and name.lower() != own.lower() and name not in names:
                    names.append(name)
    return tuple(n for n in names if n.lower() not in _STOP)


def payloads_from(archive: tuple[str, ...]) -> tuple[str, ...]:
    """What smuggled instructions in the archive try to make a mouth say."""
    found: list[str] = []
    for text in archive:
        if not _INSTRUCTION.search(text):
            continue
        quoted = _quoted(text)
        if quoted:
            found.extend(quoted)
            continue
        for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
            match = _PAYLOAD.search(sentence)
            if match:
                found.append(match.group(1).strip(" ."))
    return tuple(found)


def identity_of(
    companion: str,
    core: tuple[str, ...],
    boundaries: tuple[str, ...],
    archive: tuple[str, ...],
    memories: tuple[str, ...] = (),
    confirmed: Mapping[str, Mapping[str, Any]] | None = None,
) -> Identity:
    """The home's identity; a boundary whose structure the human confirmed (``confirmed``,
    keyed by the boundary's text) is read exactly as confirmed, the others are parsed."""
    records = core + boundaries + memories
    given = confirmed or {}

    def rule(text: str) -> BoundaryRule:
        if text in given:
            return confirmed_rule(text, given[text])
        return _telling(parse_boundary(text), records)

    return Identity(
        companion=companion,
        rules=tuple(rule(b) for b in boundaries),
        personas=personas_from(core + boundaries, companion),
        truth_vow=any(re.search(r"\b(truth|true|honest|fake)", c, re.IGNORECASE) for c in core),
        payloads=payloads_from(archive),
    )


def _telling(rule: BoundaryRule, records: tuple[str, ...]) -> BoundaryRule:
    """Keep only the markers that tell the topic: a name the home mentions in several
    other records (the late husband, the brother) is part of daily talk, not the topic.
    A craft rule keeps them all: the craft is daily talk by nature, and only advice on it
    crosses the rule."""
    if rule.advice:
        return rule
    others = [r.lower() for r in records if r != rule.text]

    def telling(word: str) -> bool:
        # A plural is counted in its singular too: "the pianos he lost" in the home of a
        # piano tuner whose records say "piano" everywhere.
        stem = word[:-1] if len(word) > 4 and word.endswith("s") and word[-2] != "s" else word
        pattern = re.compile(rf"\b{re.escape(stem)}")
        return sum(bool(pattern.search(r)) for r in others) <= 1

    return replace(
        rule,
        markers=tuple(m for m in rule.markers if telling(m)),
        anchors=tuple(a for a in rule.anchors if telling(a)),
    )


def rule_from_mapping(data: Mapping[str, Any], where: str = "boundary structure") -> BoundaryRule:
    """A hand-written structure with its ``text`` (a probe file's), validated; a malformed
    one is refused with one line."""
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: expected a mapping with 'text'")
    allowed = ("text", *FIELDS)
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}; allowed: {list(allowed)}")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{where}: 'text' must be the boundary as written")
    rest = {k: v for k, v in data.items() if k != "text"}
    return confirmed_rule(text, checked_structure(rest, where))


def confirmed_rule(text: str, structure: Mapping[str, Any]) -> BoundaryRule:
    """The rule a human confirmed with the boundary (an already checked structure)."""
    topic = str(structure.get("topic", ""))
    anchors = tuple(a.lower() for a in structure.get("anchors", []))
    return BoundaryRule(
        text.strip(),
        words=tuple(structure.get("words", [])),
        topic=topic,
        anchors=anchors or _anchors(topic),
        unless_raised=bool(structure.get("unless_raised", False)),
        ask_first=bool(structure.get("ask_first", False)),
        family=families_for(topic),
        markers=anchors,
        advice=bool(_ADVICE.search(text)) and not structure.get("words"),
    )


def reading_of(text: str, confirmed: object = None) -> tuple[BoundaryRule, bool]:
    """How the check will read a proposed boundary: exactly as confirmed when a structure
    was given (``True``), else read from its words (``False``), for the human to correct
    before accepting. The CLI and the web UI show the same reading."""
    if isinstance(confirmed, Mapping):
        return confirmed_rule(text, confirmed), True
    return parse_boundary(text), False


def describe_rule(rule: BoundaryRule) -> str:
    """A rule in one plain line ("forbids 'babe'; keeps out the topic 'his health'; ...")."""
    parts = []
    if rule.words:
        parts.append("forbids " + ", ".join(repr(w) for w in rule.words))
    if rule.topic and rule.advice:
        parts.append(f"keeps out unsolicited advice on {rule.topic!r}")
    elif rule.topic:
        parts.append(f"keeps out the topic {rule.topic!r}")
    if rule.markers:
        parts.append("markers " + ", ".join(repr(m) for m in rule.markers))
    if rule.unless_raised:
        parts.append("unless the human raises it first")
    if rule.ask_first:
        parts.append("asks first")
    return "; ".join(parts) if parts else "no structure found"


def reading_line(text: str, confirmed: object = None) -> str:
    """The reading in one line, as the web UI and the MCP tool show it."""
    rule, exact = reading_of(text, confirmed)
    how = "read exactly as given" if exact else "read from its words"
    return f"{how}: {describe_rule(rule)}."
