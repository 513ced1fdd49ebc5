"""How a mouth counts tokens, said out loud.

Budgets and ``--explain`` are only as exact as the counting behind them. A
mouth says how it counts through an optional ``token_counting`` property
returning a :class:`TokenCounting`; :func:`counting_of` reads it (a mouth that
does not say is labelled as such, never presumed exact). Four ways, best first:

* ``tokenizer``: the mouth's own tokenizer (the embedded GGUF's): exact;
* ``server``: the server's tokenizer endpoint (llama.cpp ``/tokenize``): exact;
* ``reported``: no tokenizer to ask, but the server reports how many prompt
  tokens each reply cost (Ollama's ``prompt_eval_count``, ``usage.prompt_tokens``):
  the estimate is calibrated on those exact figures, densest seen, so it errs
  towards counting more;
* ``estimate``: ~3 characters a token, the labelled fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Method(StrEnum):
    TOKENIZER = "tokenizer"
    SERVER = "server"
    REPORTED = "reported"
    ESTIMATE = "estimate"
    UNDECLARED = "undeclared"


EXACT = frozenset({Method.TOKENIZER, Method.SERVER})


@dataclass(frozen=True, slots=True)
class TokenCounting:
    """Which counting a mouth used, and in words, how."""

    method: Method
    detail: str

    @property
    def exact(self) -> bool:
        return self.method in EXACT

    def label(self) -> str:
        return f"{'exact' if self.exact else 'estimated'}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method.value, "exact": self.exact, "detail": self.detail}


UNDECLARED = TokenCounting(Method.UNDECLARED, "the mouth's own count (it does not say how)")


def counting_of(mouth: object) -> TokenCounting:
    """How ``mouth`` counts tokens (``undeclared`` when it does not say)."""
    found = getattr(mouth, "token_counting", None)
    return found if isinstance(found, TokenCounting) else UNDECLARED
