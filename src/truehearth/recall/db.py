"""Recall's own connection to a home's database, for its derived tables.

Recall reads the record projection and keeps derived data (vector bookkeeping,
graph tables, watermarks) next to it. It uses a second SQLite connection to the
same WAL file, so recall never reaches into the store's private connection and
a slow index sync never holds the journal's writer.
"""

from __future__ import annotations

import contextlib
import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truehearth.core.canonical import loads
from truehearth.core.errors import HomeCorrupt
from truehearth.core.records import Record
from truehearth.recall.indextext import turn_key
from truehearth.store.connect import DATABASE_ERRORS, open_connection
from truehearth.store.lock import writer_lock

if TYPE_CHECKING:
    from truehearth.home import Home

DB_NAME = "home.db"
INDEX_DIR = "index"


@dataclass(frozen=True, slots=True)
class ProjectionRow:
    """A record's filter columns, with its value left encoded until it is needed."""

    id: str
    trust: str
    current: bool
    value: bytes

    def record(self) -> Record:
        return Record.from_json(dict(loads(self.value)))


class RecallDB:
    """A connection plus the small helpers every recall index needs."""

    def __init__(self, home_path: Path, key: bytes | None = None) -> None:
        self.home_path = home_path
        self.index_dir = home_path / INDEX_DIR
        # An encrypted home keeps its vectors inside the encrypted database
        # rather than in a plaintext file: embeddings leak what the text said.
        self.sealed = key is not None
        self.conn = open_connection(home_path / DB_NAME, key)
        self.conn.execute("PRAGMA busy_timeout = 5000")
        # Derived data: a commit lost to a power cut is rebuilt by the next sync
        # (the watermark is lost with it), so this connection need not fsync.
        self.conn.execute("PRAGMA synchronous = NORMAL")

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """Hold the index lock and one transaction: derived data changes all or nothing."""
        self.index_dir.mkdir(mode=0o700, exist_ok=True)
        with writer_lock(self.index_dir / ".lock", wait=60.0):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM recall_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO recall_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def feed_head(self) -> int:
        row = self.conn.execute("SELECT coalesce(max(seq), 0) FROM recall_feed").fetchone()
        return int(row[0])

    def prune_feed(self) -> int:
        """Drop feed rows every index has consumed; returns how many.

        Only when the graph and a vector space both have a watermark: a full
        rebuild reads the records themselves, never the feed, so nothing is lost.
        """
        marks = [
            int(v)
            for (v,) in self.conn.execute(
                "SELECT value FROM recall_meta WHERE key = 'graph.feed' OR key LIKE 'vec.feed:%'"
            )
        ]
        if len(marks) < 2 or min(marks) <= 0:
            return 0
        oldest = self.conn.execute("SELECT min(seq) FROM recall_feed").fetchone()[0]
        if oldest is None or int(oldest) > min(marks):
            return 0
        with self.writing() as conn:
            return int(
                conn.execute("DELETE FROM recall_feed WHERE seq <= ?", (min(marks),)).rowcount
            )

    def feed_since(self, seq: int, limit: int) -> list[tuple[int, int]]:
        """``(seq, rid)`` of record rows inserted after ``seq``, oldest first."""
        rows = self.conn.execute(
            "SELECT seq, rid FROM recall_feed WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        )
        return [(int(s), int(r)) for s, r in rows]

    def records_by_rid(self, rids: Sequence[int]) -> dict[int, Record]:
        """Records currently stored at these rows (any flags), by row id."""
        found: dict[int, Record] = {}
        for start in range(0, len(rids), 900):
            chunk = rids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT rid, value FROM records WHERE rid IN ({marks})", list(chunk)
            )
            for rid, value in rows:
                found[int(rid)] = Record.from_json(dict(loads(value)))
        return found

    def projection_rows(self, rids: Sequence[int]) -> dict[int, ProjectionRow]:
        found: dict[int, ProjectionRow] = {}
        for start in range(0, len(rids), 900):
            chunk = rids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT rid, id, trust, current, value FROM records WHERE rid IN ({marks})",
                list(chunk),
            )
            for rid, rec_id, trust, current, value in rows:
                found[int(rid)] = ProjectionRow(str(rec_id), str(trust), bool(current), value)
        return found

    def records_by_id(self, ids: Sequence[str]) -> dict[str, Record]:
        found: dict[str, Record] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT value FROM records WHERE id IN ({marks})", list(chunk)
            )
            for (value,) in rows:
                record = Record.from_json(dict(loads(value)))
                found[record.id] = record
        return found

    def register_turns(self, conn: sqlite3.Connection, records: Sequence[Record]) -> None:
        """Remember where each conversation turn sits, for neighbour lookups."""
        rows = [(k.session, k.turn, r.id) for r in records if (k := turn_key(r)) is not None]
        conn.executemany(
            "INSERT INTO recall_turns (session, turn, record_id) VALUES (?, ?, ?) "
            "ON CONFLICT (session, turn) DO UPDATE SET record_id = excluded.record_id",
            rows,
        )

    def turn_at(self, session: str, turn: int) -> str | None:
        row = self.conn.execute(
            "SELECT record_id FROM recall_turns WHERE session = ? AND turn = ?", (session, turn)
        ).fetchone()
        return str(row[0]) if row else None

    def all_rids(self, after: int, limit: int) -> list[int]:
        rows = self.conn.execute(
            "SELECT rid FROM records WHERE rid > ? ORDER BY rid LIMIT ?", (after, limit)
        )
        return [int(r[0]) for r in rows]

    def count_records_fast(self) -> int:
        """About how many records there are: the largest row id (no table scan)."""
        row = self.conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()
        return int(row[0])

    def count_records(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM records").fetchone()[0])

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self.conn.execute(sql, list(params)))
        except DATABASE_ERRORS as exc:
            raise HomeCorrupt(f"the home's recall tables cannot be read: {exc}") from exc


_open: weakref.WeakKeyDictionary[Home, RecallDB] = weakref.WeakKeyDictionary()


def recall_db(home: Home) -> RecallDB:
    """The recall connection of an open home (one per home object, closed with it)."""
    db = _open.get(home)
    if db is None:
        db = RecallDB(home.path, home.store.key)
        _open[home] = db
        weakref.finalize(home, db.close)
    return db
