"""The mouth backends that ship with truehearth, registered like any plugin's."""

from __future__ import annotations

from collections.abc import Callable

from truehearth.mouths.registry import Backend, EchoBackend, LlamaBackend, OpenAIHTTPBackend
from truehearth.plugins import hookimpl


@hookimpl
def register_mouths(register: Callable[[str, Backend], None]) -> None:
    register("llama.cpp", LlamaBackend())
    register("openai-http", OpenAIHTTPBackend())
    register("echo", EchoBackend())
