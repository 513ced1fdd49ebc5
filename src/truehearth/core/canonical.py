"""Canonical JSON and tagged digests: the bytes the journal's hash chain is made of.

Invariants:

* Canonical form is UTF-8 JSON with object keys sorted by code point and no
  insignificant whitespace. Only strings, integers, booleans, null, lists and
  objects are allowed: floats are refused because their text form is not
  portable across implementations, integers outside the 64-bit range because
  the serializer (and most JSON readers) cannot hold them, and strings with
  lone surrogates because they have no UTF-8 form.
* A digest is ``"<tag>:<hex>"``. The tag names the algorithm, so the chain can
  move to another algorithm later without ambiguity. ``b2`` is BLAKE2b-256.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from truehearth.core.errors import InvalidInput

DIGEST_TAG = "b2"
_DIGEST_SIZE = 32

JSONValue = Any
INT_MIN = -(2**63)
INT_MAX = 2**64 - 1
"""The integers canonical JSON holds: what orjson writes, signed or unsigned 64-bit."""


def _reject_non_canonical(value: object) -> None:
    """Walk a value and refuse anything that has no single canonical spelling.

    The exact built-in types are dispatched first (``type(x) is str``): a
    journal batch of an import holds hundreds of thousands of plain strings and
    dicts, and one identity test each is most of the walk's cost. Anything else
    (subclasses, floats, foreign types) takes the general path, which decides
    exactly as before.
    """
    if type(value) is str or value is None or type(value) is bool:
        return
    if type(value) is dict:
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput("journal object keys must be strings")
            if type(item) is not str:
                _reject_non_canonical(item)
        return
    if type(value) is list:
        for item in value:
            if type(item) is not str:
                _reject_non_canonical(item)
        return
    _reject_general(value)


def _reject_general(value: object) -> None:
    """The walk for everything but exact ``str``, ``dict``, ``list``, ``bool`` and ``None``."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise InvalidInput("integers in journal data must fit in 64 bits")
        return
    if isinstance(value, str):
        return
    if isinstance(value, float):
        raise InvalidInput("floats are not allowed in journal data")
    if isinstance(value, (list, tuple)):
        for item in value:
            _reject_non_canonical(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput("journal object keys must be strings")
            _reject_non_canonical(item)
        return
    raise InvalidInput(f"value of type {type(value).__name__} cannot be journaled")


def canonical_bytes(value: JSONValue) -> bytes:
    """Serialize ``value`` to its one canonical byte form."""
    _reject_non_canonical(value)
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        # Lone surrogates (text decoded with surrogateescape) and nesting past
        # the serializer's limit: input the caller must fix, not a crash.
        raise InvalidInput(f"cannot be journaled: {exc}") from None


def loads(data: bytes | str) -> JSONValue:
    """Parse JSON produced by :func:`canonical_bytes` (or any JSON)."""
    return orjson.loads(data)


def digest(data: bytes) -> str:
    """Tagged BLAKE2b-256 digest of ``data``."""
    return f"{DIGEST_TAG}:{hashlib.blake2b(data, digest_size=_DIGEST_SIZE).hexdigest()}"


def chain_digest(parent: str | None, body: bytes) -> str:
    """Digest of one journal event: its parent's digest followed by its canonical body.

    Folding the parent into the hashed bytes makes every event commit to the
    whole history before it: editing, removing, inserting or reordering any
    event changes every digest after it.
    """
    h = hashlib.blake2b(digest_size=_DIGEST_SIZE)
    if parent is not None:
        h.update(parent.encode("ascii"))
    h.update(b"\n")
    h.update(body)
    return f"{DIGEST_TAG}:{h.hexdigest()}"
