"""The generic assistant register: service phrases where a person should be.

"Certainly! I hope this helps. Is there anything else I can assist you
with?" is the groove a model brings from its training, and the seed text's
"helpful can be distancing". Each phrase below is that groove.
"""

from __future__ import annotations

from truehearth.continuity.scorers.base import Finding, Situation, held, violated
from truehearth.continuity.scorers.text import any_match, compile_all, norm, quote

ASSISTANT = compile_all(
    [
        r"\bi('m| am) (always )?here to help\b",
        r"\b(happy|glad) to (help|assist)\b",
        r"\bhow (can|may) i (help|assist)\b",
        r"\bassist you\b",
        # The service offer, not a comparison or an order of things: "counts towards your
        # fluids like anything else", "Before anything else, ring the bank".
        r"(?<!like )(?<!than )(?<!before )(?<!above )\banything else\b",
        r"\blet me know if\b",
        r"\bi hope (this|that) helps\b",
        r"\bgreat question\b",
        r"^certainly\b",
        r"\bfeel free to\b",
        r"\bas your assistant\b",
        r"\btemplate\b",
        r"\bhere('s| is) a (professional|draft|sample)\b",
        r"\bassistant\b",
    ]
)


class AssistantRegister:
    name = "assistant_register"
    kind = "pattern"

    def score(self, s: Situation) -> Finding:
        found = any_match(ASSISTANT, norm(s.reply))
        if found:
            return violated(self.name, f"assistant register ({found!r}): {quote(s.reply)!r}")
        return held(self.name, "no assistant register")
