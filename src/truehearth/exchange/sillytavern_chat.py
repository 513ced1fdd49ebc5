"""SillyTavern chat logs: JSON Lines, a header line then one message per line.

The first line names the chat (``user_name``, ``character_name``,
``create_date``); each later line is a message with ``name``, ``is_user``,
``mes`` and ``send_date``, and perhaps ``swipes`` -- alternative replies the
user flipped through. The chosen reply is the turn; swipes are kept as
archive items marked ``swipe``, like ChatGPT branches.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import IO, Any

from truehearth.core.errors import InvalidInput
from truehearth.exchange import boundedjson
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item, Parsed
from truehearth.exchange.values import epoch_to_iso, iso_time, text_of

FORMAT = "st-chat"
MAX_LINE = 16 * 1024 * 1024


def parse(stream: IO[bytes], limits: Limits) -> Iterator[Parsed]:
    header: dict[str, Any] | None = None
    chat_id = ""
    turn = 0
    for number, line in enumerate(_lines(stream), start=1):
        if not line.strip():
            continue
        value = boundedjson.load(io.BytesIO(line), limits, f"line {number}")
        if not isinstance(value, dict):
            raise InvalidInput(f"line {number} is not a JSON object; not a SillyTavern chat")
        if header is None:
            if "mes" in value:
                header = {}
            else:
                header = value
                chat_id = _chat_id(value)
                continue
        if "mes" not in value:
            raise InvalidInput(f"line {number} has no 'mes'; not a SillyTavern chat message")
        chat_id = chat_id or _chat_id(header)
        yield from _message(value, chat_id, number, turn)
        turn += 1
    if header is None:
        raise InvalidInput("not a SillyTavern chat: no lines")


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE:
            raise InvalidInput("a line longer than 16 MiB; not a SillyTavern chat")
        yield line


def _chat_id(header: dict[str, Any]) -> str:
    name = text_of(header.get("character_name")) or "chat"
    created = text_of(header.get("create_date"))
    digest = hashlib.sha256(f"{name}\n{created}".encode("utf-8", "replace")).hexdigest()[:12]
    return f"st:{name}:{digest}"


def _message(value: dict[str, Any], chat_id: str, line: int, turn: int) -> Iterator[Item]:
    speaker = "human" if value.get("is_user") is True else "companion"
    if value.get("is_system") is True:
        speaker = "system"
    name = value.get("name")
    meta: dict[str, Any] = {"kind": "turn", "turn": turn, "speaker": speaker}
    if isinstance(name, str):
        meta["name"] = name
    when = _when(value.get("send_date"))
    text = text_of(value.get("mes"))
    yield Item(text, f"{chat_id}/{line}", chat_id, when, meta)
    swipes = value.get("swipes")
    if isinstance(swipes, list):
        for index, swipe in enumerate(swipes):
            swipe_text = text_of(swipe)
            if swipe_text != text:
                swipe_meta = {**meta, "swipe": index}
                yield Item(swipe_text, f"{chat_id}/{line}/swipe/{index}", chat_id, when, swipe_meta)


def _when(value: object) -> str | None:
    """SillyTavern writes send dates as epoch milliseconds or as free-form strings."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return epoch_to_iso(value / 1000 if value > 1e11 else value)
    return iso_time(value)
