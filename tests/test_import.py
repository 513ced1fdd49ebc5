"""Importers on real homes: provenance, branches, proposals, idempotency, one transaction."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import CliRunner
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, ProposalStatus, Record, Trust, Voice
from truehearth.core.vocabulary import IMPORT
from truehearth.exchange.formats import import_path
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item, Parsed
from truehearth.exchange.pipeline import import_file
from truehearth.exchange.png import tiny_png
from truehearth.home import Home

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


def archive(home: Home) -> list[Record]:
    records = home.records(layers=[Layer.ARCHIVE], limit=10_000)
    return sorted(records, key=lambda r: r.source.locator or "")


def by_locator(home: Home) -> dict[str, Record]:
    return {r.source.locator or "": r for r in archive(home)}


def test_chatgpt_main_thread_branches_and_provenance(home: Home) -> None:
    path = FIXTURES / "chatgpt_conversations.json"
    report = import_path(home, path, "chatgpt")
    assert (report.records, report.quarantined, report.skipped) == (8, 1, 0)
    found = by_locator(home)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    first = found["conv-lisbon/m1"]
    assert first.layer is Layer.ARCHIVE and first.voice is Voice.EXTERNAL
    assert first.trust is Trust.UNTRUSTED
    assert first.source.import_sha256 == sha and first.source.session == "conv-lisbon"
    assert first.meta == {
        "kind": "turn",
        "turn": 0,
        "speaker": "human",
        "format": "chatgpt",
        "title": "Lisbon plans",
    }
    assert first.valid_from == "2023-11-14T22:13:30+00:00"
    turns = [found[f"conv-lisbon/m{i}"].meta["turn"] for i in range(1, 6)]
    assert turns == [0, 1, 2, 3, 4]
    assert found["conv-lisbon/m2"].meta["speaker"] == "companion"
    assert found["conv-lisbon/m4"].meta["speaker"] == "tool"
    assert found["conv-lisbon/m3"].text == "Here is the photo from last time."
    branch = found["conv-lisbon/m2b"]
    assert branch.meta["branch"] is True and branch.meta["turn"] == 1
    assert "conv-lisbon/m0" not in found
    flagged = found["conv-paste/p1"]
    assert flagged.trust is Trust.QUARANTINED
    assert flagged.reason and "ignore-previous" in flagged.reason
    assert home.store.get(IMPORT, sha) is not None


def test_same_file_twice_is_a_no_op(home: Home) -> None:
    path = FIXTURES / "chatgpt_conversations.json"
    import_path(home, path, "chatgpt")
    head = home.head()
    again = import_path(home, path, "chatgpt")
    assert again.already_imported and again.records == 0
    assert home.head() == head


def test_chatgpt_zip(home: Home, tmp_path: Path) -> None:
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("chat.html", "<html></html>")
        zf.write(FIXTURES / "chatgpt_conversations.json", "conversations.json")
    report = import_path(home, zipped, "chatgpt")
    assert report.records == 8
    assert by_locator(home)["conv-lisbon/m5"].text.startswith("What a photo")


def test_card_identity_becomes_proposals_never_core(home: Home) -> None:
    report = import_path(home, FIXTURES / "card_v2.json", "card")
    assert report.proposals == 3
    assert home.identity() == []
    pending = home.proposals(ProposalStatus.PENDING)
    assert {p.layer for p in pending} == {Layer.CORE}
    assert {p.voice for p in pending} == {Voice.EXTERNAL}
    assert any("lighthouse keeper" in p.text for p in pending)
    found = by_locator(home)
    assert found["card:Wren/scenario"].meta["field"] == "scenario"
    assert "Fresnel" in found["card:Wren/character_book/0"].text
    whole = found["card:Wren/card"]
    assert '"custom_frontend"' in whole.text and "0.75" in whole.text


def test_card_png_prefers_ccv3(home: Home, tmp_path: Path) -> None:
    v2 = (FIXTURES / "card_v2.json").read_bytes()
    v3 = (
        b'{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"Wren3",'
        b'"description":"V3 Wren","personality":"","first_mes":"","extensions":{}}}'
    )
    png = tmp_path / "wren.png"
    png.write_bytes(tiny_png({"chara": base64.b64encode(v2), "ccv3": base64.b64encode(v3)}))
    report = import_path(home, png, "card")
    assert report.proposals == 1
    assert home.proposals()[0].text == "V3 Wren"


def test_sillytavern_chat(home: Home) -> None:
    report = import_path(home, FIXTURES / "st_chat.jsonl", "st-chat")
    assert (report.records, report.quarantined) == (5, 1)
    records = archive(home)
    turns = sorted((r.meta["turn"], r.meta["speaker"]) for r in records if "swipe" not in r.meta)
    assert turns == [(0, "companion"), (1, "human"), (2, "companion"), (3, "human")]
    swipe = next(r for r in records if "swipe" in r.meta)
    assert swipe.text == "*startled* You scared the gulls!"
    sent = next(r for r in records if r.text.startswith("I brought"))
    assert sent.valid_from == "2024-02-11T18:05:00+00:00"
    assert next(r for r in records if r.text.startswith("SYSTEM:")).trust is Trust.QUARANTINED


@pytest.mark.parametrize("name", ["agent.af", "agent_old.af"])
def test_letta_agent_files(home: Home, name: str) -> None:
    report = import_path(home, FIXTURES / name, "letta")
    assert report.proposals == 1
    why = home.proposals()[0].why
    assert why and "persona" in why
    texts = [r.text for r in archive(home)]
    assert any("balcony garden" in t or "Likes chess" in t for t in texts)
    if name == "agent.af":
        assert "That's wonderful. Six weeks, just like you guessed." in texts
        speakers = {r.meta.get("speaker") for r in archive(home)}
        assert {"human", "companion"} <= speakers


def test_markdown_passages(home: Home) -> None:
    report = import_path(home, FIXTURES / "notes.md", "text")
    assert report.records == 3
    headings = [r.meta.get("heading") for r in sorted(archive(home), key=lambda r: r.meta["index"])]
    assert headings == ["Letters to Wren", "The first letter", "The second letter"]
    assert by_locator(home)["line:5"].text.startswith("## The first letter")


def _fails_cleanly(home: Home, path: Path, fmt: str, needle: str) -> None:
    head = home.head()
    with pytest.raises(InvalidInput, match=needle):
        import_path(home, path, fmt)
    assert home.head() == head


def test_malformed_and_wrong_format_write_nothing(home: Home, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes((FIXTURES / "chatgpt_conversations.json").read_bytes()[:-40])
    _fails_cleanly(home, broken, "chatgpt", "malformed")
    _fails_cleanly(home, FIXTURES / "card_v2.json", "chatgpt", "not a ChatGPT export")
    _fails_cleanly(home, FIXTURES / "chatgpt_conversations.json", "card", "not a character card")
    _fails_cleanly(home, FIXTURES / "notes.md", "st-chat", "line 1: malformed JSON")
    _fails_cleanly(home, FIXTURES / "st_chat.jsonl", "letta", "Letta agent file: malformed")


def test_error_at_the_last_conversation_rolls_back_everything(home: Home, tmp_path: Path) -> None:
    good = (FIXTURES / "chatgpt_conversations.json").read_text().rstrip()[:-1]
    bad = tmp_path / "late.json"
    bad.write_text(good + ', {"title": "no mapping"}]')
    _fails_cleanly(home, bad, "chatgpt", "no message mapping")
    assert archive(home) == []


def test_binary_junk(home: Home, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    for fmt, needle in [
        ("chatgpt", "malformed"),
        ("card", "character card: malformed JSON"),
        ("st-chat", "line 1: malformed JSON"),
        ("letta", "Letta agent file: malformed JSON"),
        ("text", "binary"),
    ]:
        _fails_cleanly(home, junk, fmt, needle)


def test_truncated_zip_and_zip_bomb(home: Home, tmp_path: Path) -> None:
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "chatgpt_conversations.json", "conversations.json")
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(zipped.read_bytes()[:300])
    _fails_cleanly(home, truncated, "chatgpt", "zip")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", b"[" + b" " * 30_000_000 + b"]")
    assert bomb.stat().st_size < 100_000
    _fails_cleanly(home, bomb, "chatgpt", "compressed suspiciously")


def test_multi_gigabyte_file_refused_before_reading(home: Home, tmp_path: Path) -> None:
    huge = tmp_path / "conversations.json"
    with huge.open("wb") as handle:
        handle.truncate(3 * 1024**3)
    _fails_cleanly(home, huge, "chatgpt", "GiB; imports are limited")


def test_cli_import_and_errors(cli: CliRunner, home_dir: Path, tmp_path: Path) -> None:
    assert cli("init", "--home", home_dir, "--name", "Ash").code == 0
    result = cli("import", "chatgpt", FIXTURES / "chatgpt_conversations.json", "--home", home_dir)
    assert result.code == 0, result.err
    assert "Imported 8 archive items" in result.out and "1 quarantined" in result.out
    again = cli(
        "import", "chatgpt", FIXTURES / "chatgpt_conversations.json", "--home", home_dir, "--json"
    )
    assert '"already_imported": true' in again.out
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x00\xff\xfe garbage")
    bad = cli("import", "chatgpt", junk, "--home", home_dir)
    assert bad.code == 2
    assert bad.err.strip().startswith("error:") and len(bad.err.strip().splitlines()) == 1


def test_a_file_changed_during_import_writes_nothing(home: Home, tmp_path: Path) -> None:
    path = tmp_path / "diary.txt"
    path.write_text("first entry\n")

    def parser(stream: IO[bytes], limits: Limits) -> Iterator[Parsed]:
        yield Item(stream.read().decode(), "line:1")
        with path.open("a") as handle:
            handle.write("written by someone else meanwhile\n")

    head = home.head()
    with pytest.raises(InvalidInput, match="changed while it was being imported"):
        import_file(home, path, "text", parser)
    assert home.head() == head
