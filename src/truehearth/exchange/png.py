"""Just enough PNG to carry character cards: read and write ``tEXt`` chunks.

SillyTavern stores a card as base64 JSON in a ``tEXt`` chunk (keyword ``chara``
for V2, ``ccv3`` for V3) inside an ordinary PNG. We read chunks one at a time,
checking each CRC, so a truncated or tampered file is refused, and we never
decode pixels: no imaging library is needed.
"""

from __future__ import annotations

import struct
import zlib
from typing import IO

from truehearth.core.errors import InvalidInput

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHUNK = 64 * 1024 * 1024


def text_chunks(stream: IO[bytes], wanted: frozenset[str] | None = None) -> dict[str, bytes]:
    """``tEXt`` chunks as keyword -> raw text bytes, after checking the file's structure.

    Given ``wanted``, only those keywords are kept (the first of each), so a
    PNG of a thousand 64 MiB text chunks costs one chunk of memory at a time.
    """
    if stream.read(8) != SIGNATURE:
        raise InvalidInput("not a PNG file")
    found: dict[str, bytes] = {}
    while True:
        header = stream.read(8)
        if len(header) < 8:
            raise InvalidInput("the PNG is truncated (no IEND chunk)")
        length, kind = struct.unpack(">I4s", header)
        if length > MAX_CHUNK:
            raise InvalidInput(f"the PNG has a {length:,}-byte chunk; refusing it")
        data = stream.read(length)
        crc = stream.read(4)
        if len(data) < length or len(crc) < 4:
            raise InvalidInput("the PNG is truncated")
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + data):
            raise InvalidInput(f"the PNG's {kind!r} chunk is damaged (CRC mismatch)")
        if kind == b"tEXt":
            keyword, _, text = data.partition(b"\x00")
            name = keyword.decode("latin-1")
            if wanted is None or name in wanted:
                found.setdefault(name, text)
        if kind == b"IEND":
            return found


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(
    texts: dict[str, bytes], size: int = 64, rgb: tuple[int, int, int] = (90, 70, 60)
) -> bytes:
    """A plain square PNG of one colour carrying the given ``tEXt`` chunks."""
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * size
    pixels = zlib.compress(row * size, 9)
    parts = [SIGNATURE, chunk(b"IHDR", ihdr)]
    parts += [
        chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value) for key, value in texts.items()
    ]
    parts += [chunk(b"IDAT", pixels), chunk(b"IEND", b"")]
    return b"".join(parts)
