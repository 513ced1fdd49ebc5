"""What finding a rewound chat's session costs, beside finding a whole chat's, in process.

Run: PYTHONPATH=src .venv/bin/python bench/rewind_match_bench.py [--archive 4000] [--repeats 200]

A home holds ``--archive`` earlier proxy turns in sessions of 20 (the same
shape as ``bench/proxy_load.py --archive``). ``threads.locate`` is timed on one
of those sessions sent three ways, alternated so load drifts hit each alike:
whole (the chat so far and a new line), rewound (its last exchange deleted,
then a new line: the tail query finds nothing, so ``sessions_sharing`` and
:func:`threads.rewound` run), and unseen (a chat of the same length that no
session holds, which opens as every one of them does; and the same chat with
the opener as its newest line before the new one, the worst case: every
session holds the line the chat goes on from, so the search reads the most
candidates it ever reads, aligns each, and finds nothing).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from proxy_chats import journal_chat
from truehearth import threads
from truehearth.home import Home

TURNS = 20


OPENER = "Good morning! Did you sleep well after the long walk yesterday?"


def _line(session: int, t: int) -> str:
    """Every chat opens alike (the worst case for a rewind's search), then goes its own way."""
    return OPENER if t == 0 else f"chat {session}, line {t}: tell me again about the garden"


def _reply(session: int, t: int) -> str:
    return f"reply {session}.{t}: the basil came up first, then the tomatoes, in that order"


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3


def _said(session: int, turns: int) -> list[threads.Said]:
    out: list[threads.Said] = []
    for t in range(turns):
        out += [
            threads.Said("user", _line(session, t)),
            threads.Said("assistant", _reply(session, t)),
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="th-rewind-"))
    try:
        with Home.init(root / "home", "Ash") as home:
            chats = max(args.archive // TURNS, 1)
            for s in range(chats):
                pairs = [(_line(s, t), _reply(s, t)) for t in range(TURNS)]
                journal_chat(home, f"s-{s}", pairs)
            probe = chats // 2
            new = threads.Said("user", "and after all that, where shall we walk tomorrow?")
            opening = [threads.Said("user", OPENER), threads.Said("assistant", "Yes, thank you!")]
            shapes = {
                "whole": [*_said(probe, TURNS), new],
                "rewound": [*_said(probe, TURNS - 1), new],
                "unseen": [*_said(chats + 1, TURNS - 1), new],
                "unseen, ending on the opener": [*_said(chats + 1, TURNS - 1)[2:], *opening, new],
            }
            want = {"whole": "whole", "rewound": "rewind", "unseen": None}
            want["unseen, ending on the opener"] = None
            took: dict[str, list[float]] = {label: [] for label in shapes}
            for _ in range(args.repeats):
                for label, chat in shapes.items():
                    started = time.perf_counter()
                    found = threads.locate(home, chat, now=home.now(), asks_reply=True)
                    took[label].append(time.perf_counter() - started)
                    how = found.match.how if found.match is not None else None
                    assert how == want[label], (label, how)
        print(f"threads.locate, in process, {args.repeats} each; {chats} sessions of {TURNS} turns")
        print()
        print("| chat | p50 | p95 |")
        print("|---|---:|---:|")
        for label, values in took.items():
            print(f"| {label} | {_ms(values, 0.5):.2f} ms | {_ms(values, 0.95):.2f} ms |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
