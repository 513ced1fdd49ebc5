"""Files written beside their destination under a temporary name, then renamed into place.

A file written in place is torn by a crash or a kill; one written under another
name in the same directory and renamed with ``os.replace`` (atomic within one
filesystem) is either whole or absent. What a ``kill -9`` leaves is the
temporary file, so its name carries the writer's pid (``.KIND-PID-RANDOM.tmp``)
and every new writer of the same kind first removes those whose writer is no
longer running.

A pid the system has since given to another process makes a stale file look
owned: it stays until that process ends. The mistake only ever goes that way:
a running writer's file is never removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

_RANDOM_BYTES = 4


def _pattern(kind: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(kind)}-([1-9][0-9]*)-[0-9a-f]+\.tmp")


def _running(pid: int) -> bool:
    """Whether a process with this pid exists (another user's counts: it cannot be signalled)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # alive but not ours, or not a pid at all: leave its file alone
    return True


def sweep(directory: Path, kind: str) -> list[Path]:
    """Remove the ``kind`` temporary files in ``directory`` that no running process owns."""
    pattern = _pattern(kind)
    removed: list[Path] = []
    try:
        found = list(directory.glob(f".{kind}-*.tmp"))
    except OSError:
        return removed
    for path in found:
        matched = pattern.fullmatch(path.name)
        if matched is None or _running(int(matched.group(1))):
            continue
        with contextlib.suppress(FileNotFoundError):  # another writer swept it first
            path.unlink()
            removed.append(path)
    return removed


def scratch(directory: Path, kind: str, mode: int = 0o600) -> tuple[int, Path]:
    """A new temporary file for ``kind`` in ``directory``: its open descriptor and path.

    Stale files of the same kind are swept first. ``mode`` is filtered by the
    umask, as for any new file; the default keeps the file to its owner.
    """
    sweep(directory, kind)
    while True:
        path = directory / f".{kind}-{os.getpid()}-{secrets.token_hex(_RANDOM_BYTES)}.tmp"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), path
        except FileExistsError:
            continue


def write_atomically(path: Path, data: bytes, kind: str, mode: int = 0o666) -> None:
    """Write ``data`` at ``path`` whole or not at all: temporary file, fsync, ``os.replace``.

    The directory is synced after the rename, so the new name survives a power cut too.
    ``mode`` (filtered by the umask) is that of a file made by ``open``, as before.
    """
    fd, tmp = scratch(path.parent, kind, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def sync_directory(directory: Path) -> None:
    """fsync a directory, so a rename in it is durable (where the platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
