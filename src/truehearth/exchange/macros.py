"""SillyTavern's name macros, read as the names they stand for.

Cards and lorebooks are written with ``{{char}}`` (the character) and
``{{user}}`` (the person talking to it); older cards say ``<BOT>`` and
``<USER>``. A proposal for core must read as a sentence the human can accept,
so proposals carry the names; the archive keeps the text as written.
"""

from __future__ import annotations

import re

_MACROS = re.compile(r"\{\{\s*(char|user)\s*\}\}|<(BOT|USER)>", re.IGNORECASE)


def expand_macros(text: str, char: str, user: str = "the human") -> str:
    """``{{char}}``/``<BOT>`` as the character's name, ``{{user}}``/``<USER>`` as ``user``."""

    def name(match: re.Match[str]) -> str:
        which = (match.group(1) or match.group(2)).lower()
        return char if which in ("char", "bot") else user

    return _MACROS.sub(name, text)
