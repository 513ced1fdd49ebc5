"""How much an import may read: one set of bounds every format is held to.

A file from someone else is hostile until proven otherwise. These bounds are
generous for real archives (a heavy user's ChatGPT export, a long Letta
agent, a card with a big lorebook) and fatal for bombs: a zip that unpacks a
thousandfold, JSON nested two hundred thousand levels deep, one string the
size of the file, a million empty objects. Each bound is checked while
reading, before the memory is spent, so a refused file costs little.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one import.

    ``max_item_bytes`` bounds the *estimated memory* of one parsed item (one
    conversation, one agent file, one card, one chat line): every JSON value
    counts :data:`VALUE_COST` bytes plus the length of its text, which is
    close to what CPython spends on it. ``max_token_bytes`` bounds one
    string or number as it arrives in the bytes, before it is decoded.
    """

    max_file_bytes: int = 2 * 1024**3
    max_unpacked_bytes: int = 4 * 1024**3
    max_ratio: int = 200
    max_members: int = 10_000
    max_depth: int = 64
    max_token_bytes: int = 32 * MiB
    max_item_bytes: int = 256 * MiB


VALUE_COST = 64
"""Estimated bytes one parsed JSON value costs in memory, beside its text."""
