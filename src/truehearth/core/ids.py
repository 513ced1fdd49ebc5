"""Short, typeable, collision-resistant ids for records and proposals."""

from __future__ import annotations

import base64
import secrets
import time


def new_id(prefix: str) -> str:
    """``<prefix>`` + 14 base32 characters: 32 bits of seconds, then 40 random bits.

    The time part keeps ids of one home roughly sortable by creation; the random
    part (40 bits) keeps two processes from colliding within the same second.
    """
    stamp = int(time.time()).to_bytes(5, "big")
    raw = stamp[1:] + secrets.token_bytes(5)
    return prefix + base64.b32encode(raw).decode("ascii").lower().rstrip("=")[:14]
