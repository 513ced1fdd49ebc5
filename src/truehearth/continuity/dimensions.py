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
