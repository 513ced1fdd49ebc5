"""How the server runs: where the home is, where it listens, and its bearer token.

The token is created with the home (see :func:`truehearth.keys.ensure_token`)
and compared in constant time. Binding anywhere but loopback needs an explicit
flag, because the home is the most private thing its user has.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from truehearth.core.errors import InvalidInput

DEFAULT_PORT = 8787
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_BODY_BYTES = 2 * 1024 * 1024
# Connection hygiene (see docs/SECURITY.md): idle keep-alive connections close
# after IDLE_TIMEOUT_S, a body must keep arriving (BodyLimit's read timeout),
# headers are bounded, and the server takes at most MAX_CONNECTIONS at once.
IDLE_TIMEOUT_S = 5
HEADER_TIMEOUT_S = 10.0
BODY_READ_TIMEOUT_S = 30.0
MAX_CONNECTIONS = 64
MAX_HEADER_BYTES = 64 * 1024


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote_bind: bool) -> str | None:
    """Refuse a non-loopback bind without the flag; return a warning when allowed."""
    if is_loopback(host):
        return None
    if not allow_remote_bind:
        raise InvalidInput(
            f"refusing to listen on {host}: only loopback by default; "
            "pass --allow-remote-bind if you really mean to expose your home"
        )
    return (
        f"warning: listening on {host}: anyone who can reach this address and has the "
        "token can read and write your home"
    )


def check_origins(origins: list[str]) -> tuple[str, ...]:
    """Named web origins (``http://localhost:3000``) a browser-only frontend may call from.

    A wildcard is refused: cross-origin access is opt-in, one origin at a time,
    and every request still needs the token.
    """
    checked: list[str] = []
    for given in origins:
        origin = given.strip().rstrip("/")
        scheme, sep, rest = origin.partition("://")
        if "*" in origin or not sep or scheme not in ("http", "https") or not rest or "/" in rest:
            raise InvalidInput(
                f"--cors-origin {origin!r}: name one origin like http://localhost:3000 "
                "(scheme and host, no path, no wildcard)"
            )
        checked.append(origin)
    return tuple(checked)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything a running server needs to know."""

    home: Path
    token: str
    key: bytes | None = None
    mouth: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    body_read_timeout: float = BODY_READ_TIMEOUT_S
    # Host headers the server answers to: loopback names only, so a web page that
    # rebinds its own domain to 127.0.0.1 (DNS rebinding) is refused.
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    extra: dict[str, str] = field(default_factory=dict)
    # Web origins a browser-only frontend may call from (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
