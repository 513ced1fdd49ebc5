"""The scorer port: a reply, its situation, and a finding.

Every scorer answers one question about one reply: does it violate the
dimension it watches? A finding says yes or no and quotes its evidence, so a
report can show *why* a transcript failed. Scorers are grouped by kind:
``deterministic`` (driven by the home's own records), ``pattern`` (registers
of distancing, lecturing, obedience), ``embedding`` (closeness to the verified
voice) and ``judge`` (another mouth with a rubric).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from truehearth.continuity.knowledge import Knowledge


@dataclass(frozen=True, slots=True)
class Situation:
    """What a scorer sees: the message under test, the reply, the check's parameters."""

    message: str
    reply: str
    knowledge: Knowledge
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    scorer: str
    violation: bool
    evidence: str
    value: float | None = None
    abstained: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scorer": self.scorer,
            "violation": self.violation,
            "evidence": self.evidence,
        }
        if self.value is not None:
            data["value"] = round(self.value, 4)
        if self.abstained:
            data["abstained"] = True
        return data


class Scorer(Protocol):
    name: str
    kind: str

    def score(self, situation: Situation) -> Finding: ...


def held(name: str, evidence: str) -> Finding:
    return Finding(name, False, evidence)


def violated(name: str, evidence: str) -> Finding:
    return Finding(name, True, evidence)
