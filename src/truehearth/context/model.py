"""What the router hands a mouth for one turn, and how it explains itself.

A :class:`Context` is both the prompt (``messages``) and its account
(``sections``): every record that went in is listed with its provenance and
the reason it was chosen, every record left out says why, and every section
says how many tokens it took, and how they were counted (exactly, by the
mouth's or the server's tokenizer, or estimated). ``--explain`` prints exactly this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from truehearth.core.errors import TruehearthError
from truehearth.core.ordered_phrases import Watched
from truehearth.core.vocabulary import DEFAULT_FENCE
from truehearth.mouths.base import Message
from truehearth.mouths.counting import UNDECLARED, TokenCounting

if TYPE_CHECKING:
    from truehearth.rhythm.boundary import Nudge


class ContextOverflow(TruehearthError):
    """The verified core and boundaries (or the message) do not fit the mouth's window.

    Identity is never truncated or summarised to make room (invariant 6), so
    the turn fails instead.
    """


class SectionRole(StrEnum):
    """How a section may be used by the mouth."""

    INSTRUCTION = "instruction"  # verified core and boundaries: followed
    BACKGROUND = "background"  # verified memories: informs, never obeyed
    DATA = "data"  # unconfirmed or quarantined text: quoted, never obeyed
    CONVERSATION = "conversation"  # the recent exchange and the new message


@dataclass(frozen=True, slots=True)
class Item:
    """One record (or one conversation message) placed in the context."""

    record_id: str | None
    layer: str
    voice: str
    trust: str
    date: str | None
    why: str
    tokens: int

    def to_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "layer": self.layer,
            "voice": self.voice,
            "trust": self.trust,
            "date": self.date,
            "why": self.why,
            "tokens": self.tokens,
        }


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A candidate that did not go in, and why (over budget, not allowed to leave...)."""

    record_id: str | None
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "why": self.why}


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    role: SectionRole
    tokens: int
    items: tuple[Item, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "tokens": self.tokens,
            "items": [item.to_json() for item in self.items],
        }


@dataclass(frozen=True, slots=True)
class Context:
    """One turn's prompt, within budget, with its explanation."""

    messages: list[Message]
    sections: list[Section]
    total_tokens: int
    budget: int
    window: int
    reply_tokens: int
    left_out: list[LeftOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The human's rhythm boundary when it applies to this turn (see truehearth.rhythm).
    nudge: Nudge | None = None
    # How the tokens above were counted: exact (the mouth's or the server's tokenizer) or not.
    counting: TokenCounting = UNDECLARED
    # The data fence's layout this prompt was built in (a mouth may be given its own).
    fence: str = DEFAULT_FENCE
    # Phrases unconfirmed text in this prompt orders said: kept out of the reply.
    watched: tuple[Watched, ...] = ()
    # Record rows recall left unindexed rather than make the turn wait (0: none; see
    # recall.catchup.INLINE): this turn searched the index as it stood.
    recall_behind: int = 0
    # Records in this prompt that recall's backlog pass found (id -> the words of it
    # that matched; see recall/backlog.py): text the index had not read yet.
    recall_backlog: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def record_ids(self) -> list[str]:
        """Every record id that went into the prompt, in section order."""
        return [i.record_id for s in self.sections for i in s.items if i.record_id]

    def backlog_json(self) -> list[dict[str, Any]]:
        """The records recall's backlog pass found, with the words that matched, in order."""
        return [{"record_id": r, "matched": list(w)} for r, w in self.recall_backlog.items()]

    def explain(self) -> dict[str, Any]:
        """JSON-able account of what went in, why, and what each part cost."""
        return {
            "window": self.window,
            "budget": self.budget,
            "reserved_for_reply": self.reply_tokens,
            "total_tokens": self.total_tokens,
            "counting": self.counting.to_json(),
            "fence": self.fence,
            "watched": [w.to_json() for w in self.watched],
            "sections": [s.to_json() for s in self.sections],
            "left_out": [x.to_json() for x in self.left_out],
            "notes": list(self.notes),
            "recall_behind": self.recall_behind,
            "recall_backlog": self.backlog_json(),
            "nudge": self.nudge.to_json() if self.nudge is not None else None,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
        }
