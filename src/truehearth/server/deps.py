"""What a request handler needs from the running server: settings, the pool, the home.

Routers (the OpenAI-compatible API, the web UI) depend on these and on
:mod:`truehearth.server.auth`, never on the application module that mounts
them, so the import graph runs one way: ``app`` -> routers -> ``deps``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request

from truehearth.context.model import ContextOverflow
from truehearth.core.errors import (
    ChainBroken,
    ConsentRequired,
    HomeLocked,
    InvalidInput,
    NotFound,
    TruehearthError,
)
from truehearth.home import Home
from truehearth.mouths.errors import EgressRefused, MouthError, UnknownMouth
from truehearth.server.gate import TurnGate
from truehearth.server.homes import HomePool, RecallCatchUp
from truehearth.server.pool import MouthPool
from truehearth.server.settings import ServerSettings


def settings_of(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


def pool_of(request: Request) -> MouthPool:
    pool: MouthPool = request.app.state.pool
    return pool


def gate_of(request: Request) -> TurnGate:
    gate: TurnGate = request.app.state.gate
    return gate


def homes_of(request: Request) -> HomePool:
    homes: HomePool = request.app.state.homes
    return homes


def catch_up_of(request: Request) -> RecallCatchUp:
    catch_up: RecallCatchUp = request.app.state.catch_up
    return catch_up


def open_home(request: Request) -> Iterator[Home]:
    """The home, lent from the server's pool for the length of one request."""
    homes = homes_of(request)
    home = homes.take()
    sound = False
    try:
        yield home
        sound = True
    finally:
        homes.give(home, sound=sound)


RETRY_AFTER_SECONDS = 2
"""What a 503 for a busy home tells the client to wait (the writer is usually brief)."""


def status_for(exc: TruehearthError) -> int:
    """The HTTP status of a library error."""
    if isinstance(exc, EgressRefused | ConsentRequired):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, HomeLocked):
        return 503
    if isinstance(exc, ChainBroken):
        return 409
    if isinstance(exc, MouthError):
        return 502
    return 400


def error_body(
    message: str,
    kind: str = "invalid_request_error",
    *,
    code: str | None = None,
    param: str | None = None,
) -> dict[str, Any]:
    """An error in the shape OpenAI clients expect."""
    return {"error": {"message": message, "type": kind, "code": code, "param": param}}


_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    429: "rate_limit_error",
}


def error_type(status: int) -> str:
    """The ``type`` OpenAI's error shape gives a status: what clients branch on.

    Never a Python class name: those are ours, they change with the code, and a
    frontend shows the type to its user beside the message.
    """
    if status >= 500:
        return "server_error"
    return _TYPES.get(status, "invalid_request_error")


def library_error_body(exc: TruehearthError) -> dict[str, Any]:
    """A library error in OpenAI's shape: the type from its status, a stable ``code``.

    The code names what happened in a word a program can test (``model_not_found``,
    ``home_busy``); ``param`` is the request field at fault where one is known.
    """
    code, param = _CODES.get(type(exc), (_snake(type(exc).__name__), None))
    return error_body(str(exc), error_type(status_for(exc)), code=code, param=param)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class MessagesRefused(InvalidInput):
    """Refused input whose fault lies in the request's ``messages``."""


# Where OpenAI has a code for the same thing, its code; else the error's own name.
_CODES: dict[type[TruehearthError], tuple[str, str | None]] = {
    UnknownMouth: ("model_not_found", "model"),
    ContextOverflow: ("context_length_exceeded", "messages"),
    MessagesRefused: ("invalid_value", "messages"),
    HomeLocked: ("home_busy", None),
    ChainBroken: ("home_fails_verification", None),
}
