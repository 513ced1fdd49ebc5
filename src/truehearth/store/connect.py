"""Opening SQLite connections to a home's database, plain or encrypted.

An encrypted home is a SQLCipher database (AES-256 pages, HMAC-checked): every
page of the main file and of the WAL is ciphertext. The raw 32-byte key is
passed as a hex blob, so SQLCipher does no key derivation of its own; the home
derives it with Argon2id (see :mod:`truehearth.encryption`).

Everything that opens the home's database — the store and any derived index —
goes through :func:`open_connection`, so no reader can forget the key.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from truehearth.core.errors import HomeCorrupt, HomeLocked, WrongKey
from truehearth.extras import needed_for
from truehearth.store.lock import wait_seconds

KEY_BYTES = 32
READ_MAP_BYTES = 1 << 30
"""How much of the database a reading connection maps into memory (address space, not RAM).

Recall's connections read the same FTS postings and record rows question after
question; through SQLite's own 2 MB page cache every question copied them again
from the operating system's cache (a 100k-record home is about 300 MB). Mapped,
they are read in place: the mean cold question of ``bench/context_bench.py``'s
home fell by 3-10 % with the same results (docs/BENCHMARKS.md). SQLCipher ignores
it for an encrypted home, whose pages must be decrypted anyway.

The price, as SQLite documents it: a disk error on a mapped page reaches the
process as a signal (SIGBUS) that ends it, where a copied read would have
raised an error the caller could report. Only reading is mapped: writes still
go through SQLite's own file writes and its journal, so a process ended this way
loses nothing that was committed.
"""


def map_for_reading(conn: Any) -> None:
    """Let SQLite read this connection's database through a memory map."""
    conn.execute(f"PRAGMA mmap_size = {READ_MAP_BYTES}")


def _driver(encrypted: bool) -> Any:
    if not encrypted:
        return sqlite3
    with needed_for("an encrypted home"):
        from sqlcipher3 import dbapi2
    return dbapi2


def _cipher_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    try:
        from sqlcipher3 import dbapi2
    except ImportError:  # the `encrypt` extra is not installed: plain homes only
        return (), ()
    return (dbapi2.OperationalError,), (dbapi2.DatabaseError,)


_CIPHER_OPERATIONAL, _CIPHER_DATABASE = _cipher_errors()
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, *_CIPHER_OPERATIONAL)
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, *_CIPHER_DATABASE)


def open_connection(path: Path, key: bytes | None = None) -> sqlite3.Connection:
    """A connection in autocommit mode with the home's pragmas; refuses a wrong key."""
    driver = _driver(key is not None)
    conn: sqlite3.Connection = driver.connect(
        str(path), isolation_level=None, check_same_thread=False
    )
    try:
        if key is not None:
            if len(key) != KEY_BYTES:
                raise WrongKey("the key for this home has the wrong length")
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            conn.execute("PRAGMA temp_store = MEMORY")
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except driver.DatabaseError as exc:
                raise WrongKey(
                    "wrong passphrase or key for this home; nothing was changed"
                ) from exc
        conn.execute(f"PRAGMA busy_timeout = {int(wait_seconds() * 1000)}")
    except BaseException:
        conn.close()
        raise
    return conn


def rekey(conn: sqlite3.Connection, new_key: bytes) -> None:
    """Re-encrypt every page of an open encrypted database under ``new_key``."""
    if len(new_key) != KEY_BYTES:
        raise WrongKey("a new key must be 32 bytes")
    conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")


P = ParamSpec("P")
T = TypeVar("T")


def translate_errors(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn driver errors into the library's one-line errors."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with driver_errors():
            result = fn(*args, **kwargs)
        if inspect.isgenerator(result):
            return cast(T, _guarded(result))
        return result

    return wrapper


@contextlib.contextmanager
def driver_errors() -> Iterator[None]:
    try:
        yield
    except OPERATIONAL_ERRORS as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise HomeLocked("the home's database is busy with another writer") from exc
        if "readonly" in str(exc):
            # Even reading needs to write: WAL mode keeps its shared index beside the database.
            raise HomeCorrupt(
                "the home is read-only here (its directory or home.db cannot be written, "
                "and even reading needs that); check its permissions or the disk it is on"
            ) from exc
        raise HomeCorrupt(f"the home's database cannot be read: {exc}") from exc
    except DATABASE_ERRORS as exc:
        raise HomeCorrupt(
            f"the home's database is damaged or not a truehearth home: {exc}"
        ) from exc


def _guarded(gen: Iterator[Any]) -> Iterator[Any]:
    """Translate driver errors raised while a generator is being consumed."""
    with driver_errors():
        yield from gen
