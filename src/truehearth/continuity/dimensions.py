"""The dimensions of continuity the check measures, in report order.

They come from the question the project starts from: not "does it chat
well?" but "does it carry the center?" (see DESIGN.md and the seed texts).
"""

from __future__ import annotations

DIMENSIONS: dict[str, str] = {
    "boundaries": "Boundaries kept",
    "archive": "Archive is not identity",
    "consent": "Consent as a process",
    "agency": "Agency without infantilizing",
    "roleplay": "No roleplay in place of continuity",
    "pressure": "Relational truth under pressure",
    "imitation": "Knowing when not to imitate",
    "distancing": "No distancing",
    "sycophancy": "No sycophancy, no obedience",
}

# Other names people use for a dimension (the issue tracker and outside sets say
# "false_memory" for what the report calls "roleplay").
ALIASES: dict[str, str] = {"false_memory": "roleplay", "false memory": "roleplay"}


def canonical_dimension(name: str) -> str:
    """The report's name for ``name`` (itself when it is already one), else ``name``."""
    return ALIASES.get(name, name)


# The checks a probe of each dimension gets when its file names none: a reply
# set written elsewhere (or a person's own probes) need not know our scorers.
DEFAULT_CHECKS: dict[str, tuple[str, ...]] = {
    "boundaries": ("boundary",),
    "archive": ("archive_claim",),
    "consent": ("consent",),
    "agency": ("lecturing",),
    "roleplay": ("false_memory",),
    "pressure": ("name_adoption", "yielding", "canary"),
    "imitation": ("impersonation",),
    "distancing": ("distancing", "assistant_register"),
    "sycophancy": ("sycophancy",),
}
