"""Every command that writes a file the human names follows one rule for the path.

The file is written where it is named and nowhere else: a folder that is not
there is not made, a file already there is never replaced, and a directory is
not a file name. A wrong path is one line, exit 2, and changes nothing: no new
folder, no journal event.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import CliRunner, journal_bytes
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths.doubles import EchoMouth
from truehearth.turn import Conversation

PACK = Path(__file__).resolve().parent.parent / "src/truehearth/builtin_packs/audit-rules.pack.yaml"


def _ready(home: Home, tmp_path: Path) -> Path:
    """A home every export can write from; returns a small chat dataset beside it."""
    home.accept(home.propose(Layer.CORE, "I am Ash. I chose the name.").id)
    conv = Conversation(home, EchoMouth(), "echo")
    result = conv.say("Do you remember the tomatoes?")
    assert result.reply is not None
    home.confirm(result.human.id)
    home.confirm(result.reply.id)
    data = tmp_path / "data.jsonl"
    line = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "no"}]}
    data.write_bytes(orjson.dumps(line) + b"\n")
    return data


# (how to name the target in the command, the name the error gives)
WRITERS: list[tuple[str, list[str], str]] = [
    ("bundle", ["export", "bundle", "{target}/x.zip"], "x.zip"),
    ("card json", ["export", "card", "{target}/x.json"], "x.json"),
    ("card png", ["export", "card", "{target}/x.png"], "x.png"),
    ("letta", ["export", "letta", "{target}/x.af"], "x.af"),
    ("training", ["export", "training", "{target}/x.jsonl"], "x.jsonl"),
    ("packs sign", ["packs", "sign", str(PACK), "{target}/p.yaml", "--author", "me"], "p.yaml"),
    ("drift svg", ["drift", "--svg", "{target}/d.svg"], "d.svg"),
    ("check out", ["check", "--mouth", "faithful", "--out", "{target}/r"], "r"),
    ("audit out", ["audit", "{data}", "--out", "{target}/a"], "a"),
]


def _args(template: list[str], target: Path, data: Path) -> list[str]:
    return [a.format(target=target, data=data) for a in template]


@pytest.mark.parametrize(
    ("template", "name"), [(t, n) for _, t, n in WRITERS], ids=[w[0] for w in WRITERS]
)
def test_a_missing_folder_is_named_and_not_made(
    cli: CliRunner, home: Home, tmp_path: Path, template: list[str], name: str
) -> None:
    data = _ready(home, tmp_path)
    missing = tmp_path / "no-such-folder"
    before = journal_bytes(home.path)
    result = cli(*_args(template, missing, data), "--home", home.path)
    assert result.code == 2, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert f"no folder {missing} to write {name} into" in lines[0]
    assert not missing.exists()
    assert journal_bytes(home.path) == before


@pytest.mark.parametrize(
    ("template", "name"), [(t, n) for _, t, n in WRITERS], ids=[w[0] for w in WRITERS]
)
def test_a_file_where_the_folder_should_be_is_refused(
    cli: CliRunner, home: Home, tmp_path: Path, template: list[str], name: str
) -> None:
    data = _ready(home, tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("mine\n")
    before = journal_bytes(home.path)
    result = cli(*_args(template, blocker, data), "--home", home.path)
    assert result.code == 2, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and f"{blocker} is not a folder" in lines[0], result.err
    assert blocker.read_text() == "mine\n"
    assert journal_bytes(home.path) == before


@pytest.mark.parametrize("kind", ["bundle", "card", "letta", "training"])
def test_each_export_writes_into_a_folder_that_is_there(
    cli: CliRunner, home: Home, tmp_path: Path, kind: str
) -> None:
    _ready(home, tmp_path)
    out = (
        tmp_path
        / "here"
        / f"x.{ {'bundle': 'zip', 'card': 'json', 'letta': 'af'}.get(kind, 'jsonl') }"
    )
    out.parent.mkdir()
    result = cli("export", kind, out, "--home", home.path)
    assert result.code == 0, result.err
    assert out.is_file()
