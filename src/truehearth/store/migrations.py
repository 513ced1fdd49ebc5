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

M002_RECORD_FEED = Migration(
    "m002_record_feed",
    [
        # An older m002_recall kept this feed, and recall's tables, in the store's
        # list; recall now owns its tables (truehearth.recall.migrations) and the
        # feed is the store's, renamed. Its positions restart, so recall's first
        # migration resets its watermarks (indexes skip what they already hold).
        "DROP TRIGGER IF EXISTS recall_records_ai",
        "DROP TABLE IF EXISTS recall_feed",
        # Record rows in insertion order, so derived indexes catch up incrementally
        # (a row id alone is not enough: a rollback re-inserts a record at a new row).
        """CREATE TABLE record_feed (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            rid INTEGER NOT NULL
        )""",
        "INSERT INTO record_feed (rid) SELECT rid FROM records ORDER BY rid",
        """CREATE TRIGGER records_feed_ai AFTER INSERT ON records BEGIN
            INSERT INTO record_feed (rid) VALUES (new.rid);
        END""",
    ],
)

M003_SECRETS = Migration(
    "m003_secrets",
    [
        # Secrets that must share the database's encryption (the signing key of an
        # encrypted home).
        """CREATE TABLE home_secrets (
            name TEXT PRIMARY KEY,
            value BLOB NOT NULL
        ) WITHOUT ROWID""",
    ],
)

M004_TOUCHES_BY_SEQ = Migration(
    "m004_touches_by_seq",
    [
        # The pre-turn check compares the touches of the events after the last
        # verified head; without this index that is a scan of every touch.
        "CREATE INDEX touches_by_seq ON touches (seq)",
    ],
)

M005_TURN_INDEX = Migration(
    "m005_turn_index",
    [
        # Which session each conversation turn belongs to, and a digest of its
        # text (truehearth.store.turns): finding the session a frontend's chat
        # continues is then a few indexed lookups, not a read of the archive.
        # Written with the record rows, in the same transaction.
        """CREATE TABLE turn_index (
            id TEXT PRIMARY KEY,
            session TEXT NOT NULL,
            via TEXT NOT NULL,
            turn INTEGER NOT NULL,
            human INTEGER NOT NULL,
            said TEXT NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX turn_index_by_session ON turn_index (session, turn)",
        "CREATE INDEX turn_index_by_said ON turn_index (said, via) WHERE human = 1",
        # The turns already journaled; th_turn_key is truehearth.store.turns.turn_key.
        """INSERT INTO turn_index (id, session, via, turn, human, said)
        SELECT id, session, coalesce(via, ''), CAST(coalesce(turn, 0) AS INTEGER),
               voice = 'human', th_turn_key(text)
        FROM (
            SELECT id, voice, text,
                   json_extract(j, '$.source.session') AS session,
                   json_extract(j, '$.source.via') AS via,
                   json_extract(j, '$.meta.turn') AS turn,
                   json_extract(j, '$.meta.kind') AS kind
            FROM (SELECT id, voice, text, CAST(value AS TEXT) AS j FROM records
                  WHERE layer = 'archive')
        )
        WHERE kind = 'turn' AND typeof(session) = 'text' AND session != ''
          AND typeof(turn) IN ('integer', 'real', 'null')""",
    ],
)

M006_TURN_INDEX_TAILS = Migration(
    "m006_turn_index_tails",
    [
        # What the session-tails query reads of each human turn, kept in the turn
        # index (truehearth.store.turns.row_of) so the query no longer reads a
        # records row per turn: whether the record is current, when it was
        # recorded, and the turn a rewind follows (meta.follows, as json_extract
        # reads it). Written with the record rows, in the same transaction.
        "ALTER TABLE turn_index ADD COLUMN current INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE turn_index ADD COLUMN at TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE turn_index ADD COLUMN follows",
        # The turns already indexed, from their records (a row without one, which
        # verify reports anyway, is left not current).
        """UPDATE turn_index SET (current, at, follows) = (
            SELECT coalesce(max(r.current), 0), coalesce(max(r.recorded_at), ''),
                   max(json_extract(CAST(r.value AS TEXT), '$.meta.follows'))
            FROM records r WHERE r.id = turn_index.id
        )""",
    ],
)

M007_IMPORT_INDEX = Migration(
    "m007_import_index",
    [
        # Which imported messages the home holds (truehearth.store.imported): the
        # name digest (format, locator, part) and the digest of the text of every
        # imported archive record, so a later export's older messages are found
        # by an indexed lookup, not a read of the archive. Written with the record
        # rows, in the same transaction.
        """CREATE TABLE import_index (
            id TEXT PRIMARY KEY,
            name BLOB NOT NULL,
            said BLOB NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX import_index_by_name ON import_index (name, said)",
        # The records imported before this index existed; th_import_name and
        # th_import_said are truehearth.core.import_keys.keys_of on the stored value.
        """INSERT INTO import_index (id, name, said)
        SELECT id, name, said FROM (
            SELECT id, th_import_name(value) AS name, th_import_said(value) AS said
            FROM records WHERE layer = 'archive'
        ) WHERE name IS NOT NULL AND said IS NOT NULL""",
    ],
)

M008_RECORD_CHANGES = Migration(
    "m008_record_changes",
    [
        # Record rows changed in place or removed, in the order they changed: a
        # reader that keeps rows between reads (recall's kept rows) drops exactly
        # these. A trigger, not the journal's touches: a row edited by hand is
        # read again too, as it was before rows were kept (the pre-turn checks
        # then see what is stored). New rows are the feed's (record_feed).
        """CREATE TABLE record_changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            rid INTEGER NOT NULL
        )""",
        """CREATE TRIGGER records_changes_au AFTER UPDATE ON records BEGIN
            INSERT INTO record_changes (rid) SELECT old.rid UNION SELECT new.rid;
        END""",
        """CREATE TRIGGER records_changes_ad AFTER DELETE ON records BEGIN
            INSERT INTO record_changes (rid) VALUES (old.rid);
        END""",
    ],
)

MIGRATIONS: tuple[Migration, ...] = (
    M001_JOURNAL,
    M002_RECORD_FEED,
    M003_SECRETS,
    M004_TOUCHES_BY_SEQ,
    M005_TURN_INDEX,
    M006_TURN_INDEX_TAILS,
    M007_IMPORT_INDEX,
    M008_RECORD_CHANGES,
)

# Names an older truehearth applied whose work has moved elsewhere: known, never run.
RETIRED = frozenset({"m002_recall"})


def migrate(
    conn: sqlite3.Connection,
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    ledger: str = "_migrations",
    retired: frozenset[str] = RETIRED,
) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction.

    ``ledger`` names the table that records what was applied: the store and
    each derived index keep their own list, so none needs to know the others.
    Two processes opening the same home at once is safe: each migration is
    checked again inside its transaction.
    """
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {ledger} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = {row[0] for row in conn.execute(f"SELECT name FROM {ledger}")}
    known = {m.name for m in migrations} | retired
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
            again = conn.execute(f"SELECT 1 FROM {ledger} WHERE name = ?", (migration.name,))
            if again.fetchone() is not None:
                continue  # another connection applied it meanwhile
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                f"INSERT INTO {ledger} (name, applied_at) VALUES (?, datetime('now'))",
                (migration.name,),
            )
        done.append(migration.name)
    return done
