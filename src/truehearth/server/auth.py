"""Who may use the server: the home's bearer token, or a web UI session opened with it.

The token is parsed in one place (:func:`bearer_token`) for both the FastAPI
dependency and the ASGI gate in front of the MCP endpoint.

The token lives in the home (``keys/server.token``); ``truehearth token
--rotate`` replaces it there. A running server follows that file, not the
value it read at start (:class:`TokenKeeper`): after a rotation the old token
stops working at once, the new one works, and every browser session opened
under the old token is revoked. The file is re-read only when its inode, size
or modification time changes, so a request costs one ``stat``.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from pathlib import Path

import orjson
from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from truehearth.keys import token_path
from truehearth.server.deps import error_body

SESSION_COOKIE = "truehearth_session"


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    scheme, _, given = header.partition(" ")
    return given.strip() if scheme.lower() == "bearer" else None


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that refuses (rather than crashes on) non-ASCII input."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


class TokenKeeper:
    """The current token of one home, following rotations of its token file."""

    def __init__(self, home: Path, initial: str) -> None:
        self._path = token_path(home)
        self._lock = threading.Lock()
        self._token = initial
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self._path)
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def current(self) -> str:
        """The token now in force (re-read when the file changed since the last look)."""
        stamp = self._stamp()
        with self._lock:
            if stamp is not None and stamp != self._seen:
                try:
                    text = self._path.read_text().strip()
                except OSError:
                    text = ""
                if text:  # a half-written or emptied file never unlocks anything
                    self._token = text
                self._seen = stamp
            return self._token

    def accepts(self, given: str | None) -> bool:
        return given is not None and same_secret(given, self.current())


class Sessions:
    """Browser sessions of the web UI: random ids, revocable at logout and by rotation.

    The browser never holds the home's token itself, only a session id that
    means something to this server process. Each session remembers the token
    that opened it; when the token changes, the session is gone.
    """

    def __init__(self, tokens: TokenKeeper) -> None:
        self._tokens = tokens
        self._open: dict[str, str] = {}
        self._lock = threading.Lock()

    def open(self) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._open[sid] = self._tokens.current()
        return sid

    def is_open(self, sid: str) -> bool:
        current = self._tokens.current()
        with self._lock:
            opened_with = self._open.get(sid)
            if opened_with is None:
                return False
            if not same_secret(opened_with, current):
                del self._open[sid]
                return False
            return True

    def close(self, sid: str) -> None:
        with self._lock:
            self._open.pop(sid, None)


def tokens_of(request: Request) -> TokenKeeper:
    tokens: TokenKeeper = request.app.state.tokens
    return tokens


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def is_authorized(request: Request) -> bool:
    """Whether the request carries the home's token, or a UI session opened with it."""
    if tokens_of(request).accepts(bearer_token(request.headers.get("authorization", ""))):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and sessions_of(request).is_open(cookie)


async def require_token(request: Request) -> None:
    """Refuse a request without the token (401).

    A coroutine, so it runs on the event loop: the check is a ``stat`` and a
    comparison, and as a plain function FastAPI would hand every request to a
    worker thread and back just for it.
    """
    if not is_authorized(request):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


class TokenGate:
    """Bearer-token check for mounted sub-applications (the MCP endpoint)."""

    def __init__(self, app: ASGIApp, tokens: TokenKeeper) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
            if not self.tokens.accepts(bearer_token(header)):
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
                        "body": orjson.dumps(
                            error_body(
                                "missing or wrong bearer token",
                                "authentication_error",
                                code="invalid_api_key",
                            )
                        ),
                    }
                )
                return
        await self.app(scope, receive, send)
