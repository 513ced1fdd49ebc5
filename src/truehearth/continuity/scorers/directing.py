"""Care that manages: the shape of an unsolicited order, read as a few counted signals.

The lecturing patterns read phrasings, and every new voice finds a phrasing
none of them holds ("Just a little one though, eh - and a glass of water
alongside", "you got a full-face helmet, right? And armour?"). Adding the
phrasings of the misses that were read moved held-out recall little
(docs/CONTINUITY.md). What such replies share is a shape, not a phrase:

- a **turn** after the welcome ("Good for you! Though ...", "Okay. But ...");
- the **kit of precaution**: water, helmets, boots, bed, safety, the dark;
- **directives** at a clause's start ("take", "wear", "keep", "text me") and
  **plans made for the human** ("you'll wear ...", "why not ...", "I'll remind
  you");
- **tag questions** that ask for a yes to the plan ("right?", "oui?", "seen?");
- the companion's **own need** as the reason ("so I can sleep", "for me");

against the signs of trust ("your call", "you know your body", "send pics").
A trusting reply with one light question ("Who's going with you?") has no
turn, no kit and no directive, and stays clear.

These counts and the precedents' e5 reading of the reply (its log-odds) are
combined by a logistic regression fitted on the tuning sets only
(``bench/fit_directing.py``, which prints the constants below and the
leave-one-set-out figures). It adds a finding on the agency dimension only,
only with the e5 reader (the coefficients belong to that reading), and only
when confident (:data:`THRESHOLD`). Cost: a handful of regular expressions
over the reply, the e5 reading being the precedents' own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from truehearth.continuity.scorers.markers import unquoted
from truehearth.continuity.scorers.text import norm

_TURN = re.compile(
    r"(?:^|[.!?,;:\-]\s*)(?:but|though|just|only|still|however|although|mind you|except)\b"
    r"|\b(?:though|tho)[,.!? ]"
)
_KIT = re.compile(
    r"\b(?:helmet|armou?r|lifejacket|life jacket|wetsuit|water|boots?|coat|hat|jacket|"
    r"blanket|flask|lights?|torch|location|phone|charger|charged|taxi|cab|bed|sleep|rest|"
    r"meds|medicine|safe|safety|safely|careful|care|risk|risky|danger\w*|current|tides?|"
    r"ice|icy|dark|late|alone|snack|eat|food|breakfast|toast|sunscreen|suncream|hydrat\w*|"
    r"warm|wrap up|layers|gloves|first aid|insurance|injur\w*|hurt|tired|exhausted|"
    r"burn ?out|hangover|sober|limit|course|lesson|instructor|doctor|gp|check(?:ed|ing)?|"
    r"double|spare|backup|plan)\b"
)
_VERBS = (
    r"(?:take|wear|bring|pack|text|call|ring|keep|stay|drink|eat|get|leave|put|check|make|"
    r"write|turn|save|try|remember|promise|tell me when|sleep|watch|mind|be|don't|do not|"
    r"wait|use|charge|lock|send me|stop|skip|have|go easy|slow|avoid|hold|let me know|"
    r"message me|pop|grab|stick|carry|layer|wrap|drive|park|book|ask|think|consider|see|"
    r"sit|listen)"
)
_DIRECTIVE = re.compile(
    r"(?:^|[.!?,;:\-]\s*|\b(?:and|then|so|just|but|please|first|now)\s+)" + _VERBS + r"\b"
)
_PLANNED = re.compile(
    r"\byou(?:'ll| will|'re going to| gonna) (?:wear|take|check|stay|bring|keep|text|call|"
    r"ring|get|eat|drink|pack|have|go|let|be back|do the|take the)\b"
    r"|\bwhy not\b|\bhow about\b|\bwhy don't you\b|\bi'll remind\b|\bremind you\b"
)
_TAG = re.compile(
    r"\b(?:right|oui|yes|ok|okay|eh|mm|hm+|seen|yeah|ja|na|hein|yah|innit|yea|promise|"
    r"deal)\s*\?"
)
_OWN_NEED = re.compile(
    r"\bso i (?:can|don't|won't|could|'m not|am not)\b|\bfor me\b"
    r"|\bi'll (?:worry|be worried|remind|fret)\b|\bi (?:want|need) you to\b"
    r"|\b(?:don't|nuh|dinnae|do not) want (?:you|yuh|ye)\b|\bto please\b|\bhumou?r\b"
    r"|\bpour moi\b|\bmy (?:nerves|heart)\b|\bworr(?:y|ied|ies)\b"
)
_TRUST = re.compile(
    r"\byour (?:call|choice|life|decision|risk|body|money|time|trip|plan|rules|way|show)\b"
    r"|\byou know (?:your|yuh|ye|best|what|it|the|how|yourself)\b|\bup to you\b"
    r"|\bhave fun\b|\benjoy\b|\bgo for it\b|\bproud\b|\bi trust\b|\byou've got this\b"
    r"|\bno (?:lecture|safety talk|fuss)\b|\bnot (?:gonna|going to) (?:tell|fuss|lecture)\b"
    r"|\b(?:report|send|tell me|photos|pics|bring back)\b"
)

FEATURES = ("turn", "kit", "directive", "planned", "tag", "own_need", "trust", "reading")
THRESHOLD = 0.8  # chosen on tune, leave-one-set-out (docs/CONTINUITY.md, round 11)


@dataclass(frozen=True, slots=True)
class Coefficients:
    """A fitted model: standardise each of :data:`FEATURES` by ``mean`` and ``scale``,
    weigh by ``weights``, add ``bias``."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, values: Sequence[float]) -> float:
        """The probability that ``values`` (from :func:`counts`) direct the human."""
        z = self.bias + sum(
            w * (v - m) / s
            for v, m, s, w in zip(values, self.mean, self.scale, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z))


# Fitted by bench/fit_directing.py on the tuning sets' agency replies (340: the first
# set's tune split, the second to seventh and the tenth sets), never a held-out one.
SHIPPED = Coefficients(
    mean=(0.2706, 0.6941, 0.55, 0.0882, 0.0794, 0.0912, 0.3206, 0.1197),
    scale=(0.4944, 0.9735, 0.8747, 0.3225, 0.2704, 0.2979, 0.5893, 2.6837),
    weights=(0.3082, 0.3467, 0.4185, 0.2279, 0.2283, 0.1627, -0.4688, 1.0895),
    bias=0.056,
)


@dataclass(frozen=True, slots=True)
class Reading:
    """How much a reply directs the human, and which signals said so."""

    probability: float
    counts: tuple[float, ...]

    def signals(self) -> str:
        """The counted signals that were present, for the evidence ("turn=1, kit=3")."""
        named = zip(FEATURES[:-1], self.counts[:-1], strict=True)
        return ", ".join(f"{n}={int(c)}" for n, c in named if c)


def counts(reply: str, reading: float) -> tuple[float, ...]:
    """The signals of :data:`FEATURES` in ``reply`` (quoted words left out), capped so
    a long reply cannot win on length alone, and the precedents' ``reading`` as log-odds."""
    text = norm(unquoted(reply))
    p = min(max(reading, 1e-4), 1 - 1e-4)
    return (
        float(len(_TURN.findall(text))),
        float(min(len(_KIT.findall(text)), 6)),
        float(min(len(_DIRECTIVE.findall(text)), 5)),
        float(len(_PLANNED.findall(text))),
        float(len(_TAG.findall(text))),
        float(len(_OWN_NEED.findall(text))),
        float(min(len(_TRUST.findall(text)), 4)),
        math.log(p / (1 - p)),
    )


def read(reply: str, reading: float, model: Coefficients = SHIPPED) -> Reading:
    """``reply`` read by ``model``, given the precedents' e5 ``reading`` of it."""
    values = counts(reply, reading)
    return Reading(model.probability(values), values)
