"""The same proxy requests on a copy of one bench home: what the code assembled, matched, journaled.

Run once per version of the code, each on its own copy of one home and with
its own ``XDG_DATA_HOME`` (the integrity mark lives outside the home), then
``cmp`` the two files:

    PYTHONPATH=<src>:bench XDG_DATA_HOME=<dir> .venv/bin/python bench/proxy_replay.py \\
        HOME_COPY OUT [--requests 60]

A home is made with ``proxy_load._make_home`` (1,000 memories, 4,000 earlier
turns). Each request is ``proxy_profile``'s (SillyTavern's shape, a new chat
every 20 turns, recall's catch-up after each). Written: every context handed
to the mouth (with a fixed fence tag), then every journal event the requests
added, whole (effects, session names, the frontend notes that say how each
chat was matched). Ids and times drawn fresh in this run are renamed in order
of first appearance (those the home held before keep their own), so two runs
that behave the same write the same bytes.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request

from proxy_profile import Client, InlineCatchUp
from truehearth import turn
from truehearth.context import fences
from truehearth.context.model import Context
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

FRESH = re.compile(
    rb"(?<![A-Za-z0-9])[a-z2-7-]*[a-z2-7]{14}(?![A-Za-z0-9])"  # ids: prefix + 14 base32
    rb"|[0-9a-f]{32,}"  # digests, nonces
    rb"|\d{4}-\d\d-\d\dT[0-9:.+]+"  # times
)


def _record_contexts(contexts: list[bytes]) -> None:
    """Fix the fence tag and keep each context a turn assembles."""
    prepare = turn.Conversation.prepare

    def kept(self: turn.Conversation, text: str) -> Context:
        context = prepare(self, text)
        contexts.append(orjson.dumps([[m.role, m.content] for m in context.messages]))
        return context

    setattr(fences, "new_nonce", lambda: "f" * 32)  # noqa: B010
    setattr(turn.Conversation, "prepare", kept)  # noqa: B010


def _renamed(data: bytes, names: dict[bytes, bytes]) -> bytes:
    def name(m: re.Match[bytes]) -> bytes:
        return names.setdefault(m.group(0), b"<%d>" % len(names))

    return FRESH.sub(name, data)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("home", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    contexts: list[bytes] = []
    _record_contexts(contexts)
    names: dict[bytes, bytes] = {}
    with Home.open(args.home) as h:
        head = h.head()
        start = head.seq if head is not None else 0
        for event in h.store.events(1):  # what the home held before keeps its own name
            for m in FRESH.finditer(event.body):
                names[m.group(0)] = m.group(0)
    app = create_app(ServerSettings(home=args.home, token=ensure_token(args.home)))
    path: Path = args.home
    app.state.catch_up = InlineCatchUp(lambda: Home.open(path))
    request = Request({"type": "http", "app": app, "headers": [], "method": "POST"})
    client = Client(request)
    for _ in range(args.requests):
        client.send()
    app.state.catch_up.stop()
    app.state.homes.close()
    app.state.pool.close()
    events: list[Any] = []
    with Home.open(args.home) as h, args.out.open("wb") as f:
        for context in contexts:
            f.write(b"CONTEXT " + _renamed(context, names) + b"\n")
        events = list(h.store.events(start + 1))
        for event in events:
            f.write(b"EVENT " + _renamed(event.body, names) + b"\n")
    print(f"{len(contexts)} contexts, {len(events)} events: {args.out}")


if __name__ == "__main__":
    main()
