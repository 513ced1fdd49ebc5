"""Trimmed chats on conversations nobody here wrote: continued when journaled, never merged.

Run: PYTHONPATH=src .venv/bin/python bench/trimmed_match_bench.py [--limit 300]

Data (read from ``$TRUEHEARTH_EXT_DATA`` or ``../shared/data``, never committed):
Topical-Chat test_freq (human-human chit-chat, CDLA-Sharing-1.0) as the dev
set and Synthetic-Persona-Chat test (CC-BY 4.0) as the test set. Both are full
of the small talk that must never merge two chats ("Hi, how are you?").

For each set, every conversation of 8 turns or more, the first speaker as the
human and the second as the companion, is assigned by a stable digest of its
id to *journaled* (written to a real home as a proxy session, as the proxy
journals turns) or *unseen* (never written). Then, as SillyTavern would send
it after trimming, each conversation's newest W messages plus a new line go to
:func:`truehearth.threads.locate`:

* a journaled conversation must find its own session (continuity; a miss
  starts a new session, which loses continuity but invents nothing);
* an unseen one must find none (any session found is a false match).

The thresholds in :mod:`truehearth.threads` were set before this bench was
run and were not changed after; nothing here was tuned.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import extsets
from proxy_chats import journal_chat
from truehearth import threads
from truehearth.home import Home
from truehearth.threads import Said

WINDOWS = (6, 8, 12)
MIN_TURNS = 8
NEXT = "So, what do you think we should do next?"

Conversation = tuple[str, list[tuple[str, str]]]  # id, (human, reply) turns


def _turns(messages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(speaker, text) in order -> (human, reply) pairs; a speaker's run is one message."""
    merged: list[tuple[str, str]] = []
    for speaker, said in messages:
        text = said.strip()
        if not text:
            continue
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, merged[-1][1] + "\n" + text)
        else:
            merged.append((speaker, text))
    if merged and merged[0][0] != messages[0][0]:
        merged = merged[1:]
    return [(merged[i][1], merged[i + 1][1]) for i in range(0, len(merged) - 1, 2)]


def topical_chat(root: Path) -> Iterator[Conversation]:
    data = json.loads((root / "topical_chat" / "test_freq.json").read_text(encoding="utf-8"))
    for cid, conv in data.items():
        messages = [(m["agent"], m["message"]) for m in conv["content"]]
        if messages:
            yield cid, _turns(messages)


def persona_chat(root: Path) -> Iterator[Conversation]:
    path = root / "synthetic_persona_chat" / "Synthetic-Persona-Chat_test.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f)):
            if n == 0 or len(row) < 3:
                continue
            messages = []
            for line in row[2].splitlines():
                speaker, sep, text = line.partition(":")
                if sep and speaker.strip() in ("User 1", "User 2"):
                    messages.append((speaker.strip(), text))
                elif messages:
                    messages[-1] = (messages[-1][0], messages[-1][1] + "\n" + line)
            if messages:
                yield f"spc-{n}", _turns(messages)


def _journaled(cid: str) -> bool:
    return hashlib.blake2b(cid.encode(), digest_size=2).digest()[0] % 2 == 0


def _window(turns: list[tuple[str, str]], keep: int) -> list[Said]:
    said = [s for h, r in turns for s in (Said("user", h), Said("assistant", r))]
    return [*said[-keep:], Said("user", NEXT)]


def run(name: str, conversations: list[Conversation]) -> None:
    root = Path(tempfile.mkdtemp(prefix="th-trim-"))
    try:
        with Home.init(root / "home", "Ash") as home:
            journaled = [(c, t) for c, t in conversations if _journaled(c)]
            unseen = [(c, t) for c, t in conversations if not _journaled(c)]
            for cid, turns in journaled:
                journal_chat(home, f"s-proxy-{cid}", turns)
            print(
                f"\n{name}: {len(journaled)} conversations journaled "
                f"({sum(len(t) for _, t in journaled)} turns), {len(unseen)} unseen\n"
            )
            print("| probe | n | own session | new | ambiguous | another session |")
            print("|---|---:|---:|---:|---:|---:|")
            for keep in WINDOWS:
                mine: list[tuple[list[Said], str | None]] = [
                    (_window(t, keep), f"s-proxy-{c}") for c, t in journaled
                ]
                _row(home, f"journaled, trimmed to {keep} messages", mine)
            _row(home, "unseen, trimmed to 8", [(_window(t, 8), None) for _c, t in unseen])
            cycled = journaled * (1 + len(unseen) // max(len(journaled), 1))
            pairs = list(zip(unseen, cycled, strict=False))
            for copied in (1, 2, 3):
                probes = [(_spliced(u, j, copied, replies=True), None) for (_, u), (_, j) in pairs]
                label = f"unseen + a journaled chat's last {copied} turn(s) word for word"
                _row(home, label, probes)
            probes = [(_spliced(u, j, 3, replies=False), None) for (_, u), (_, j) in pairs]
            _row(home, "unseen + a journaled chat's last 3 lines, other replies", probes)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _spliced(
    unseen: list[tuple[str, str]], journaled: list[tuple[str, str]], copied: int, *, replies: bool
) -> list[Said]:
    """An unseen chat's window, then the newest ``copied`` turns of a journaled one.

    With ``replies``, word for word (a chat that holds a journaled ending); without,
    the journaled human lines answered by the unseen chat's own replies.
    """
    head = _window(unseen, 8)[:-1]
    tail = journaled[-copied:]
    if not replies:
        own = [r for _h, r in unseen[-copied:]]
        tail = [(h, own[i % len(own)]) for i, (h, _r) in enumerate(tail)]
    said = [s for h, r in tail for s in (Said("user", h), Said("assistant", r))]
    return [*head, *said, Said("user", NEXT)]


def _row(home: Home, label: str, probes: Sequence[tuple[list[Said], str | None]]) -> None:
    got: Counter[str] = Counter(_outcome(home, said, own) for said, own in probes)
    n = len(probes)
    own = f"{got['own']} ({got['own'] / max(n, 1):.1%})" if probes[0][1] else "-"
    print(f"| {label} | {n} | {own} | {got['new']} | {got['ambiguous']} | **{got['other']}** |")


def _outcome(home: Home, said: list[Said], own: str | None) -> str:
    found = threads.locate(home, said, now=home.now(), asks_reply=True)
    if found.match is None:
        return "ambiguous" if found.ambiguous else "new"
    return "own" if found.match.thread.session == own else "other"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=300, help="conversations per set at most")
    args = parser.parse_args()
    root = extsets.data_dir()
    if root is None:
        sys.exit("the external data folder is absent: set TRUEHEARTH_EXT_DATA or ../shared/data")
    for name, source in (
        ("dev: Topical-Chat test_freq", topical_chat),
        ("test: Synthetic-Persona-Chat test", persona_chat),
    ):
        convs = [(c, t) for c, t in source(root) if len(t) >= MIN_TURNS][: args.limit]
        run(name, convs)


if __name__ == "__main__":
    main()
