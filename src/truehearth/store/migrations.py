"""Forward-only, named schema migrations, run in order when a home is opened.

Each migration has a name ``mNNN_what`` and a list of SQL statements. Applied
names are stored in ``_migrations``; a home that has a migration this version
does not know was written by a newer truehearth and is refused rather than
guessed at. Migrations are never edited once released: add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from truehearth.core.errors import HomeCorrupt


@dataclass(frozen=True, slots=True)
class Migration:
    name: str
    statements: Sequence[str]


M001_JOURNAL = Migration(
    "m001_journal",
    [
        # The journal: the truth. body is the canonical event, digest chains it.
        """CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            body BLOB NOT NULL,
            digest TEXT NOT NULL
        )""",
        # The recorded head lets verify notice a cut-off tail.
        """CREATE TABLE journal_head (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            seq INTEGER NOT NULL,
            digest TEXT NOT NULL
        )""",
        # Which events touched which entity, for `history`.
        """CREATE TABLE touches (
            entity TEXT NOT NULL,
            seq INTEGER NOT NULL,
            PRIMARY KEY (entity, seq)
        ) WITHOUT ROWID""",
        # Projection of every non-record entity (proposals, mouths, ...).
        """CREATE TABLE entities (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            value BLOB NOT NULL,
            PRIMARY KEY (kind, id)
        ) WITHOUT ROWID""",
        # Projection of records, with the columns reads filter on.
        """CREATE TABLE records (
            rid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            layer TEXT NOT NULL,
            voice TEXT NOT NULL,
            trust TEXT NOT NULL,
            current INTEGER NOT NULL,
            recorded_at TEXT NOT NULL,
            text TEXT NOT NULL,
            value BLOB NOT NULL
        )""",
        "CREATE INDEX records_by_layer ON records (layer, current, trust, recorded_at)",
        "CREATE INDEX records_by_time ON records (current, recorded_at)",
        """CREATE VIRTUAL TABLE records_fts USING fts5(
            text, content='records', content_rowid='rid', tokenize='porter unicode61'
        )""",
        """CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN
            INSERT INTO records_fts (rowid, text) VALUES (new.rid, new.text);
        END""",
        """CREATE TRIGGER records_ad AFTER DELETE ON records BEGIN
            INSERT INTO records_fts (records_fts, rowid, text) VALUES ('delete', old.rid, old.text);
        END""",
        """CREATE TRIGGER records_au AFTER UPDATE OF text ON records BEGIN
            INSERT INTO records_fts (records_fts, rowid, text) VALUES ('delete', old.rid, old.text);
            INSERT INTO records_fts (rowid, text) VALUES (new.rid, new.text);
        END""",
    ],
)

M002_RECALL = Migration(
    "m002_recall",
    [
        # Derived recall data: every table here can be rebuilt from `records`.
        # The feed lists record rows in insertion order so indexes sync incrementally.
        """CREATE TABLE recall_feed (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            rid INTEGER NOT NULL
        )""",
        "INSERT INTO recall_feed (rid) SELECT rid FROM records ORDER BY rid",
        """CREATE TRIGGER recall_records_ai AFTER INSERT ON records BEGIN
            INSERT INTO recall_feed (rid) VALUES (new.rid);
        END""",
        # Settings and watermarks of the recall indexes (active embedder, feed positions).
        """CREATE TABLE recall_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID""",
        # Row `row` of the vector file of `embedder` holds the vector of `record_id`
        # (in an encrypted home the vector itself is kept here, in `vec`, instead).
        """CREATE TABLE recall_vectors (
            embedder TEXT NOT NULL,
            row INTEGER NOT NULL,
            record_id TEXT NOT NULL,
            rid INTEGER NOT NULL,
            vec BLOB,
            PRIMARY KEY (embedder, row)
        ) WITHOUT ROWID""",
        "CREATE UNIQUE INDEX recall_vectors_by_record ON recall_vectors (embedder, record_id)",
        # Conversation turns by place, so recall can look at a hit's neighbours.
        """CREATE TABLE recall_turns (
            session TEXT NOT NULL,
            turn INTEGER NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (session, turn)
        ) WITHOUT ROWID""",
        # Graph memory: entities, and edges that each name the record they came from.
        """CREATE TABLE graph_entities (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL
        )""",
        """CREATE TABLE graph_edges (
            id INTEGER PRIMARY KEY,
            subject INTEGER NOT NULL REFERENCES graph_entities (id),
            relation TEXT NOT NULL,
            object INTEGER NOT NULL REFERENCES graph_entities (id),
            valid_from TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            record_id TEXT NOT NULL,
            extractor TEXT NOT NULL
        )""",
        "CREATE INDEX graph_edges_by_subject ON graph_edges (subject, relation, valid_from)",
        "CREATE INDEX graph_edges_by_object ON graph_edges (object)",
        "CREATE INDEX graph_edges_by_record ON graph_edges (record_id)",
    ],
)

MIGRATIONS: tuple[Migration, ...] = (M001_JOURNAL, M002_RECALL)


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    known = {m.name for m in migrations}
    unknown = sorted(applied - known)
    if unknown:
        raise HomeCorrupt(
            f"this home was written by a newer truehearth (unknown migration {unknown[0]}); "
            "upgrade truehearth to open it"
        )
    done: list[str] = []
    for migration in migrations:
        if migration.name in applied:
            continue
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, datetime('now'))",
                (migration.name,),
            )
        done.append(migration.name)
    return done
