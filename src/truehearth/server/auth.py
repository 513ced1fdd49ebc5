"""Who may use the server: the home's bearer token, or a web UI session opened with it.

The token is parsed in one place (:func:`bearer_token`) for both the FastAPI
dependency and the ASGI gate in front of the MCP endpoint.
"""

from __future__ import annotations

import hmac
import secrets
import threading

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from truehearth.server.deps import settings_of

SESSION_COOKIE = "truehearth_session"


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    scheme, _, given = header.partition(" ")
    return given.strip() if scheme.lower() == "bearer" else None


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that refuses (rather than crashes on) non-ASCII input."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


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


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def is_authorized(request: Request) -> bool:
    """Whether the request carries the home's token, or a UI session opened with it."""
    given = bearer_token(request.headers.get("authorization", ""))
    if given is not None and same_secret(given, settings_of(request).token):
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


class TokenGate:
    """Bearer-token check for mounted sub-applications (the MCP endpoint)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
            given = bearer_token(header)
            if given is None or not same_secret(given, self.token):
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
