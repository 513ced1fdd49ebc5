"""ChatGPT data export: ``conversations.json`` or the zip that holds it.

The export is one JSON array of conversations, each a tree of messages (the
``mapping``), because a user can regenerate or edit a turn and so branch the
talk. The thread the user last saw runs from ``current_node`` back to the
root; we number its turns in order. Every other branch is kept too, as archive
items marked ``branch``, because history is not ours to prune.

The array is parsed one conversation at a time, within the import's bounds
(:mod:`truehearth.exchange.boundedjson`), so a 100 MB export never sits in
memory whole and a hostile one is refused before it costs much.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from truehearth.core.errors import InvalidInput
from truehearth.exchange.boundedjson import array_items
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item, Parsed
from truehearth.exchange.values import epoch_to_iso
from truehearth.exchange.zipsafe import open_zip_member

FORMAT = "chatgpt"
SPEAKERS = {"user": "human", "assistant": "companion", "system": "system", "tool": "tool"}
ZIP_MAGIC = b"PK\x03\x04"


def parse(stream: IO[bytes], limits: Limits) -> Iterator[Parsed]:
    """Yield every message of every conversation as an archive item."""
    head = stream.read(4)
    stream.seek(0)
    if head == ZIP_MAGIC or head.startswith(b"PK"):
        stream = open_zip_member(
            stream,
            limits,
            lambda name: name.rsplit("/", 1)[-1] == "conversations.json",
            "conversations.json",
        )
    found = False
    for index, conversation in enumerate(array_items(stream, limits, "a ChatGPT export")):
        found = True
        yield from conversation_items(conversation, index)
    if not found:
        raise InvalidInput("not a ChatGPT export: expected a JSON array of conversations")


def conversation_items(conversation: Any, index: int) -> Iterator[Item]:
    """The main thread in order, then the other branches, of one conversation."""
    if not isinstance(conversation, dict) or not isinstance(conversation.get("mapping"), dict):
        raise InvalidInput(f"not a ChatGPT export: conversation {index} has no message mapping")
    mapping: dict[str, Any] = conversation["mapping"]
    conv_id = str(conversation.get("conversation_id") or conversation.get("id") or f"c{index}")
    title = conversation.get("title")
    main = main_thread(mapping, conversation.get("current_node"))
    next_turn: dict[str, int] = {}
    turn = 0
    for node_id in main:
        item = _item(mapping[node_id], node_id, conv_id, title, turn, branch=False)
        if item is not None:
            yield item
            turn += 1
        next_turn[node_id] = turn
    for node_id, node in mapping.items():
        if node_id in next_turn:
            continue
        branch_turn = _branch_turn(mapping, str(node_id), next_turn)
        item = _item(node, str(node_id), conv_id, title, branch_turn, branch=True)
        if item is not None:
            yield item


def main_thread(mapping: dict[str, Any], current: object) -> list[str]:
    """Node ids from the root to ``current`` (or to the last leaf if it is missing)."""
    if not isinstance(current, str) or current not in mapping:
        leaves = [k for k, v in mapping.items() if isinstance(v, dict) and not v.get("children")]
        if not leaves:
            return []
        current = leaves[-1]
    path: list[str] = []
    seen: set[str] = set()
    node_id: object = current
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        path.append(node_id)
        node = mapping[node_id]
        node_id = node.get("parent") if isinstance(node, dict) else None
    path.reverse()
    return path


def _branch_turn(mapping: dict[str, Any], node_id: str, next_turn: dict[str, int]) -> int:
    """A branch message's turn: the turn it would have had beside the main thread."""
    steps = 0
    seen: set[str] = set()
    current: object = node_id
    while isinstance(current, str) and current not in next_turn and current not in seen:
        seen.add(current)
        node = mapping.get(current)
        current = node.get("parent") if isinstance(node, dict) else None
        steps += 1
    base = next_turn.get(current, 0) if isinstance(current, str) else 0
    return base + steps - 1


def _item(
    node: object, node_id: str, conv_id: str, title: object, turn: int, *, branch: bool
) -> Item | None:
    if not isinstance(node, dict) or not isinstance(node.get("message"), dict):
        return None
    message: dict[str, Any] = node["message"]
    text = message_text(message.get("content"))
    if not text.strip():
        return None
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    speaker = SPEAKERS.get(role, str(role)) if isinstance(role, str) else "unknown"
    message_id = str(message.get("id") or node_id)
    meta: dict[str, Any] = {"kind": "turn", "turn": turn, "speaker": speaker}
    if isinstance(title, str):
        meta["title"] = title
    if branch:
        meta["branch"] = True
    metadata = message.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("model_slug"), str):
        meta["model"] = metadata["model_slug"]
    return Item(
        text=text,
        locator=f"{conv_id}/{message_id}",
        session=conv_id,
        valid_from=epoch_to_iso(message.get("create_time")),
        meta=meta,
    )


def message_text(content: object) -> str:
    """The readable text of a message's content (text parts, code, tool output)."""
    if not isinstance(content, dict):
        return ""
    parts = content.get("parts")
    if isinstance(parts, list):
        texts = [
            p if isinstance(p, str) else p.get("text") if isinstance(p, dict) else None
            for p in parts
        ]
        return "\n".join(t for t in texts if isinstance(t, str))
    text = content.get("text")
    return text if isinstance(text, str) else ""
