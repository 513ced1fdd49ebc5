"""Text from records, files and mouths, made safe to print on a terminal.

Imported archives and mouth replies are untrusted: an ESC in them would start a
terminal escape sequence (colours, a changed window title, text hidden or
overwritten), and a carriage return would overwrite the line it is on. A bidi
embedding, override or isolate (U+202A-U+202E, U+2066-U+2069) would reorder what
the terminal shows, so that a line reads other than it is ("Trojan Source"). Every
command prints such text through :func:`escape`, which shows those characters
as symbols or code points instead of letting the terminal obey them; newlines and
tabs stay, and so do the plain direction marks (U+200E, U+200F) that right-to-left
writing uses every day and that cannot reverse a run of text.
"""

from __future__ import annotations

import re

from rich.markup import escape as _markup

from truehearth.core import bidi

# C0 controls but tab and newline, DEL, C1 controls (the 8-bit CSI, 0x9b, among them), and
# the bidi embeddings, overrides and isolates.
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{bidi.RANGES}]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␍ for CR
    if code == 0x7F:
        return "\u2421"
    if code > 0xFF:
        return bidi.name_of(match.group())  # a bidi control, named so a reader sees it was there
    return f"\\x{code:02x}"


def plain(text: str) -> str:
    """``text`` with its control characters shown as symbols (for a rich ``Text``)."""
    return _CONTROL.sub(_shown, text)


def escape(text: str) -> str:
    """``text`` as rich markup that prints as itself: markup escaped, controls shown."""
    return _markup(plain(text))
