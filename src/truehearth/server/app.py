"""The ASGI application: authentication, request limits, and the routers.

Every route but ``/healthz`` needs the home's bearer token (header
``Authorization: Bearer …``, or the session cookie the web UI sets after its
login). Bodies over the size limit are refused before they are read whole.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from truehearth import __version__
from truehearth.core.errors import (
    ConsentRequired,
    HomeLocked,
    NotFound,
    TruehearthError,
)
from truehearth.home import Home
from truehearth.mouths.errors import EgressRefused, MouthError
from truehearth.server import mcp
from truehearth.server.pool import MouthPool
from truehearth.server.settings import ServerSettings

SESSION_COOKIE = "truehearth_session"


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"error":{"message":"request body over %d bytes","type":"invalid_request_error"}}' % limit
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Swappable:
    """An ASGI app whose target is set while the server runs (503 before and after)."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


class TokenGate:
    """Bearer-token check for mounted sub-applications (the MCP endpoint)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
            scheme, _, given = header.partition(" ")
            if scheme.lower() != "bearer" or not same_secret(given.strip(), self.token):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b"Bearer"),
                        ],
                    }
                )
                await send(
                    {
                        "type": "http.response.body",
                        "body": b'{"detail":"missing or wrong bearer token"}',
                    }
                )
                return
        await self.app(scope, receive, send)


def settings_of(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


def pool_of(request: Request) -> MouthPool:
    pool: MouthPool = request.app.state.pool
    return pool


class Sessions:
    """Browser sessions of the web UI: random ids, revocable at logout.

    The browser never holds the home's token itself, only a session id that
    means something to this server process and dies with it or at logout.
    """

    def __init__(self) -> None:
        self._open: set[str] = set()
        self._lock = threading.Lock()

    def open(self) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._open.add(sid)
        return sid

    def is_open(self, sid: str) -> bool:
        with self._lock:
            return sid in self._open

    def close(self, sid: str) -> None:
        with self._lock:
            self._open.discard(sid)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that refuses (rather than crashes on) non-ASCII input."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def is_authorized(request: Request) -> bool:
    """Whether the request carries the home's token, or a UI session opened with it."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and same_secret(given.strip(), settings_of(request).token):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and sessions_of(request).is_open(cookie)


def require_token(request: Request) -> None:
    if not is_authorized(request):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def open_home(request: Request) -> Iterator[Home]:
    """The home, opened for the length of one request (one connection per request)."""
    settings = settings_of(request)
    home = Home.open(settings.home, key=settings.key)
    try:
        yield home
    finally:
        home.close()


def create_app(settings: ServerSettings) -> FastAPI:
    """Build the server for one home."""

    mcp_endpoint = Swappable()

    def open_for_mcp() -> Home:
        return Home.open(settings.home, key=settings.key)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One connection stays open for the server's life: SQLite checkpoints the
        # WAL whenever the last connection closes, which per request would be slow.
        keeper = Home.open(settings.home, key=settings.key)
        # The MCP session manager runs once per server life, so it is made here.
        mcp_server = mcp.build(open_for_mcp)
        mcp_endpoint.app = mcp_server.streamable_http_app(
            streamable_http_path="/", stateless_http=True, json_response=True
        )
        try:
            async with mcp_server.session_manager.run():
                yield
        finally:
            mcp_endpoint.app = None
            app.state.pool.close()
            keeper.close()

    app = FastAPI(
        title="truehearth",
        summary="A local home for an AI companion's continuity.",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.pool = MouthPool()
    app.state.sessions = Sessions()

    @app.exception_handler(TruehearthError)
    async def _library_error(_request: Request, exc: TruehearthError) -> JSONResponse:
        return JSONResponse(
            status_code=status_for(exc), content=error_body(str(exc), type(exc).__name__)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code,
            content=error_body(str(exc.detail), "http_error"),
            headers=getattr(exc, "headers", None),
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from truehearth.server import openai_api

    app.include_router(openai_api.router, dependencies=[Depends(require_token)])
    from truehearth.server import ui

    ui.install(app)
    app.mount("/mcp", TokenGate(mcp_endpoint, settings.token))
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    return app


def status_for(exc: TruehearthError) -> int:
    """The HTTP status of a library error."""
    if isinstance(exc, EgressRefused | ConsentRequired):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, HomeLocked):
        return 423
    if isinstance(exc, MouthError):
        return 502
    return 400


def error_body(message: str, kind: str = "invalid_request_error") -> dict[str, Any]:
    """An error in the shape OpenAI clients expect."""
    return {"error": {"message": message, "type": kind, "code": None, "param": None}}
