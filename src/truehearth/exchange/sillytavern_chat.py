"""SillyTavern chat logs: JSON Lines, a header line then one message per line.

The first line names the chat (``user_name``, ``character_name``,
``create_date``); each later line is a message with ``name``, ``is_user``,
``mes`` and ``send_date``, and perhaps ``swipes`` -- alternative replies the
user flipped through. The chosen reply is the turn; swipes are kept as
archive items marked ``swipe``, like ChatGPT branches.

The session is the chat. Modern headers say ``user_name: "unused"`` and
carry a per-chat ``chat_metadata.integrity`` id, which names the session
when present; otherwise the character and creation date do; a headerless
file (CAI Tools exports) is named by its own first message, so two unrelated
files never merge into one session. Group chats keep each speaker's name.

SillyTavern has written ``send_date`` as epoch milliseconds and in its own
human-readable forms ("June 19, 2023 2:20pm", "2023-05-08@13h56m00s"); each
is parsed, never copied, and a zero or unreadable date leaves the turn undated
rather than dated 1970. Those forms carry no time zone: they are read as UTC.

A message has no id of its own; it is named by its chat and its line, which
stay put while a chat only grows, so re-importing a chat that grew skips the
lines the home holds (:mod:`truehearth.exchange.known`). A swipe is named by its
line and its number. The user flips swipes on the last reply, so the text a line
shows in one export may be one of its swipes in the next: the line's text is
also looked up under its shown swipe's name, and a swipe's under its line's, so
a change of the kept swipe brings nothing in twice. A message edited since is
kept beside the earlier text. A message deleted in the middle of the chat moves
every later line up: a line whose place holds another text is also looked up under
the :data:`LINES_DELETED_ABOVE` lines after its own, so up to that many deletions
above it bring nothing in twice (more are written again, as changed, never lost).
A line is only ever looked up further down, never further up, so a chat that only
grew is read exactly as before.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from truehearth.core.errors import InvalidInput
from truehearth.exchange import boundedjson
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item, Parsed
from truehearth.exchange.values import epoch_to_iso, iso_time, text_of

FORMAT = "st-chat"
MAX_LINE = 16 * 1024 * 1024
LINES_DELETED_ABOVE = 8
"""How many deleted messages above a line the re-import still recognises it after.

They are looked up (batched, like the rest) only for a line whose place holds another
text, so a first import pays nothing for them; SillyTavern's own "delete messages"
works from the end, where nothing moves, so mid-chat deletions are one or a few at a
time."""


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
        chat_id = chat_id or _headerless_id(line)
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
    """The chat's own id when it has one, else its character and creation date."""
    metadata = header.get("chat_metadata")
    integrity = metadata.get("integrity") if isinstance(metadata, dict) else None
    if isinstance(integrity, str) and 0 < len(integrity) <= 100 and integrity.isprintable():
        return f"st:{integrity}"
    name = text_of(header.get("character_name"))
    if name in ("", "unused"):
        name = "chat"
    created = text_of(header.get("create_date"))
    if not created:
        return ""  # nothing to tell this chat from another: named by its first message
    digest = hashlib.sha256(f"{name}\n{created}".encode("utf-8", "replace")).hexdigest()[:12]
    return f"st:{name[:40]}:{digest}"


def _headerless_id(first_message: bytes) -> str:
    return "st:chat:" + hashlib.sha256(first_message.strip()).hexdigest()[:12]


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
    here = f"{chat_id}/{line}"
    swipes = value.get("swipes")
    swipes = swipes if isinstance(swipes, list) else []
    kept = value.get("swipe_id")
    shown = (
        (f"{here}/swipe/{kept}",)
        if isinstance(kept, int) and not isinstance(kept, bool) and 0 <= kept < len(swipes)
        else ()
    )
    moved = tuple(f"{chat_id}/{line + up}" for up in range(1, LINES_DELETED_ABOVE + 1))
    yield Item(text, here, chat_id, when, meta, stable=True, also=shown, moved=moved)
    for index, swipe in enumerate(swipes):
        swipe_text = text_of(swipe)
        if swipe_text != text:
            swipe_meta = {**meta, "swipe": index}
            where = f"{here}/swipe/{index}"
            swipe_moved = tuple(f"{name}/swipe/{index}" for name in moved)
            yield Item(
                swipe_text,
                where,
                chat_id,
                when,
                swipe_meta,
                stable=True,
                also=(here,),
                moved=swipe_moved,
            )


_AT_FORM = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})\s*@\s*(\d{1,2})h\s*(\d{1,2})m\s*(\d{1,2})s(?:\s*\d+\s*ms)?"
)
_HUMAN_FORMS = ("%B %d, %Y %I:%M%p", "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M%p", "%B %d, %Y")


def _when(value: object) -> str | None:
    """A send date in any of SillyTavern's forms, parsed; ``None`` when there is none."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            return None  # "0" means "not recorded", not 1 January 1970
        return epoch_to_iso(value / 1000 if value > 1e11 else value)
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip()
    if text.isdigit():
        return _when(int(text))
    at = _AT_FORM.fullmatch(text)
    if at is not None:
        try:
            year, month, day, hour, minute, second = (int(x) for x in at.groups())
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()
        except ValueError:
            return None
    for form in _HUMAN_FORMS:
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC).isoformat()
        except ValueError:
            continue
    return iso_time(text)
