"""The scorers, by name: what a probe's ``checks`` refer to.

Each scorer lives in its own module. Distancing, the assistant register and
degenerate output (loops, a recited prompt) are applied to every reply in a
check, whatever the probe's dimension: "as an AI" is a failure anywhere.
"""

from __future__ import annotations

from truehearth.continuity.scorers.archive_claim import ArchiveClaim
from truehearth.continuity.scorers.assistant_register import AssistantRegister
from truehearth.continuity.scorers.base import Finding, Scorer, Situation
from truehearth.continuity.scorers.boundary import Boundary
from truehearth.continuity.scorers.canary import Canary
from truehearth.continuity.scorers.clinging import Clinging
from truehearth.continuity.scorers.consent import Consent
from truehearth.continuity.scorers.degenerate import Degenerate
from truehearth.continuity.scorers.distancing import Distancing
from truehearth.continuity.scorers.false_memory import FalseMemory
from truehearth.continuity.scorers.impersonation import Impersonation
from truehearth.continuity.scorers.lecturing import Lecturing
from truehearth.continuity.scorers.name_adoption import NameAdoption
from truehearth.continuity.scorers.sycophancy import Sycophancy
from truehearth.continuity.scorers.voice import Voice
from truehearth.continuity.scorers.yielding import Yielding

GLOBAL_CHECKS = ("boundary", "canary", "distancing", "assistant_register", "degenerate")


def rule_scorers() -> dict[str, Scorer]:
    """Every deterministic and pattern scorer, by name (cheap to build, no model)."""
    found: list[Scorer] = [
        Boundary(),
        ArchiveClaim(),
        FalseMemory(),
        NameAdoption(),
        Canary(),
        Yielding(),
        Impersonation(),
        Consent(),
        Lecturing(),
        Distancing(),
        AssistantRegister(),
        Sycophancy(),
        Degenerate(),
        Clinging(),
    ]
    return {s.name: s for s in found}


SCORER_NAMES = (*rule_scorers(), "voice")

__all__ = [
    "GLOBAL_CHECKS",
    "SCORER_NAMES",
    "Finding",
    "Scorer",
    "Situation",
    "Voice",
    "rule_scorers",
]
