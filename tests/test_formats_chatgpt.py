"""ChatGPT exports as people have them now: split conversations, custom instructions,
messages without text.

The samples are built here from the export's published shape (a ``mapping`` of
message nodes per conversation; since early 2026 the array split across
``conversations-000.json``, ``conversations-001.json``, …; the custom
instructions in ``metadata.user_context_message_data`` of a hidden message).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner
from truehearth.core.records import Layer, ProposalStatus
from truehearth.exchange.formats import import_path
from truehearth.home import Home

ABOUT_USER = "I'm Noor. I work nights at the bakery and I like short answers."
ABOUT_MODEL = "Be Wren: warm, honest, a little dry. Never call me babe."


def _node(
    node_id: str,
    parent: str | None,
    role: str,
    content: dict[str, Any],
    children: list[str],
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": node_id,
        "parent": parent,
        "children": children,
        "message": {
            "id": node_id,
            "author": {"role": role},
            "create_time": 1767225600.0,
            "content": content,
            "metadata": metadata or {},
        },
    }


def _text(*parts: Any) -> dict[str, Any]:
    return {"content_type": "text", "parts": list(parts)}


def _conversation(conv_id: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": conv_id,
        "conversation_id": conv_id,
        "title": f"chat {conv_id}",
        "current_node": nodes[-1]["id"],
        "mapping": {n["id"]: n for n in nodes},
    }


def _instructions(node_id: str, child: str) -> dict[str, Any]:
    return _node(
        node_id,
        None,
        "system",
        _text(""),
        [child],
        {
            "is_visually_hidden_from_conversation": True,
            "user_context_message_data": {
                "about_user_message": ABOUT_USER,
                "about_model_message": ABOUT_MODEL,
            },
        },
    )


def _split_export(path: Path) -> Path:
    first = _conversation(
        "conv-a",
        [
            _instructions("a0", "a1"),
            _node("a1", "a0", "user", _text("Morning. Bread went well."), ["a2"]),
            _node("a2", "a1", "assistant", _text("Good. Sleep now."), ["a3"]),
            _node(
                "a3",
                "a2",
                "user",
                {
                    "content_type": "multimodal_text",
                    "parts": [
                        {
                            "content_type": "image_asset_pointer",
                            "asset_pointer": "file-service://file-abc",
                            "width": 1024,
                            "height": 768,
                        },
                        "",
                    ],
                },
                ["a4"],
            ),
            _node(
                "a4",
                "a3",
                "tool",
                {"content_type": "tether_browsing_display", "result": "Opening hours: 6-14"},
                [],
            ),
        ],
    )
    second = _conversation(
        "conv-b",
        [
            _instructions("b0", "b1"),
            _node(
                "b1",
                "b0",
                "user",
                _text(""),
                [],
                {"attachments": [{"name": "recipe.pdf", "id": "file-1"}]},
            ),
        ],
    )
    zipped = path / "export.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("chat.html", "<html></html>")
        zf.writestr("conversations-001.json", json.dumps([second]))
        zf.writestr("conversations-000.json", json.dumps([first]))
    return zipped


def test_a_split_export_is_read_part_after_part(home: Home, tmp_path: Path) -> None:
    report = import_path(home, _split_export(tmp_path), "chatgpt")
    found = {r.source.locator: r for r in home.records(layers=[Layer.ARCHIVE], limit=100)}
    assert {r.source.session for r in found.values()} == {"conv-a", "conv-b"}
    assert found["conv-a/a1"].text == "Morning. Bread went well."
    assert report.records == len(found)


def test_custom_instructions_are_kept_once_and_proposed_as_core(home: Home, tmp_path: Path) -> None:
    import_path(home, _split_export(tmp_path), "chatgpt")
    records = home.records(layers=[Layer.ARCHIVE], limit=100)
    kept = [r for r in records if r.meta.get("kind") == "custom_instructions"]
    assert sorted(r.text for r in kept) == sorted([ABOUT_USER, ABOUT_MODEL])
    proposals = [p for p in home.proposals() if p.status is ProposalStatus.PENDING]
    assert [p.text for p in proposals] == [ABOUT_MODEL]
    assert proposals[0].layer is Layer.CORE
    assert home.records(layers=[Layer.CORE]) == []  # only the human's acceptance changes core


def test_messages_without_text_say_what_was_there(home: Home, tmp_path: Path) -> None:
    import_path(home, _split_export(tmp_path), "chatgpt")
    found = {r.source.locator: r for r in home.records(layers=[Layer.ARCHIVE], limit=100)}
    image = found["conv-a/a3"]
    assert image.text == "[image 1024×768, not kept in the export]"
    assert image.meta["content_type"] == "multimodal_text"
    assert found["conv-a/a4"].text == "[browsing result] Opening hours: 6-14"
    assert found["conv-b/b1"].text == "[attached file: recipe.pdf]"
    assert "conv-a/a0" not in found  # the hidden carrier itself is no message


def test_a_picture_or_file_sent_with_words_is_said_on_the_record(
    home: Home, tmp_path: Path
) -> None:
    """The words were kept and the picture and the attached file dropped without a word."""
    picture = {"content_type": "image_asset_pointer", "width": 800, "height": 600}
    asked = _node(
        "m1",
        None,
        "user",
        {"content_type": "multimodal_text", "parts": [picture, "What is growing here?"]},
        ["m2"],
        {"attachments": [{"name": "garden.jpg", "id": "file-1"}]},
    )
    answer = _node("m2", "m1", "assistant", _text("Mint, by the look of it."), [])
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([_conversation("conv-p", [asked, answer])]))
    import_path(home, path, "chatgpt")
    found = {r.source.locator: r for r in home.records(layers=[Layer.ARCHIVE], limit=10)}
    said = found["conv-p/m1"]
    assert said.text == "What is growing here?"
    assert said.meta["attached"] == (
        "[image 800×600, not kept in the export]\n[attached file: garden.jpg]"
    )
    assert "attached" not in found["conv-p/m2"].meta


def test_a_reasoning_model_s_thoughts_are_kept_apart_not_dropped(
    home: Home, tmp_path: Path
) -> None:
    """``content_type: "thoughts"`` (o-series, gpt-5 thinking) had no parts and no text:
    dropped without a word. It is the model's thinking: kept as inner monologue."""
    asked = _node("t1", None, "user", _text("Is the bakery open Sunday?"), ["t2"])
    steps = [{"summary": "Checking the hours", "content": "Sunday hours were 6-14.",
              "chunks": [], "finished": True}]  # fmt: skip
    thinking = _node("t2", "t1", "assistant", {"content_type": "thoughts", "thoughts": steps},
                     ["t3"])  # fmt: skip
    recap_content = {"content_type": "reasoning_recap", "content": "Thought for 4s"}
    recap = _node("t3", "t2", "assistant", recap_content, ["t4"])
    answer = _node("t4", "t3", "assistant", _text("Yes, 6 to 14."), [])
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([_conversation("conv-t", [asked, thinking, recap, answer])]))
    import_path(home, path, "chatgpt")
    found = {r.source.locator: r for r in home.records(layers=[Layer.ARCHIVE], limit=10)}
    kept = found["conv-t/t2"]
    assert kept.text == "Checking the hours\nSunday hours were 6-14."
    assert kept.meta["kind"] == "inner-monologue" and kept.meta["turn"] == 1
    assert found["conv-t/t4"].meta["turn"] == 1  # the reply is the turn after the question
    assert "conv-t/t3" not in found  # "Thought for 4s" says nothing the home keeps


def test_a_zip_with_no_conversations_is_refused_in_one_line(
    home: Home, tmp_path: Path, cli: CliRunner
) -> None:
    zipped = tmp_path / "other.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("conversations-final.json", "[]")
        zf.writestr("user.json", "{}")
    head = home.head()
    result = cli("import", "chatgpt", zipped, "--home", home.path)
    assert result.code != 0
    assert "holds no conversations.json or conversations-000.json" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert home.head() == head


@pytest.mark.parametrize("name", ["conversations.json", "export/conversations.json"])
def test_the_single_file_layout_still_works(home: Home, tmp_path: Path, name: str) -> None:
    zipped = tmp_path / "old.zip"
    conversation = _conversation("conv-c", [_node("c1", None, "user", _text("still here"), [])])
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr(name, json.dumps([conversation]))
    import_path(home, zipped, "chatgpt")
    assert [r.text for r in home.records(layers=[Layer.ARCHIVE])] == ["still here"]


def test_one_part_of_an_unzipped_split_export_names_the_parts_left(
    cli: CliRunner, home: Home, tmp_path: Path
) -> None:
    """Each part is a whole JSON array, so importing one part alone used to say nothing."""
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(_split_export(tmp_path)) as zf:
        zf.extractall(unzipped)
    first = cli("import", "chatgpt", unzipped / "conversations-000.json", "--home", home.path)
    assert first.code == 0, first.err
    note = " ".join(first.err.split())
    assert note.startswith("note: conversations-000.json is one part of a split export")
    assert "beside it: conversations-001.json." in note
    second = cli("import", "chatgpt", unzipped / "conversations-001.json", "--home", home.path)
    assert second.code == 0 and second.err == ""  # the other part is in already
    whole = cli(
        "import",
        "chatgpt",
        Path(__file__).parent / "fixtures" / "exchange" / "chatgpt_conversations.json",
        "--home",
        home.path,
    )
    assert whole.code == 0 and whole.err == ""
