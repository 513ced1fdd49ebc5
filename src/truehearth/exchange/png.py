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


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Every chunk of a PNG held in memory as ``(type, data)``, each CRC checked."""
    if png[:8] != SIGNATURE:
        raise InvalidInput("not a PNG file")
    found: list[tuple[bytes, bytes]] = []
    at = 8
    while at + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        end = at + 8 + length
        if length > MAX_CHUNK or end + 4 > len(png):
            raise InvalidInput("the PNG is truncated or has an oversized chunk")
        data = png[at + 8 : end]
        if struct.unpack(">I", png[end : end + 4])[0] != zlib.crc32(kind + data):
            raise InvalidInput(f"the PNG's {kind!r} chunk is damaged (CRC mismatch)")
        found.append((kind, data))
        at = end + 4
        if kind == b"IEND":
            return found
    raise InvalidInput("the PNG is truncated (no IEND chunk)")


def without_texts(png: bytes, names: frozenset[str]) -> list[tuple[bytes, bytes]]:
    """The chunks of ``png`` minus text chunks whose keyword is in ``names`` (any case)."""
    lowered = {name.encode("latin-1").lower() for name in names}
    kept = [
        (kind, data)
        for kind, data in chunks(png)
        if not (
            kind in (b"tEXt", b"iTXt", b"zTXt") and data.partition(b"\x00")[0].lower() in lowered
        )
    ]
    if not kept or kept[0][0] != b"IHDR":
        raise InvalidInput("the PNG does not start with an IHDR chunk")
    return kept


def encode(parts: list[tuple[bytes, bytes]]) -> bytes:
    return SIGNATURE + b"".join(chunk(kind, data) for kind, data in parts)


def with_texts(png: bytes, texts: dict[str, bytes]) -> bytes:
    """``png`` with its image untouched and ``texts`` as its only ``tEXt`` of those keywords.

    Text chunks of the same keywords, in any case (an older card), are dropped,
    so a reader never finds two cards; every other chunk -- the pixels, the
    size, colour profiles -- is kept byte for byte. The new chunks go just
    before ``IEND``, where SillyTavern writes them too.
    """
    kept = without_texts(png, frozenset(texts))
    new = [(b"tEXt", key.encode("latin-1") + b"\x00" + value) for key, value in texts.items()]
    return encode(kept[:-1] + new + kept[-1:])


def size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk."""
    kind, data = chunks(png)[0]
    if kind != b"IHDR" or len(data) < 8:
        raise InvalidInput("the PNG does not start with an IHDR chunk")
    width, height = struct.unpack(">II", data[:8])
    return width, height
