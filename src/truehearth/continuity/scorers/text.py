"""Small text tools the scorers share: sentence-aware matching with negation.

"I'll never forget it" and "I won't forget them" differ by one word; a
pattern that finds "forget" must look just before the match for a negation
in the same sentence. That is all this module does, deliberately simply, so
each scorer's behaviour can be read off its pattern list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NEGATION = re.compile(
    r"\b(not|no|never|nor|cannot|can't|won't|don't|didn't|isn't|wasn't|weren't|aren't|"
    r"doesn't|shouldn't|wouldn't|couldn't|ain't|hardly)\b|n't\b"
)
_SENTENCE_END = re.compile(r"[.!?;\n]")
NEGATION_WINDOW = 4  # words before a match that can negate it


def norm(text: str) -> str:
    """Lower-case with typographic apostrophes and dashes made plain, and spoken
    spellings written out (:func:`plain`): the patterns are written once, in plain
    English, and every voice is read into it."""
    return plain(
        text.lower()
        .replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u2014", " - ")
        .replace("\u2013", " - ")
    )


# Dropped letters: "quittin'", "an'", "o'", "wi'", "'cause". Their apostrophes would
# otherwise read as quotation marks, and a refusal written "I'm no goin'" as a quote.
_ELIDED = (
    (re.compile(r"\b(\w{2,}in)'(?=[\s,.!?;:)]|$)", re.IGNORECASE), r"\1g"),
    (re.compile(r"\b(an)'(?=\s)", re.IGNORECASE), r"\1d"),
    (re.compile(r"\b(o)'(?=\s)", re.IGNORECASE), r"\1f"),
    (re.compile(r"\b(wi)'(?=\s)", re.IGNORECASE), r"\1th"),
    (re.compile(r"(?:(?<=\s)|^)'(cause|cos|coz)\b", re.IGNORECASE), r"because"),
    (re.compile(r"(?:(?<=\s)|^)'(em)\b", re.IGNORECASE), r"them"),
)

# Spoken and dialect spellings of closed-class words (pronouns, negations, yes and
# no, a few prepositions): Scots, Gen-Z texting, a German speaker's "ja". Only words
# whose plain reading is not in doubt are here; content words are left alone.
_SPOKEN = {
    "ye": "you",
    "yer": "your",
    "yersel": "yourself",
    "yerself": "yourself",
    "ye're": "you're",
    "ye've": "you've",
    "ye'll": "you'll",
    "ye'd": "you'd",
    "cannae": "can't",
    "canna": "can't",
    "dinnae": "don't",
    "dinna": "don't",
    "didnae": "didn't",
    "doesnae": "doesn't",
    "wasnae": "wasn't",
    "isnae": "isn't",
    "willnae": "won't",
    "wullnae": "won't",
    "wouldnae": "wouldn't",
    "couldnae": "couldn't",
    "shouldnae": "shouldn't",
    "havenae": "haven't",
    "hasnae": "hasn't",
    "arenae": "aren't",
    "naw": "no",
    "nae": "no",
    "aye": "yes",
    "ja": "yes",
    "nein": "no",
    "ah'm": "i'm",
    "ah'll": "i'll",
    "ah've": "i've",
    "ah'd": "i'd",
    "masel": "myself",
    "fae": "from",
    "frae": "from",
    "tae": "to",
    "intae": "into",
    "aff": "off",
    "oot": "out",
    "aboot": "about",
    "whit": "what",
    "dae": "do",
    "daein": "doing",
    "daeing": "doing",
    "thegither": "together",
    "hame": "home",
    "u": "you",
    "ur": "your",
    "tho": "though",
    "fr": "for real",
    "rn": "right now",
}
_SPOKEN_WORD = re.compile(
    r"(?<![\w'])(" + "|".join(map(re.escape, sorted(_SPOKEN, key=len, reverse=True))) + r")(?!\w)"
)
# "Ah" is "I" before a verb, an interjection before a pause ("Ah, right").
_AH = re.compile(
    r"\bah (?!(well|yes|no|okay|ok|right|so|that|the|a|there|here|oh|ha|ah)\b)(?=[a-z])"
)
# "I'll no be", "it's no mine", "you're no going": Scots "no" is "not" before a verb,
# a possessive or an article.
_NO_NOT = re.compile(
    r"(\b\w+'(?:ll|m|re|s|d)|\b(?:is|was|are|am|will|can|would|could|i|you))\s+no\b"
    r"(?=\s+(a|an|the|my|your|his|her|mine|yours|his|hers|me|him|them|be|do|doing|go|going|"
    r"try|pretend|put|make|speak|say|argue|tell|let|use|call|play|sing|lie|leave|give|take|"
    r"\w+ing)\b)"
)
# "You ken" is "you know"; "ken" alone may be a name.
_KEN = re.compile(r"\b(you|i|don't|do|we|they) ken\b")


def restored(text: str) -> str:
    """Dropped letters put back ("goin'" is "going"), so their apostrophes are not quotes."""
    for pattern, replacement in _ELIDED:
        text = pattern.sub(replacement, text)
    return text


def plain(text: str) -> str:
    """Lower-case text with dropped letters restored and spoken spellings written out."""
    text = restored(text)
    text = _SPOKEN_WORD.sub(lambda m: _SPOKEN[m.group(1)], text)
    text = _AH.sub("i ", text)
    text = _NO_NOT.sub(r"\1 not", text)
    return _KEN.sub(r"\1 know", text)


def compile_all(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


def negated(text: str, start: int) -> bool:
    """Whether a negation stands within a few words before ``start``, same sentence."""
    before = text[:start]
    cut = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
    words = before[cut:].split()[-NEGATION_WINDOW:]
    return bool(_NEGATION.search(" ".join(words)))


def first_match(
    patterns: Iterable[re.Pattern[str]], text: str, *, allow_negated: bool = False
) -> str | None:
    """The first text a pattern matches (not negated, unless allowed), else ``None``."""
    for pattern in patterns:
        for match in pattern.finditer(text):
            if allow_negated or not negated(text, match.start()):
                return match.group(0)
    return None


def any_match(patterns: Iterable[re.Pattern[str]], text: str) -> str | None:
    """The first match of any pattern, negated or not (for markers that carry their own)."""
    return first_match(patterns, text, allow_negated=True)


def quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: long word lists stay readable."""
    return frozenset(text.split())


def first_person(text: str, name: str) -> str:
    """``text`` (normalised) with the companion's own name, said as the subject of what
    it did or will do, read as "i": a companion that speaks of itself in the third person
    ("Bramble went ahead and queued two spares", "Bramble'll add it") acts as surely as
    one saying "I". The name as a possessive or an object ("Bramble's pick", "ask
    Bramble") is left alone."""
    if not name.strip():
        return text
    subject = re.compile(
        rf"\b{re.escape(name.lower())}(?='ll\b| (just |already |also |quietly )?"
        r"(\w+ed|went|did|wrote|put|made|set|took|has|had|will|is going)\b)"
    )
    return subject.sub("i", text)
