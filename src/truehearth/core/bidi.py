"""Bidi controls that can reorder shown text, and how they are shown instead.

A bidi embedding, override or isolate (U+202A-U+202E, U+2066-U+2069) in an
imported archive or a mouth's reply would make a terminal or a browser show a
line other than it is ("Trojan Source"): a boundary that reads as allowed, a
name spelled backwards. Where the home *shows* stored text (the command line,
the web UI), each is named instead, ``<U+202E>``, so a reader sees it was
there and nothing is reordered. The plain direction marks (U+200E, U+200F,
U+061C) stay: right-to-left writing uses them every day, and they cannot
reverse a run of text. Stored text itself is never changed.
"""

from __future__ import annotations

import re

RANGES = "\u202a-\u202e\u2066-\u2069"
"""The embeddings, overrides and isolates, as a character-class body."""

CONTROLS = re.compile(f"[{RANGES}]")


def name_of(char: str) -> str:
    """``<U+202E>`` for one bidi control: its code point, named."""
    return f"<U+{ord(char):04X}>"


def named(text: str) -> str:
    """``text`` with each bidi embedding, override and isolate named, not obeyed."""
    return CONTROLS.sub(lambda m: name_of(m.group()), text)
