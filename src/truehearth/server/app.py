"""The ASGI application: authentication, request limits, and the routers.

Every route but ``/healthz`` needs the home's bearer token (header
``Authorization: Bearer …``, or the session cookie the web UI sets after its
login). Bodies over the size limit are refused before they are read whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from truehearth import __version__
from truehearth.core.errors import HomeLocked, TruehearthError
from truehearth.home import Home
from truehearth.server import mcp, openai_api, ui
from truehearth.server.auth import Sessions, TokenGate, require_token
from truehearth.server.deps import RETRY_AFTER_SECONDS, error_body, status_for
from truehearth.server.pool import MouthPool
from truehearth.server.settings import ServerSettings


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
        # A busy home is a passing state: say when to come back (RFC 9110 Retry-After).
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if isinstance(exc, HomeLocked) else None
        return JSONResponse(
            status_code=status_for(exc),
            content=error_body(str(exc), type(exc).__name__),
            headers=headers,
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

    app.include_router(openai_api.router, dependencies=[Depends(require_token)])
    ui.install(app)
    app.mount("/mcp", TokenGate(mcp_endpoint, settings.token))
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    return app
