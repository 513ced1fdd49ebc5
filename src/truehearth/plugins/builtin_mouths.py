"""The mouth backends that ship with truehearth, registered like any plugin's.

The implementations are imported inside the hook, so loading this plugin (as
every command-line start does) costs nothing until mouths are asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from truehearth.plugins import hookimpl

if TYPE_CHECKING:
    from truehearth.mouths.registry import Backend


@hookimpl
def register_mouths(register: Callable[[str, Backend], None]) -> None:
    from truehearth.mouths.registry import EchoBackend, LlamaBackend, OpenAIHTTPBackend

    register("llama.cpp", LlamaBackend())
    register("openai-http", OpenAIHTTPBackend())
    register("echo", EchoBackend())
