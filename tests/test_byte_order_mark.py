"""Files saved with a UTF-8 byte-order mark (Windows Notepad's default) read as without it.

JSON allows a reader to skip the mark; a hand-edited card, lorebook or dataset
saved on Windows carries one, and every importer refused it as malformed JSON.
"""

from __future__ import annotations

import json
import zipfile
from codecs import BOM_UTF8
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.test_formats_claude_owui import _claude, _owui
from truehearth.core.records import Layer
from truehearth.home import Home

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"

CASES = [
    ("chatgpt", "chatgpt_conversations.json"),
    ("card", "card_v2.json"),
    ("lorebook", "world_info_harbour.json"),
    ("letta", "agent.af"),
    ("st-chat", "st_chat.jsonl"),
    ("open-webui", None),
]


def _texts(home: Home) -> list[str]:
    return sorted(r.text for r in home.records(layers=[Layer.ARCHIVE], limit=1000))


@pytest.mark.parametrize(("fmt", "name"), CASES, ids=[c[0] for c in CASES])
def test_an_import_with_a_byte_order_mark_reads_as_without(
    cli: CliRunner, tmp_path: Path, fmt: str, name: str | None
) -> None:
    plain = FIXTURES / name if name else _owui(tmp_path)
    marked = tmp_path / f"marked-{plain.name}"
    marked.write_bytes(BOM_UTF8 + plain.read_bytes())
    found = []
    for source, home_dir in ((plain, tmp_path / "a"), (marked, tmp_path / "b")):
        assert cli("init", "--name", "Ash", "--home", home_dir).code == 0
        result = cli("import", fmt, source, "--home", home_dir)
        assert result.code == 0, result.err
        with Home.open(home_dir) as home:
            found.append(_texts(home))
            assert home.verify().ok
    assert found[0] == found[1] and found[0]


def test_a_zipped_claude_export_with_a_marked_member(cli: CliRunner, tmp_path: Path) -> None:
    zipped = _claude(tmp_path)
    with zipfile.ZipFile(zipped) as zf:
        body = zf.read("conversations.json")
    marked = tmp_path / "marked.zip"
    with zipfile.ZipFile(marked, "w") as zf:
        zf.writestr("conversations.json", BOM_UTF8 + body)
    assert cli("init", "--name", "Ash", "--home", tmp_path / "h").code == 0
    result = cli("import", "claude", marked, "--home", tmp_path / "h")
    assert result.code == 0, result.err
    with Home.open(tmp_path / "h") as home:
        assert "Then rest when you can." in _texts(home)


def test_a_marked_text_file_keeps_its_first_heading_and_not_the_mark(
    cli: CliRunner, home: Home, tmp_path: Path
) -> None:
    letters = tmp_path / "letters.md"
    letters.write_bytes(BOM_UTF8 + b"# Letters\n\nDear Ash, the rain.\n")
    result = cli("import", "text", letters, "--home", home.path)
    assert result.code == 0, result.err
    (record,) = home.records(layers=[Layer.ARCHIVE])
    assert record.text.startswith("# Letters")
    assert record.meta.get("heading") == "Letters"


@pytest.mark.parametrize("layout", ["lines", "array"])
def test_an_audit_of_a_marked_dataset(cli: CliRunner, tmp_path: Path, layout: str) -> None:
    example = {
        "messages": [
            {"role": "user", "content": "Do you remember the rain?"},
            {"role": "assistant", "content": "I do. It fell all of March."},
        ]
    }
    body = json.dumps(example) + "\n" if layout == "lines" else json.dumps([example])
    data = tmp_path / "train.jsonl"
    data.write_bytes(BOM_UTF8 + body.encode())
    result = cli("audit", data, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["examples"] == 1
