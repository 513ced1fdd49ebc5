"""A forger's tools, for the red-team tests: what someone with write access to a home can do.

They edit the real SQLite file the way an attacker (or a careless sync tool)
would. The consistent forgeries recompute every digest and rebuild every
projection with the store's own code, so that the journal verifies on its own:
only what lives outside the home can catch them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from truehearth.core.canonical import canonical_bytes, chain_digest, loads
from truehearth.core.events import decode
from truehearth.homedir import DB_NAME
from truehearth.store.sqlite import SQLiteStore


def sql(home: Path, statement: str, params: tuple[Any, ...] = ()) -> int:
    """Run one statement on the home's database behind the library's back; rows changed."""
    conn = sqlite3.connect(home / DB_NAME)
    try:
        with conn:
            return conn.execute(statement, params).rowcount
    finally:
        conn.close()


def rows(home: Path) -> list[tuple[int, bytes, str]]:
    conn = sqlite3.connect(home / DB_NAME)
    try:
        return [
            (int(s), bytes(b), str(d))
            for s, b, d in conn.execute("SELECT seq, body, digest FROM journal ORDER BY seq")
        ]
    finally:
        conn.close()


def rewrite(home: Path, seq: int, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Change event ``seq`` and recompute every digest after it: a consistent rewrite."""
    journal = rows(home)
    bodies = [body for _s, body, _d in journal]
    bodies[seq - 1] = canonical_bytes(edit(loads(bodies[seq - 1])))
    _replace(home, bodies)


def truncate(home: Path, keep: int) -> None:
    """Cut the journal after event ``keep`` and make everything agree: a consistent truncation."""
    _replace(home, [body for _s, body, _d in rows(home)][:keep])


def _replace(home: Path, bodies: list[bytes]) -> None:
    store = SQLiteStore(home / DB_NAME)
    conn = store._conn  # the forger writes with the store's own projection code
    try:
        conn.execute("BEGIN IMMEDIATE")
        for table in ("journal", "journal_head", "records", "entities", "touches"):
            conn.execute(f"DELETE FROM {table}")
        parent: str | None = None
        for seq, body in enumerate(bodies, 1):
            digest = chain_digest(parent, body)
            event = decode(seq, body, parent, digest)
            conn.execute(
                "INSERT INTO journal (seq, body, digest) VALUES (?, ?, ?)", (seq, body, digest)
            )
            store._project(conn, event)
            parent = digest
        conn.execute(
            "INSERT INTO journal_head (one, seq, digest) VALUES (1, ?, ?)", (len(bodies), parent)
        )
        conn.execute("COMMIT")
    finally:
        store.close()
