"""Finding a chat's session when a generic line opens many sessions.

Run: PYTHONPATH=src .venv/bin/python bench/session_match_bench.py [--sessions 1000] [--repeats 20]

A home of N proxy sessions of 20 turns, each opened by the same line ("hi"),
as real chats often are. A chat that says "hi" again is then a candidate key
for every one of them. The store's query (``store/turns.py: session_tails``)
keeps a session only when one of the chat's lines is its *last* human turn
(no chat can continue a session without showing its last turn); side by side,
the same statement without that filter, as the query stood before (every
session holding any of the chat's lines, then all their turns). Both must
return the same sessions.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import orjson

from proxy_chats import journal_chat
from truehearth.home import Home
from truehearth.homedir import DB_NAME
from truehearth.store import turns

TURNS = 20

UNFILTERED = (
    "WITH asked(key) AS MATERIALIZED (SELECT value FROM json_each(?)), "
    "candidate(session) AS MATERIALIZED ("
    "  SELECT DISTINCT session FROM turn_index "
    "  WHERE human = 1 AND via = ? AND said IN (SELECT key FROM asked)), "
    "turn(session, turn, hit, at) AS MATERIALIZED ("
    "  SELECT t.session, t.turn, t.said IN (SELECT key FROM asked), r.recorded_at "
    "  FROM candidate c CROSS JOIN turn_index t ON t.session = c.session "
    "  CROSS JOIN records r ON r.id = t.id WHERE t.human = 1 AND r.current = 1), "
    "broken(session, turn, at, gap) AS ("
    "  SELECT session, turn, at, "
    "  max(CASE WHEN hit THEN -1 ELSE turn END) OVER (PARTITION BY session) FROM turn) "
    "SELECT session FROM broken GROUP BY session "
    "HAVING sum(turn > gap) >= min(count(*), ?) "
    "ORDER BY sum(turn > gap) DESC, max(at) DESC LIMIT ?"
)


def _home(path: Path, sessions: int) -> None:
    with Home.init(path, "Ash") as home:
        for s in range(sessions):
            lines = ["hi", *(f"chat {s}, line {t}: how is the garden?" for t in range(1, TURNS))]
            journal_chat(home, f"s-{s}", [(h, f"reply {s}.{t}") for t, h in enumerate(lines)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="th-match-"))
    _home(root / "home", args.sessions)
    conn = sqlite3.connect(root / "home" / DB_NAME)
    turns.register(conn)
    chats = {
        "new chat opening with hi": ["hi", "something else entirely", "and more"],
        "session 7, trimmed": [f"chat 7, line {t}: how is the garden?" for t in range(15, 20)],
    }
    python = platform.python_version()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, python {python}")
    print(f"home: {args.sessions} proxy sessions of {TURNS} turns, each opened by 'hi'")
    print()
    print("| chat | filtered (shipped) | unfiltered (before) | sessions found |")
    print("|---|---:|---:|---:|")
    for label, chat in chats.items():
        took = {"filtered": 0.0, "unfiltered": 0.0}
        for _ in range(args.repeats):  # alternated, so load drifts hit both alike
            started = time.perf_counter()
            found = [t.session for t in turns.session_tails(conn, chat, "proxy", 3)]
            took["filtered"] += time.perf_counter() - started
            started = time.perf_counter()
            keys = orjson.dumps(sorted({turns.turn_key(t) for t in chat})).decode()
            rows = conn.execute(UNFILTERED, (keys, "proxy", 3, turns.CANDIDATES)).fetchall()
            took["unfiltered"] += time.perf_counter() - started
            assert found == [str(r[0]) for r in rows], (found, rows)
        ms = {k: v / args.repeats * 1e3 for k, v in took.items()}
        print(f"| {label} | {ms['filtered']:.2f} ms | {ms['unfiltered']:.2f} ms | {len(found)} |")
    conn.close()
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
