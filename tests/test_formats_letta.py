"""Letta agent files as they are found: unreferenced and shared blocks, ``system/persona``,
old JSON-wrapped user messages and inner monologue beside ``send_message``.

Built from the published ``.af`` shape: an ``agents`` list whose agents name
``block_ids`` into a top-level ``blocks`` list, and messages with ``role``,
``content`` and ``tool_calls``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from truehearth.core.records import Layer
from truehearth.exchange.formats import import_path
from truehearth.home import Home


def _agent(agent_id: str, name: str, block_ids: list[str], messages: list[Any]) -> dict[str, Any]:
    return {
        "id": agent_id,
        "name": name,
        "system": f"You are {name}.",
        "block_ids": block_ids,
        "messages": messages,
    }


def _send(message: str, monologue: str | None = None) -> dict[str, Any]:
    call = {"function": {"name": "send_message", "arguments": json.dumps({"message": message})}}
    found: dict[str, Any] = {"role": "assistant", "id": f"m-{message[:6]}", "tool_calls": [call]}
    if monologue is not None:
        found["content"] = [{"type": "text", "text": monologue}]
    return found


def _file(tmp_path: Path) -> Path:
    blocks = [
        {"id": "b-persona", "label": "system/persona", "value": "I am Ezra. I keep my word."},
        {"id": "b-human", "label": "human", "value": "Noor bakes at night."},
        {"id": "b-shared", "label": "garden", "value": "The tomatoes failed in 2024."},
        {"id": "b-orphan", "label": "archive/letters", "value": "The first letter was in May."},
    ]
    wrapped = json.dumps({"type": "user_message", "message": "I'm home.", "time": "x"})
    heartbeat = json.dumps({"type": "heartbeat", "reason": "timer fired"})
    agents = [
        _agent(
            "agent-ezra",
            "Ezra",
            ["b-persona", "b-human", "b-shared"],
            [
                {"role": "user", "id": "u1", "content": [{"type": "text", "text": wrapped}]},
                _send("Welcome back.", monologue="She sounds tired; keep it short."),
                {"role": "user", "id": "u2", "content": heartbeat},
            ],
        ),
        _agent("agent-sage", "Sage", ["b-shared"], [_send("Hello from Sage.")]),
    ]
    path = tmp_path / "ezra.af"
    path.write_text(json.dumps({"agents": agents, "blocks": blocks}))
    return path


def test_every_block_once_and_system_persona_as_core(home: Home, tmp_path: Path) -> None:
    report = import_path(home, _file(tmp_path), "letta")
    assert report.proposals == 1
    (proposal,) = home.proposals()
    assert proposal.text == "I am Ezra. I keep my word." and proposal.layer is Layer.CORE
    blocks = [
        r for r in home.records(layers=[Layer.ARCHIVE], limit=100)
        if r.meta.get("kind") == "memory-block"
    ]  # fmt: skip
    by_label = {r.meta["label"]: r for r in blocks}
    assert sorted(by_label) == ["archive/letters", "garden", "human"]
    assert len(blocks) == 3  # the shared block once, not once per agent
    assert by_label["garden"].meta["agents"] == ["Ezra", "Sage"]
    assert by_label["archive/letters"].meta["agents"] == []  # no agent references it: kept


def test_messages_unwrapped_and_monologue_kept_apart(home: Home, tmp_path: Path) -> None:
    import_path(home, _file(tmp_path), "letta")
    records = home.records(layers=[Layer.ARCHIVE], limit=100)
    turns = sorted(
        (
            r
            for r in records
            if r.meta.get("kind") == "turn" and r.source.session == "letta:agent-ezra"
        ),
        key=lambda r: r.meta["turn"],
    )
    assert [(r.meta["speaker"], r.text) for r in turns] == [
        ("human", "I'm home."),
        ("companion", "Welcome back."),
        ("system", "timer fired"),
    ]
    (thought,) = [r for r in records if r.meta.get("kind") == "inner-monologue"]
    assert thought.text == "She sounds tired; keep it short."
    assert thought.meta["turn"] == 1 and thought.meta["speaker"] == "companion"


def test_a_reasoning_model_s_thinking_and_a_picture_are_kept(home: Home, tmp_path: Path) -> None:
    """Newer files keep native reasoning as ``{"type": "reasoning", "reasoning": ...}``
    content parts (Letta's ``MessageContentType``), and a picture as ``{"type": "image"}``:
    both were dropped without a word."""
    thinking = {"type": "reasoning", "reasoning": "Noor sent a photo; ask about it.",
                "is_native": True, "signature": "sig"}  # fmt: skip
    reply = _send("What a sky!")
    reply["content"] = [thinking]
    picture = {"type": "image", "source": {"type": "base64", "media_type": "image/png"}}
    messages = [
        {"role": "user", "id": "p1", "content": [picture, {"type": "text", "text": "Look!"}]},
        reply,
        {"role": "user", "id": "p2", "content": [picture]},
    ]
    path = tmp_path / "sky.af"
    path.write_text(json.dumps({"agents": [_agent("agent-sky", "Sky", [], messages)]}))
    import_path(home, path, "letta")
    records = home.records(layers=[Layer.ARCHIVE], limit=100)
    (thought,) = [r for r in records if r.meta.get("kind") == "inner-monologue"]
    assert thought.text == "Noor sent a photo; ask about it."
    turns = {r.source.locator: r for r in records if r.meta.get("kind") == "turn"}
    assert turns["letta:agent-sky/p1"].text == "Look!"
    assert turns["letta:agent-sky/p1"].meta["attached"] == "[image, not kept in the file]"
    assert turns["letta:agent-sky/p2"].text == "[image, not kept in the file]"
