"""Letta agent files (``.af``): memory blocks, system prompt and message history.

Two shapes are in the wild: the older single-agent file (``core_memory``,
``messages`` and ``system`` at the top) and the newer one with an ``agents``
list and shared ``blocks``. Both are read here. The ``persona`` block says who
the agent is, so it becomes a proposal for core; every other block, the
system prompt and every message become archive items. Assistant replies that
Letta stored as a ``send_message`` tool call are unwrapped to their text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer
from truehearth.exchange import boundedjson
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item, Parsed, Suggestion
from truehearth.exchange.values import iso_time, text_of

FORMAT = "letta"
ARGUMENT_LIMITS = Limits(max_item_bytes=64 * 1024 * 1024)
ROLES = {"user": "human", "assistant": "companion", "system": "system", "tool": "tool"}


def parse(stream: IO[bytes], limits: Limits) -> Iterator[Parsed]:
    data = boundedjson.load(stream, limits, "a Letta agent file")
    if not isinstance(data, dict):
        raise InvalidInput("not a Letta agent file: expected a JSON object")
    agents = data.get("agents")
    if isinstance(agents, list):
        shared = {b["id"]: b for b in _dicts(data.get("blocks")) if isinstance(b.get("id"), str)}
        if not agents:
            raise InvalidInput("the Letta agent file holds no agents")
        for index, agent in enumerate(agents):
            if not isinstance(agent, dict):
                raise InvalidInput(f"agent {index} in the file is not an object")
            ids = agent.get("block_ids")
            wanted = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
            blocks = [shared[i] for i in wanted if i in shared]
            yield from agent_items(agent, index, blocks or list(shared.values()))
    elif "messages" in data or "core_memory" in data:
        yield from agent_items(data, 0, [])
    else:
        raise InvalidInput("not a Letta agent file: no agents, messages or core_memory")


def agent_items(
    agent: dict[str, Any], index: int, blocks: list[dict[str, Any]]
) -> Iterator[Parsed]:
    name = text_of(agent.get("name")) or f"agent{index}"
    session = f"letta:{agent.get('id') or name}"
    own = _dicts(agent.get("core_memory")) + _dicts(agent.get("memory_blocks"))
    for block in own + blocks:
        label = text_of(block.get("label")) or "block"
        value = text_of(block.get("value"))
        locator = f"{session}/block/{label}"
        if label == "persona" and value.strip():
            yield Suggestion(Layer.CORE, value, locator, f"persona block of Letta agent {name!r}")
        else:
            yield Item(value, locator, session, meta={"kind": "memory-block", "label": label})
    system = text_of(agent.get("system"))
    yield Item(system, f"{session}/system", session, meta={"kind": "system-prompt"})
    turn = 0
    for position, message in enumerate(_dicts(agent.get("messages"))):
        text = message_text(message)
        if not text.strip():
            continue
        role = message.get("role")
        speaker = ROLES.get(role, str(role)) if isinstance(role, str) else "unknown"
        message_id = text_of(message.get("id")) or str(position)
        meta = {"kind": "turn", "turn": turn, "speaker": speaker}
        valid_from = iso_time(message.get("created_at"))
        yield Item(text, f"{session}/{message_id}", session, valid_from, meta)
        turn += 1


def message_text(message: dict[str, Any]) -> str:
    """Text of a Letta message: ``text``, text parts of ``content``, or a send_message call."""
    parts: list[str] = []
    if isinstance(message.get("text"), str):
        parts.append(message["text"])
    content = message.get("content")
    if isinstance(content, str):
        parts.append(content)
    for part in _dicts(content):
        if part.get("type") in ("text", None) and isinstance(part.get("text"), str):
            parts.append(part["text"])
    for call in _dicts(message.get("tool_calls")):
        function = call.get("function")
        if isinstance(function, dict) and function.get("name") == "send_message":
            parts.append(_sent(function.get("arguments")))
    return "\n".join(p for p in parts if p)


def _sent(arguments: object) -> str:
    decoded: object = arguments
    if isinstance(arguments, str):
        try:
            raw = io.BytesIO(arguments.encode("utf-8", "replace"))
            decoded = boundedjson.load(raw, ARGUMENT_LIMITS, "send_message arguments")
        except InvalidInput:
            return arguments
    if isinstance(decoded, dict):
        return text_of(decoded.get("message"))
    return ""


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
