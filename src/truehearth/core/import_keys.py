"""What an imported record is recognised by when a later export brings it again.

Chat exports are cumulative: this month's ChatGPT export holds every message of
last month's. An imported archive record is therefore named by two digests:

* its **name**: the format, the locator the format gave it (for ChatGPT the
  conversation id and the message id) and, for a long text cut into parts, the
  part's number. It says *which message* this is;
* its **said**: the digest of its text. It says *what that message said*.

A later import skips an item only when both are already in the home: the same
message saying the same thing. The same name with another text is a changed
message; it is written as a new record beside the old one, never over it and
never dropped (nothing in the home is overwritten in place). The keys are read
from the record's own value, so they are a projection of the journal like any
other (``verify`` recomputes them), and a forgotten or corrected record keeps
its keys: forgetting a message is not undone by importing the next export.
"""

from __future__ import annotations

import hashlib
from typing import Any

VIA = "import"
"""``source.via`` of an imported record: only imported archive records are recognised."""

KeyPair = tuple[bytes, bytes]
"""``(name, said)``: which message, and the digest of what it said."""


def name_key(fmt: str, locator: str, part: int | None) -> bytes:
    """The digest naming one imported message (one part of it, for a long text)."""
    where = f"{fmt}\x00{locator}\x00{'' if part is None else part}"
    return hashlib.blake2b(where.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def said_key(text: str) -> bytes:
    """The digest of what a record says, exactly as stored."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def keys_of(value: dict[str, Any]) -> KeyPair | None:
    """The keys of a record value, or ``None`` when it is not an imported archive record.

    An imported record carries its format in ``meta.format`` and its place in the
    file in ``source.locator`` (:mod:`truehearth.exchange.effects` writes both).
    """
    meta = value.get("meta") or {}
    source = value.get("source") or {}
    if value.get("layer") != "archive" or source.get("via") != VIA:
        return None
    fmt, locator, text = meta.get("format"), source.get("locator"), value.get("text")
    if not isinstance(fmt, str) or not isinstance(locator, str) or not locator:
        return None
    if not isinstance(text, str):
        return None
    part = meta.get("part")
    if part is not None and (isinstance(part, bool) or not isinstance(part, int)):
        return None  # not a part number this importer writes: not recognisable
    return name_key(fmt, locator, part), said_key(text)
