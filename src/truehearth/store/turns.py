"""The turn index: which session each journaled conversation turn belongs to.

Frontends that speak the OpenAI API send the whole visible chat with every
request and no chat id, so the proxy finds the session a chat continues from the
chat's own lines (:mod:`truehearth.threads`). Reading the archive to do that
costs a page of records per request at best, thousands at worst. This index
answers it with a few indexed lookups: one row per turn record (``meta.kind ==
"turn"`` in the archive, with a session), keyed by the record's id, holding its
session, how it came (``source.via``), its turn number, whether the human said
it, and a digest of its text with the outer whitespace stripped; and what the
tails query reads of a turn (whether the record is current, when it was
recorded, the turn a rewind follows), so that query reads no ``records`` row.

Invariants: the index is a projection like ``records`` itself. It is written in
the same transaction as the record row it mirrors (:func:`project`), so a crash
leaves both or neither, and a rolled-back or replaced record leaves or changes
its row with it (``verify`` compares every column with the journal). It is only
ever a way to *find* candidates: readers take the records themselves from
``records`` (current rows only) and compare their text,
so a row can never make a chat match text the journal does not hold.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from typing import Any

import orjson

from truehearth.store.base import SessionLines, SessionTail

KEY_FUNCTION = "th_turn_key"
"""The SQL name of :func:`turn_key`, registered on the store's connection (the backfill uses it)."""


def turn_key(text: str) -> str:
    """The digest a turn's text is found by: outer whitespace does not count (as in the chat)."""
    data = text.strip().encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def register(conn: sqlite3.Connection) -> None:
    """Make :func:`turn_key` callable from SQL on ``conn`` (before migrations run)."""
    conn.create_function(KEY_FUNCTION, 1, _sql_key, deterministic=True)


def _sql_key(text: Any) -> str | None:
    return turn_key(text) if isinstance(text, str) else None


TurnRow = tuple[str, str, int, int, str, int, str, Any]
"""A turn index row but its id: ``(session, via, turn, human, said, current, at, follows)``."""


def is_current(value: dict[str, Any]) -> int:
    """Whether a record value is current (``records.current``): not forgotten, not superseded."""
    return int(not value.get("forgotten") and not value.get("superseded_by"))


def follows_of(meta: dict[str, Any]) -> Any:
    """``meta.follows`` as SQLite's ``json_extract`` reads it from the stored value.

    The tails query compares it with turn numbers, so it must be the very value
    the query read from ``records`` before the index carried it: a number stays
    a number, a string a string, true and false become 1 and 0, and an object
    or a list its JSON text.
    """
    follows = meta.get(FOLLOWS)
    if follows is None or isinstance(follows, int | float | str):
        return int(follows) if isinstance(follows, bool) else follows
    return orjson.dumps(follows, option=orjson.OPT_SORT_KEYS).decode()  # as stored


def row_of(value: dict[str, Any]) -> TurnRow | None:
    """The turn index row of a turn record's value (see :data:`TurnRow`), else ``None``.

    Besides finding turns, a row carries what the tails query reads of each
    human turn (current or not, when it was recorded, the turn a rewind
    follows), so that query never reads the ``records`` table.
    """
    meta = value.get("meta") or {}
    source = value.get("source") or {}
    session = source.get("session")
    if value.get("layer") != "archive" or meta.get("kind") != "turn":
        return None
    if not isinstance(session, str) or not session:
        return None
    number = meta.get("turn", 0)
    if number is None:
        number = 0
    if not isinstance(number, int | float):
        return None  # a turn number that is not a number: not a turn (as the backfill reads it)
    human = int(value.get("voice") == "human")
    return (
        session,
        str(source.get("via", "")),
        int(number),
        human,
        turn_key(value["text"]),
        is_current(value),
        str(value["recorded_at"]),
        follows_of(meta),
    )


def project(conn: sqlite3.Connection, rid: str, value: dict[str, Any] | None) -> None:
    """Mirror one record's projection (``None``: the row was removed) in the index."""
    row = None if value is None else row_of(value)
    if row is None:
        conn.execute("DELETE FROM turn_index WHERE id = ?", (rid,))
        return
    conn.execute(
        "INSERT INTO turn_index (id, session, via, turn, human, said, current, at, follows) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET session = excluded.session, via = excluded.via, "
        "turn = excluded.turn, human = excluded.human, said = excluded.said, "
        "current = excluded.current, at = excluded.at, follows = excluded.follows",
        (rid, *row),
    )


FOLLOWS = "follows"
"""The meta key a human turn journaled after a rewind carries: the turn number it follows.

A frontend that deletes a chat's newest exchanges and sends a new line goes on
from an earlier turn; the turns between that one and the new line are cut
from the session as the chat knows it (they stay in the journal, withdrawn).
"""

CANDIDATES = 20
"""How many sessions :func:`session_tails` offers at most (the longest tails and newest first)."""


def _keys_json(texts: Sequence[str]) -> str:
    """The turn-index keys of the lines that say something, as one JSON array for SQL."""
    return orjson.dumps(sorted({turn_key(t) for t in texts if t.strip()})).decode()


def session_tails(
    conn: sqlite3.Connection, texts: Sequence[str], via: str, min_tail: int
) -> list[SessionTail]:
    """Sessions from ``via`` whose newest ``min_tail`` (or all) human turns are among ``texts``.

    A frontend trims a long chat from the front, so the chat holds the newest
    turns of its session, not the first: a session's *tail* is its run of
    newest human turns whose lines the chat holds (all of them when nothing was
    trimmed). Only a session whose last turn is in the chat can be continued by
    it, and the longer the run, the likelier. The order of the lines is checked
    by the caller, on the records. One statement: an index lookup per line for
    the candidates, kept only where the line is the session's last turn (so a
    generic line that opens a thousand sessions pulls in none of them), then
    only those sessions' turns. Turns a rewind cut (:data:`FOLLOWS`) are not
    the session's any more: they neither count nor break a tail.
    """
    keys = _keys_json(texts)
    # The window finds each session's newest turn whose line the chat lacks (-1:
    # none). Everything is read from the turn index: with recall's catch-up
    # writing the same file after every turn, this connection's page cache is
    # cold at each request, and a ``records`` row per human turn made the query
    # grow with the chat.
    rows = conn.execute(
        "WITH asked(key) AS MATERIALIZED (SELECT value FROM json_each(?)), "
        "candidate(session) AS MATERIALIZED ("
        "  SELECT DISTINCT m.session FROM turn_index m "
        "  WHERE m.human = 1 AND m.via = ? AND m.said IN (SELECT key FROM asked) "
        "  AND m.turn = (SELECT x.turn FROM turn_index x WHERE x.session = m.session "
        "                AND x.human = 1 ORDER BY x.turn DESC LIMIT 1)), "
        "turn(session, turn, hit, at, follows) AS MATERIALIZED ("
        "  SELECT t.session, t.turn, t.said IN (SELECT key FROM asked), t.at, t.follows "
        "  FROM candidate c CROSS JOIN turn_index t ON t.session = c.session "
        "  WHERE t.human = 1 AND t.current = 1), "
        "rewind(session, follows, turn) AS MATERIALIZED ("
        "  SELECT session, follows, turn FROM turn WHERE follows IS NOT NULL), "
        "live(session, turn, hit, at) AS ("
        "  SELECT a.session, a.turn, a.hit, a.at FROM turn a WHERE NOT EXISTS ("
        "    SELECT 1 FROM rewind w WHERE w.session = a.session "
        "    AND a.turn > w.follows AND a.turn < w.turn)), "
        "broken(session, turn, at, gap) AS ("
        "  SELECT session, turn, at, "
        "  max(CASE WHEN hit THEN -1 ELSE turn END) OVER (PARTITION BY session) FROM live) "
        "SELECT session, count(*), sum(turn > gap), min(CASE WHEN turn > gap THEN turn END), "
        "max(at) FROM broken GROUP BY session "
        "HAVING sum(turn > gap) >= min(count(*), ?) "
        "ORDER BY 3 DESC, 5 DESC LIMIT ?",
        (keys, via, max(min_tail, 1), CANDIDATES),
    )
    return [
        SessionTail(str(s), int(n), int(tail), int(since), str(at))
        for s, n, tail, since, at in rows
    ]


def sessions_sharing(
    conn: sqlite3.Connection, texts: Sequence[str], ends: Sequence[str], via: str
) -> list[SessionLines]:
    """Sessions from ``via`` holding every line of ``ends`` as a human turn, and one of ``texts``.

    The candidates for a rewound chat (:func:`truehearth.threads.rewound`): one
    whose newest turns the frontend deleted, so it no longer shows the session's
    last turn and :func:`session_tails` cannot name it. ``ends`` are the newest
    human lines the chat shows before its new one (a rewind must show that many
    of the session's turns, as a tail must show the session's last ones), so a
    chat that merely opens like a thousand sessions names none of them;
    ``texts`` are the chat's lines that say something, and ``since`` is the
    first of the session's turns among them. The sessions sharing the most
    lines come first, then the most recent, a bounded number; the order of the
    lines is checked by the caller, on the records.
    """
    keys = _keys_json(texts)
    last = _keys_json(ends)
    rows = conn.execute(
        "WITH asked(key) AS MATERIALIZED (SELECT value FROM json_each(?)), "
        "ending(key) AS MATERIALIZED (SELECT value FROM json_each(?)), "
        "candidate(session) AS MATERIALIZED ("
        "  SELECT e.session FROM turn_index e "
        "  WHERE e.human = 1 AND e.via = ? AND e.said IN (SELECT key FROM ending) "
        "  GROUP BY e.session HAVING count(DISTINCT e.said) = (SELECT count(*) FROM ending)) "
        "SELECT t.session, min(t.turn), count(*), max(r.recorded_at) "
        "FROM candidate c CROSS JOIN turn_index t ON t.session = c.session "
        "CROSS JOIN records r ON r.id = t.id "
        "WHERE t.human = 1 AND t.said IN (SELECT key FROM asked) AND r.current = 1 "
        "GROUP BY t.session ORDER BY 3 DESC, 4 DESC LIMIT ?",
        (keys, last, via, CANDIDATES),
    )
    return [SessionLines(str(s), int(first), int(n), str(at)) for s, first, n, at in rows]


def sessions_holding(conn: sqlite3.Connection, texts: Sequence[str], via: str) -> list[str]:
    """Sessions from ``via`` whose every current human turn is one of ``texts``.

    Those are the only sessions a whole (untrimmed) chat holding ``texts`` can
    continue. The ones with the most human turns come first, then the most
    recently active.
    """
    return [t.session for t in session_tails(conn, texts, via, 1 << 30) if t.whole]


def session_values(conn: sqlite3.Connection, session: str, since: int = 0) -> list[bytes]:
    """The stored values of a session's current turn records (humans and replies).

    ``since``: only turns numbered from it on, read through the (session, turn) index.
    """
    rows = conn.execute(
        "SELECT r.value FROM turn_index t JOIN records r ON r.id = t.id "
        "WHERE t.session = ? AND t.turn >= ? AND r.current = 1 ORDER BY t.turn, r.rid",
        (session, since),
    )
    return [bytes(row[0]) if not isinstance(row[0], str) else row[0].encode() for row in rows]


def recent_sessions(conn: sqlite3.Connection, via: str, limit: int) -> list[tuple[str, int, str]]:
    """``(session, human turns, last activity)`` of ``via``'s sessions, newest first."""
    rows = conn.execute(
        "SELECT t.session, sum(t.human), max(r.recorded_at) FROM turn_index t "
        "JOIN records r ON r.id = t.id WHERE t.via = ? AND r.current = 1 "
        "GROUP BY t.session ORDER BY 3 DESC LIMIT ?",
        (via, limit),
    )
    return [(str(s), int(n or 0), str(at)) for s, n, at in rows]


def first_difference(conn: sqlite3.Connection, records: dict[str, dict[str, Any]]) -> str | None:
    """The first way the stored index differs from the record values it must mirror, or ``None``.

    ``records`` is every record value of the folded journal, by id (``verify``).
    """
    want = {rid: row for rid, value in records.items() if (row := row_of(value)) is not None}
    rows = conn.execute(
        "SELECT id, session, via, turn, human, said, current, at, follows FROM turn_index"
    )
    for rid, *stored in rows:
        row = want.pop(str(rid), None)
        if row is None:
            return f"the turn index holds {rid}, which is not a turn in the journal"
        if tuple(stored) != row:
            return f"the turn index row of {rid} differs from the journal"
    if want:
        return f"turn {next(iter(want))} is missing from the turn index"
    return None
