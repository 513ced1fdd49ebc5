"""The embedded SQLite store: one file per home, WAL, durable commits, FTS5.

Durability: ``synchronous=FULL`` in WAL mode, so a commit that returned has
reached the disk, and a process killed at any moment leaves either the whole
transaction or none of it. The journal, the head and the projections are
written in the same transaction, so they can never disagree after a crash.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from truehearth.core.canonical import canonical_bytes, chain_digest, loads
from truehearth.core.errors import ChainBroken, HomeCorrupt, InvalidInput
from truehearth.core.events import Draft, Event, decode, seal
from truehearth.core.journal import Head
from truehearth.core.vocabulary import RECORD
from truehearth.store.base import RecordQuery, SearchHit
from truehearth.store.connect import open_connection, rekey, translate_errors
from truehearth.store.migrations import MIGRATIONS, Migration, migrate
from truehearth.store.projection import SQLiteProjection, fts_query, record_filter

_RECORD = RECORD


class SQLiteStore:
    """A :class:`~truehearth.store.base.Store` over one SQLite file."""

    @translate_errors
    def __init__(
        self,
        path: Path,
        *,
        create: bool = False,
        migrations: Sequence[Migration] = MIGRATIONS,
        key: bytes | None = None,
    ) -> None:
        if not create and not path.is_file():
            raise HomeCorrupt(f"the home's database is missing: {path}")
        self.path = path
        self._key = key
        self._conn = open_connection(path, key)
        try:
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise HomeCorrupt(f"cannot put the home's database in WAL mode (got {mode})")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn, migrations)
        except BaseException:
            self._conn.close()
            raise

    # -- transactions -------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- journal --------------------------------------------------------------

    @translate_errors
    def append(self, drafts: Sequence[Draft], at: str) -> list[Event]:
        if not drafts:
            return []
        with self._transaction() as conn:
            head = self._head(conn)
            seq, parent = (head.seq, head.digest) if head else (0, None)
            sealed: list[Event] = []
            for draft in drafts:
                seq += 1
                event = seal(draft, seq, at, parent)
                parent = event.digest
                sealed.append(event)
            conn.executemany(
                "INSERT INTO journal (seq, body, digest) VALUES (?, ?, ?)",
                [(e.seq, e.body, e.digest) for e in sealed],
            )
            last = sealed[-1]
            conn.execute(
                "INSERT INTO journal_head (one, seq, digest) VALUES (1, ?, ?) "
                "ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, digest = excluded.digest",
                (last.seq, last.digest),
            )
            for event in sealed:
                self._project(conn, event)
        return sealed

    @translate_errors
    def append_stream(self, drafts: Iterable[Draft], at: str) -> Head | None:
        """Seal and append a stream of drafts in one transaction, keeping none in memory.

        Bulk importers produce more events than fit comfortably in memory; each
        draft is written as it arrives, and the whole stream still commits all
        or nothing (an exception from the iterator rolls everything back).
        """
        with self._transaction() as conn:
            head = self._head(conn)
            seq, parent = (head.seq, head.digest) if head else (0, None)
            for draft in drafts:
                seq += 1
                event = seal(draft, seq, at, parent)
                parent = event.digest
                self._insert_event(conn, event)
            if parent is None or (head is not None and seq == head.seq):
                return head
            self._set_head(conn, Head(seq, parent))
        return Head(seq, parent)

    @translate_errors
    def restore_sealed(self, rows: Iterable[tuple[int, bytes, str]]) -> Head:
        """Insert already-sealed events into an empty journal, checking the chain as they come.

        This is how an exported journal comes home byte for byte: every row must
        follow the chain rule (see :mod:`truehearth.core.journal`), so the head
        after a restore is the head that was exported, or nothing is written.
        """
        with self._transaction() as conn:
            if self._head(conn) is not None:
                raise InvalidInput("a journal can be restored only into an empty home")
            parent: str | None = None
            expected = 1
            for seq, body, stored in rows:
                if seq != expected:
                    raise ChainBroken(f"restored journal: expected event {expected}, got {seq}")
                if chain_digest(parent, body) != stored:
                    raise ChainBroken(f"restored journal: event {seq}: digest does not match")
                try:
                    event = decode(seq, body, parent, stored)
                except (ValueError, KeyError, TypeError) as exc:
                    raise InvalidInput(f"restored journal: event {seq} is malformed") from exc
                self._insert_event(conn, event)
                parent = stored
                expected += 1
            if parent is None:
                raise InvalidInput("restored journal: it holds no events")
            head = Head(expected - 1, parent)
            self._set_head(conn, head)
        return head

    def _insert_event(self, conn: sqlite3.Connection, event: Event) -> None:
        conn.execute(
            "INSERT INTO journal (seq, body, digest) VALUES (?, ?, ?)",
            (event.seq, event.body, event.digest),
        )
        self._project(conn, event)

    @staticmethod
    def _set_head(conn: sqlite3.Connection, head: Head) -> None:
        conn.execute(
            "INSERT INTO journal_head (one, seq, digest) VALUES (1, ?, ?) "
            "ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, digest = excluded.digest",
            (head.seq, head.digest),
        )

    def _project(self, conn: sqlite3.Connection, event: Event) -> None:
        touched: set[str] = set()
        for effect in event.effects:
            touched.add(effect.id)
            if effect.kind == _RECORD:
                self._project_record(conn, effect.id, effect.value)
            elif effect.value is None:
                conn.execute(
                    "DELETE FROM entities WHERE kind = ? AND id = ?", (effect.kind, effect.id)
                )
            else:
                conn.execute(
                    "INSERT INTO entities (kind, id, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value",
                    (effect.kind, effect.id, canonical_bytes(effect.value)),
                )
        for entity_id in touched:
            conn.execute("INSERT INTO touches (entity, seq) VALUES (?, ?)", (entity_id, event.seq))

    @staticmethod
    def _project_record(conn: sqlite3.Connection, rid: str, value: dict[str, Any] | None) -> None:
        if value is None:
            conn.execute("DELETE FROM records WHERE id = ?", (rid,))
            return
        current = int(not value.get("forgotten") and not value.get("superseded_by"))
        row = (
            value["layer"],
            value["voice"],
            value["trust"],
            current,
            value["recorded_at"],
            value["text"],
            canonical_bytes(value),
            rid,
        )
        updated = conn.execute(
            "UPDATE records SET layer=?, voice=?, trust=?, current=?, recorded_at=?, text=?, "
            "value=? WHERE id=?",
            row,
        ).rowcount
        if not updated:
            conn.execute(
                "INSERT INTO records (layer, voice, trust, current, recorded_at, text, value, id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    @staticmethod
    def _head(conn: sqlite3.Connection) -> Head | None:
        row = conn.execute("SELECT seq, digest FROM journal_head WHERE one = 1").fetchone()
        return Head(int(row[0]), str(row[1])) if row else None

    @translate_errors
    def head(self) -> Head | None:
        return self._head(self._conn)

    @translate_errors
    def events(
        self, start: int = 1, stop: int | None = None, *, reverse: bool = False
    ) -> Iterator[Event]:
        upper = stop if stop is not None else 2**62
        order = "DESC" if reverse else "ASC"
        cursor = self._conn.execute(
            "SELECT j.seq, j.body, j.digest, p.digest FROM journal j "
            "LEFT JOIN journal p ON p.seq = j.seq - 1 "
            f"WHERE j.seq >= ? AND j.seq < ? ORDER BY j.seq {order}",
            (start, upper),
        )
        while rows := cursor.fetchmany(512):
            for seq, body, digest, parent in rows:
                yield decode(seq, bytes(body), parent, digest)

    @translate_errors
    def raw_events(self) -> Iterator[tuple[int, bytes, str]]:
        cursor = self._conn.execute("SELECT seq, body, digest FROM journal ORDER BY seq")
        while True:
            rows = cursor.fetchmany(4096)
            if not rows:
                return
            yield from rows

    @translate_errors
    def events_touching(self, entity_id: str) -> list[Event]:
        seqs = [
            row[0]
            for row in self._conn.execute(
                "SELECT seq FROM touches WHERE entity = ? ORDER BY seq", (entity_id,)
            )
        ]
        return [event for seq in seqs for event in self.events(seq, seq + 1)]

    # -- projections ----------------------------------------------------------

    @translate_errors
    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        if kind == _RECORD:
            row = self._conn.execute("SELECT value FROM records WHERE id = ?", (entity_id,))
        else:
            row = self._conn.execute(
                "SELECT value FROM entities WHERE kind = ? AND id = ?", (kind, entity_id)
            )
        found = row.fetchone()
        return dict(loads(found[0])) if found else None

    @translate_errors
    def find_ids(self, kind: str, prefix: str, limit: int = 5) -> list[str]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if kind == _RECORD:
            sql = "SELECT id FROM records WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?"
            params: tuple[Any, ...] = (pattern, limit)
        else:
            sql = (
                "SELECT id FROM entities WHERE kind = ? AND id LIKE ? ESCAPE '\\' "
                "ORDER BY id LIMIT ?"
            )
            params = (kind, pattern, limit)
        return [str(row[0]) for row in self._conn.execute(sql, params)]

    @translate_errors
    def entities(self, kind: str) -> Iterator[dict[str, Any]]:
        if kind == _RECORD:
            rows = self._conn.execute("SELECT value FROM records ORDER BY rid").fetchall()
        else:
            rows = self._conn.execute(
                "SELECT value FROM entities WHERE kind = ? ORDER BY id", (kind,)
            ).fetchall()
        return (dict(loads(row[0])) for row in rows)

    @translate_errors
    def collections(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for kind, eid, value in self.raw_collections():
            yield kind, eid, dict(loads(value))

    @translate_errors
    def raw_collections(self) -> Iterator[tuple[str, str, bytes]]:
        # Table order: the caller compares by id, so no index walk is needed.
        for rid, value in self._conn.execute("SELECT id, value FROM records"):
            yield _RECORD, str(rid), _as_bytes(value)
        for kind, eid, value in self._conn.execute("SELECT kind, id, value FROM entities"):
            yield str(kind), str(eid), _as_bytes(value)

    @translate_errors
    def records(self, query: RecordQuery) -> list[dict[str, Any]]:
        where, params = record_filter(query)
        rows = self._conn.execute(
            f"SELECT r.value FROM records r WHERE {where} "
            "ORDER BY r.recorded_at DESC, r.rid DESC LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        )
        return [dict(loads(row[0])) for row in rows]

    @translate_errors
    def count_records(self, query: RecordQuery) -> int:
        where, params = record_filter(query)
        row = self._conn.execute(f"SELECT count(*) FROM records r WHERE {where}", params)
        return int(row.fetchone()[0])

    @translate_errors
    def search(self, text: str, query: RecordQuery) -> list[SearchHit]:
        match = fts_query(text)
        where, params = record_filter(query)
        rows = self._conn.execute(
            "SELECT r.value, bm25(records_fts) AS score FROM records_fts "
            "JOIN records r ON r.rid = records_fts.rowid "
            f"WHERE records_fts MATCH ? AND {where} ORDER BY score LIMIT ? OFFSET ?",
            [match, *params, query.limit, query.offset],
        )
        return [SearchHit(dict(loads(value)), float(score)) for value, score in rows]

    @property
    def key(self) -> bytes | None:
        return self._key

    def open_connection(self) -> sqlite3.Connection:
        """Another connection to this database (for derived indexes), with the same key."""
        return open_connection(self.path, self._key)

    def projections(self) -> SQLiteProjection:
        return SQLiteProjection(self.open_connection())

    @translate_errors
    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt the whole database under a new key (encrypted homes only)."""
        if self._key is None:
            raise InvalidInput("this home is not encrypted")
        rekey(self._conn, new_key)
        self._key = new_key

    def close(self) -> None:
        self._conn.close()


def _as_bytes(value: bytes | str) -> bytes:
    """Column values are BLOBs; a row edited by hand may have become TEXT."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)
