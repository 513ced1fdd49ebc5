"""The import formats that ship with truehearth, registered like any plugin's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from truehearth.plugins import hookimpl

if TYPE_CHECKING:
    from truehearth.exchange.parsed import Parser


@hookimpl
def register_importers(register: Callable[[str, Parser], None]) -> None:
    from truehearth.exchange import (
        chatgpt,
        claude,
        letta,
        lorebook,
        open_webui,
        sillytavern_card,
        sillytavern_chat,
        text,
    )

    register(chatgpt.FORMAT, chatgpt.parse)
    register(sillytavern_card.FORMAT, sillytavern_card.parse)
    register(sillytavern_chat.FORMAT, sillytavern_chat.parse)
    register(letta.FORMAT, letta.parse)
    register(text.FORMAT, text.parse)
    register(claude.FORMAT, claude.parse)
    register(open_webui.FORMAT, open_webui.parse)
    register(lorebook.FORMAT, lorebook.parse)
