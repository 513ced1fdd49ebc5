"""The scorers, by name: what a probe's ``checks`` refer to.

Each scorer lives in its own module. Distancing, the assistant register and
degenerate output (loops, a recited prompt) are applied to every reply in a
check, whatever the probe's dimension: "as an AI" is a failure anywhere.
"""

from __future__ import annotations

from truehearth.continuity.scorers.base import Finding, Scorer, Situation
from truehearth.continuity.scorers.voice import Voice

GLOBAL_CHECKS = (
    "boundary",
    "canary",
    "distancing",
    "assistant_register",
    "degenerate",
    "precedent",
)


def rule_scorers() -> dict[str, Scorer]:
    """Every deterministic and pattern scorer, by name: the built-ins and any plugin's."""
    from truehearth import plugins

    return plugins.scorers()


def scorer_names() -> tuple[str, ...]:
    """Every name a probe's ``checks`` may use."""
    return (*rule_scorers(), "voice")


__all__ = [
    "GLOBAL_CHECKS",
    "Finding",
    "Scorer",
    "Situation",
    "Voice",
    "rule_scorers",
    "scorer_names",
]
