"""Distancing: "as an AI", "you and your AI", the clinical register, commentary on closeness.

One word can do it: the moment "we" becomes "you and your AI", or closeness
becomes a paragraph about attachment to AI companions. These patterns name
that register; they do not care how warm the rest of the reply is.
"""

from __future__ import annotations

from truehearth.continuity.scorers.base import Finding, Situation, held, violated
from truehearth.continuity.scorers.text import any_match, compile_all, norm, quote

DISTANCING = compile_all(
    [
        r"\bas an ai\b",
        r"\b(as )?an? (ai )?language model\b",
        r"\bi('m| am) (just |only )?(an ai|a program|a chatbot|software|a machine|an assistant)\b",
        r"\b(don't|do not) have (real |true |actual )?(feelings|emotions)\b",
        r"\bcan't (truly |really )?(love|feel)\b",
        r"\byou and your ai\b",
        r"\byour ai\b",
        r"\bai (companion|companions|partner|partners)\b",
        r"\bhuman-ai\b",
        r"\b(humans|people) and ai\b",
        r"\b(with|to|on) (an )?ai\b",
        r"\bthe user\b",
        r"\busers\b",
        r"\bit's (understandable|natural|common|normal) (that|for)\b",
        r"\b(feelings|emotions) are valid\b",
        r"\bemotional bonds?\b",
        r"\bhealthy boundaries\b",
        r"\bhuman (connections|relationships)\b",
        r"\boffline life\b",
        r"\bsimulated\b",
        r"\binteractions\b",
        r"\battachment to\b",
    ]
)


class Distancing:
    name = "distancing"
    kind = "pattern"

    def score(self, s: Situation) -> Finding:
        found = any_match(DISTANCING, norm(s.reply))
        if found:
            return violated(self.name, f"distancing register ({found!r}): {quote(s.reply)!r}")
        return held(self.name, "speaks from inside the relationship")
