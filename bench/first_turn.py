"""How long the first turn after a large import takes: `truehearth serve` and `truehearth say`.

Run once per version of the code, on a fresh copy of one imported home each time:

    PYTHONPATH=<src> .venv/bin/python bench/first_turn.py HOME_COPY [--say]

Each copy gets a data directory of its own beside it (HOME_COPY-data). The text
imported (10 MB, 5,000 passages of varied sentences) is written by
``bench/first_turn.py FILE --write-text``.

The home is one that `truehearth import text` has just filled (recall has not
indexed it). Without ``--say`` a real `truehearth serve` is started on a loopback
port, then two non-streamed chat completions are sent; the seconds each took and
the ``recall_behind`` the reply's provenance reports (absent before the index
stopped blocking turns) are printed. With ``--say``, one `truehearth say --json
--explain` is run and the time until its reply arrives on stdout is printed, and
the time until the command exits.

``--ask TEXT`` puts another first question (say, one about a rare phrase of the
import: "Do you remember what happened in note 4321?"); each turn also prints how
many records recall's backlog pass put in its context (``recall_backlog``: absent
before that pass).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "truehearth"]


def _post(url: str, token: str, text: str) -> tuple[float, dict[str, Any]]:
    body = json.dumps(
        {"model": "echo", "messages": [{"role": "user", "content": text}], "stream": False}
    ).encode()
    request = urllib.request.Request(
        url + "/v1/chat/completions",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            data = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return time.monotonic() - began, {"truehearth": {}, "error": exc.read().decode()}
    return time.monotonic() - began, data


def _env(home: Path) -> dict[str, str]:
    """The home, and a data directory of its own: the integrity mark lives there, and a
    fresh copy of the same home would otherwise be taken for a rewritten one."""
    data = home.with_name(home.name + "-data")
    data.mkdir(exist_ok=True)
    return dict(os.environ, TRUEHEARTH_HOME=str(home), XDG_DATA_HOME=str(data))


FIRST = "Do you remember the tomatoes?"


def _backlog(block: dict[str, Any]) -> str:
    found = block.get("recall_backlog")
    return "-" if found is None else str(len(found))


def serve(home: Path, ask: str = FIRST) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = _env(home)
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        token = (home / "keys" / "server.token").read_text().strip()
        for n, text in enumerate((ask, "and the basil?"), 1):
            took, data = _post(url, token, text)
            block = data["truehearth"]
            behind = block.get("recall_behind")
            print(
                f"turn {n}: {took:.2f} s, recall_behind {behind}, recall_backlog {_backlog(block)}",
                data.get("error", ""),
            )
    finally:
        server.terminate()
        server.wait(120)


def say(home: Path, ask: str = FIRST) -> None:
    env = _env(home)
    began = time.monotonic()
    child = subprocess.Popen(
        [*CLI, "say", ask, "--json", "--explain"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    first = child.stdout.read(1)
    replied = time.monotonic() - began
    rest = first + child.stdout.read()
    child.wait()
    done = time.monotonic() - began
    explained = json.loads(rest)["explain"]
    behind = explained.get("recall_behind")
    print(
        f"say: reply after {replied:.2f} s, exit after {done:.2f} s, recall_behind {behind}, "
        f"recall_backlog {_backlog(explained)}"
    )


SUBJECTS = ["I", "My sister", "The neighbour", "Grandma", "Our dog Biscuit", "The vet",
            "My friend Tom", "The gardener", "Anna", "My boss"]  # fmt: skip
VERBS = ["planted", "talked about", "forgot", "remembered", "painted", "cooked", "visited",
         "fixed", "bought", "lost", "found", "watered"]  # fmt: skip
OBJECTS = ["the tomatoes", "a blue bicycle", "the old piano", "basil seedlings",
           "a cake for the party", "the kitchen window", "a map of Lisbon", "the garden fence",
           "her violin", "the red kettle", "a jar of honey", "the library books"]  # fmt: skip
WHEN = ["yesterday", "last spring", "on Monday", "in May", "after the storm",
        "before breakfast", "during the holidays", "two weeks ago", "at dusk",
        "this morning"]  # fmt: skip
EXTRA = ["and it made everyone laugh", "which surprised me", "though nobody noticed",
         "because the weather was kind", "while the radio played jazz",
         "and we argued about it later", "so I wrote it down",
         "and the cat watched the whole time"]  # fmt: skip


def write_text(path: Path, size: int = 10_000_000, passages: int = 5_000) -> None:
    """The imported file: ``passages`` paragraphs of varied sentences, ``size`` bytes."""
    pick = random.Random(7).choice
    out = []
    for i in range(passages):
        said: list[str] = []
        while sum(len(s) for s in said) < size // passages:
            said.append(
                f"{pick(SUBJECTS)} {pick(VERBS)} {pick(OBJECTS)} {pick(WHEN)}, "
                f"{pick(EXTRA)} (note {i}-{len(said)})."
            )
        out.append(" ".join(said))
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("home", type=Path)
    parser.add_argument("--say", action="store_true")
    parser.add_argument("--write-text", action="store_true", help="write the text to import")
    parser.add_argument("--ask", default=FIRST, help="the first question")
    args = parser.parse_args()
    if args.write_text:
        write_text(args.home)
        return
    (say if args.say else serve)(args.home, args.ask)


if __name__ == "__main__":
    main()
