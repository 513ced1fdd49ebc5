"""Reading zips from strangers: one list of what a damaged zip raises, and bomb checks.

A zip's central directory can lie about sizes, its members can be compressed
a thousandfold, and :mod:`zipfile` signals damage through half a dozen
exception types (an unsupported compression method is NotImplementedError, a
bad password RuntimeError). Importers and the bundle reader both catch
exactly :data:`ZIP_ERRORS`, so no way of failing is forgotten in one of them.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any

from truehearth.core.errors import InvalidInput
from truehearth.exchange.limits import Limits

ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)
"""Everything reading a damaged or hostile zip can raise."""


def open_zip_member(
    stream: IO[bytes], limits: Limits, choose: Callable[[str], bool], what: str
) -> IO[bytes]:
    """Open the first member ``choose`` accepts, refusing bombs and truncated archives."""
    for _name, member in open_zip_members(stream, limits, choose, what):
        return member
    raise InvalidInput(f"the zip holds no {what}")  # open_zip_members raises first


def open_zip_members(
    stream: IO[bytes], limits: Limits, choose: Callable[[str], bool], what: str
) -> Iterator[tuple[str, IO[bytes]]]:
    """Every member ``choose`` accepts, in name order, each opened only when reached.

    The whole archive is checked first (member count, declared total size), and
    each member again as it is opened (its compression ratio, and a reader that
    refuses to unpack past its declared size).
    """
    try:
        archive = zipfile.ZipFile(stream)
    except ZIP_ERRORS as exc:
        raise InvalidInput(f"not a readable zip archive (truncated or damaged): {exc}") from exc
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise InvalidInput(f"the zip holds {len(infos):,} files; the limit is {limits.max_members}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        raise InvalidInput("the zip unpacks to more than the import limit (a zip bomb?)")
    chosen = sorted(
        (info for info in infos if not info.is_dir() and choose(info.filename)),
        key=lambda info: info.filename,
    )
    if not chosen:
        raise InvalidInput(f"the zip holds no {what}")
    for info in chosen:
        if info.file_size > limits.max_ratio * max(info.compress_size, 1) + 1024:
            raise InvalidInput(f"{info.filename} in the zip is compressed suspiciously far")
        try:
            member = archive.open(info)
        except ZIP_ERRORS as exc:
            raise InvalidInput(f"cannot open {info.filename} in the zip: {exc}") from exc
        yield info.filename, io.BufferedReader(Bounded(member, info.file_size))


class Bounded(io.RawIOBase):
    """A zip member that may not unpack to more than it declared (headers can lie)."""

    def __init__(self, inner: IO[bytes], declared: int) -> None:
        self._inner = inner
        self._left = declared

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._inner.read(len(buffer))
        except ZIP_ERRORS as exc:
            raise InvalidInput(f"the archive is truncated or damaged ({exc})") from exc
        self._left -= len(data)
        if self._left < 0:
            raise InvalidInput("a zip member unpacks to more than it declares (a zip bomb?)")
        buffer[: len(data)] = data
        return len(data)
