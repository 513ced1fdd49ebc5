"""Red team: hostile files refused within a memory limit, one clear line, nothing written.

A 400 KB ChatGPT file of 200,000 ``[`` then 200,000 ``]`` once drove the
importer to 22 GB before the kernel killed it. Each hostile file here is
imported by the real CLI in a child process whose address space is capped at
what it had after start-up plus :data:`HEADROOM` (``resource.setrlimit``), so
a regression fails this test with a MemoryError instead of taking the machine
down. Every format is covered: ChatGPT (JSON and zip), cards (JSON and PNG),
SillyTavern chats, Letta agent files, plain text and signed bundles. The
generated hostile shapes (deep, huge strings and numbers, many keys) of every
format run under a memory cap in ``tests/test_fuzz_import.py``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truehearth.exchange import bundle, text
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item
from truehearth.exchange.png import tiny_png
from truehearth.exchange.seal import PLACEHOLDER_SEAL, seal
from truehearth.home import Home
from truehearth.keys import public_key_text

pytestmark = pytest.mark.slow  # a few child processes and some large files; runs in CI

MiB = 1024 * 1024
HEADROOM = 1024 * MiB

CHILD = """
import json, resource, sys
from truehearth.cli import main

def vm_bytes():
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no VmSize")

_soft, hard = resource.getrlimit(resource.RLIMIT_AS)
resource.setrlimit(resource.RLIMIT_AS, (vm_bytes() + int(sys.argv[1]), hard))
for command in json.loads(sys.argv[2]):
    code = main(command)
    print(f"{SEPARATOR}{code}", file=sys.stderr, flush=True)
"""
SEPARATOR = "=== exit code "


def run_capped(*commands: list[str]) -> list[tuple[int, str]]:
    """Run CLI commands in one child whose address space may grow only by HEADROOM.

    One child for all of them, because starting one costs seconds on a loaded
    machine; returns each command's exit code and what it wrote on stderr.
    """
    child = CHILD.replace("{SEPARATOR}", SEPARATOR)
    result = subprocess.run(
        [sys.executable, "-c", child, str(HEADROOM), json.dumps(commands)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    parts = result.stderr.split(SEPARATOR)
    assert len(parts) == len(commands) + 1, result.stderr[-3000:]
    codes = [int(part.partition("\n")[0]) for part in parts[1:]]
    said = [parts[0], *(part.partition("\n")[2] for part in parts[1:])]
    return [(code, text.strip()) for code, text in zip(codes, said, strict=False)]


def deep(levels: int, opener: bytes = b"[", closer: bytes = b"]", leaf: bytes = b"") -> bytes:
    return opener * levels + leaf + closer * levels


def many_lists(count: int) -> bytes:
    return b"[" + b"[]," * count + b"[]]"


def card_png(card: bytes) -> bytes:
    return tiny_png({"chara": base64.b64encode(card)})


def chatgpt_zip(member: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("export/conversations.json", member)
    return out.getvalue()


def less_compressible(data: bytes) -> bytes:
    """Random whitespace between the bytes, so the zip-ratio check does not catch it first."""
    rng = random.Random(7)
    spaces = [b"", b" ", b"\n", b"\t", b"  ", b"\r\n"]
    return b"".join(bytes([c]) + rng.choice(spaces) for c in data)


ST_HEADER = b'{"user_name": "Sam", "character_name": "Ash", "create_date": "2024-01-01"}\n'

BOMBS: dict[str, tuple[str, Callable[[], bytes], str]] = {
    # name: (format, file bytes, what the one line must say). Many keys, huge strings and
    # every shape of every format are also fuzzed in tests/test_fuzz_import.py.
    "chatgpt-200k-brackets": ("chatgpt", lambda: deep(200_000), "nested deeper"),
    "chatgpt-deep-objects": (
        "chatgpt",
        lambda: b'[{"mapping":' + deep(150_000, b'{"a":', b"}", b"0") + b"}]",
        "nested deeper",
    ),
    "chatgpt-huge-string": (
        "chatgpt",
        lambda: b'[{"title": "' + b"a" * (40 * MiB) + b'", "mapping": {}}]',
        "longer than 32 MiB",
    ),
    "chatgpt-huge-number": ("chatgpt", lambda: b"[" + b"9" * 200_000 + b"]", "malformed JSON"),
    "chatgpt-zip-deep": (
        "chatgpt",
        lambda: chatgpt_zip(less_compressible(deep(200_000))),
        "nested deeper",
    ),
    "card-deep": (
        "card",
        lambda: b'{"spec": "chara_card_v2", "data": ' + deep(200_000) + b"}",
        "nested deeper",
    ),
    "card-png-deep": ("card", lambda: card_png(b'{"name": ' + deep(200_000) + b"}"), "nested"),
    "st-chat-deep-line": ("st-chat", lambda: ST_HEADER + deep(200_000) + b"\n", "nested deeper"),
    "letta-deep": ("letta", lambda: b'{"messages": ' + deep(200_000) + b"}", "nested deeper"),
}


def test_hostile_files_are_refused_within_a_memory_limit(tmp_path: Path) -> None:
    commands = []
    heads = {}
    for name, (fmt, make, _says) in sorted(BOMBS.items()):
        path = tmp_path / f"{name}.input"
        path.write_bytes(make())
        with Home.init(tmp_path / name, "Ash") as home:
            heads[name] = home.head()
        commands.append(["import", fmt, str(path), "--home", str(tmp_path / name)])
    results = run_capped(*commands)
    for (name, (_fmt, _make, says)), (code, err) in zip(
        sorted(BOMBS.items()), results, strict=True
    ):
        assert code == 2, f"{name}: {err[-2000:]}"
        lines = err.splitlines()
        assert len(lines) == 1 and says in lines[0], f"{name}: {err[-2000:]}"
        with Home.open(tmp_path / name) as home:
            assert home.head() == heads[name]
            assert home.records(limit=1) == []


def test_text_without_blank_lines_is_read_in_bounded_passages() -> None:
    """Not a refusal: text with no blank line is cut as it is read, never held whole."""
    line = b"the lighthouse keeper wrote the same sentence again and again, " * 16 + b"\n"
    stream = io.BytesIO(line * (8 * MiB // len(line)))
    sizes = [len(item.text) for item in text.parse(stream, Limits()) if isinstance(item, Item)]
    assert len(sizes) > 50
    assert max(sizes) <= text.MAX_PASSAGE_CHARS + len(line)


def _forged_bundle(home: Home, tmp_path: Path, journal: bytes) -> Path:
    """A bundle whose journal is ``journal``, signed and sealed by a stranger's own key."""
    out = tmp_path / "real.zip"
    bundle.export_bundle(home, out)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read(bundle.MANIFEST))
        members = {name: zf.read(name) for name in zf.namelist()}
    stranger = Ed25519PrivateKey.generate()
    manifest["signer"]["public_key"] = public_key_text(stranger.public_key())
    manifest["files"][bundle.JOURNAL] = {
        "sha256": hashlib.sha256(journal).hexdigest(),
        "bytes": len(journal),
        "lines": journal.count(b"\n"),
    }
    raw = json.dumps(manifest).encode()
    members |= {
        bundle.JOURNAL: journal,
        bundle.MANIFEST: raw,
        bundle.SIGNATURE: base64.b64encode(stranger.sign(raw)),
    }
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.comment = PLACEHOLDER_SEAL
    seal(forged, stranger)
    return forged


def test_a_signed_bundle_with_a_hostile_journal_line(tmp_path: Path) -> None:
    """A stranger can sign anything: one 60 MB line of empty lists is refused unparsed."""
    with Home.init(tmp_path / "origin", "Ash") as home:
        forged = _forged_bundle(home, tmp_path, many_lists(20 * MiB) + b"\n")
    [(code, err)] = run_capped(["import", "bundle", str(forged), "--home", str(tmp_path / "r")])
    assert code != 0
    lines = err.splitlines()
    assert len(lines) == 1 and "MiB of memory" in lines[0], err[-2000:]
    assert not (tmp_path / "r").exists()
