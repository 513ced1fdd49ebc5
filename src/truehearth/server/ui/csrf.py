"""CSRF tokens for the web UI's forms, bound to the session.

The UI's session cookie is ``SameSite=Strict``, which already keeps most
cross-site requests from carrying it; the token is the second lock, for
browsers or proxies that get SameSite wrong. A token is
``<issued>.<nonce>.<mac>`` where the MAC is an HMAC-SHA256, keyed by the
session secret (the home's token, which only the logged-in browser holds), over
the issue time and a fresh nonce. So a page on another origin can neither read
a token (the same-origin policy) nor mint one (it lacks the key), each form
gets its own token, and a token leaked from an old page stops working after
:data:`MAX_AGE` seconds. Checking needs no server-side state.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

FIELD = "csrf"
MAX_AGE = 12 * 3600
_LABEL = b"truehearth-ui-csrf:"


def _mac(secret: str, issued: str, nonce: str) -> str:
    message = _LABEL + issued.encode() + b"." + nonce.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def issue(secret: str, now: float | None = None) -> str:
    """A new token for one form, bound to ``secret`` (the session)."""
    issued = str(int(now if now is not None else time.time()))
    nonce = secrets.token_urlsafe(16)
    return f"{issued}.{nonce}.{_mac(secret, issued, nonce)}"


def valid(secret: str, token: str | None, now: float | None = None) -> bool:
    """Whether ``token`` was issued for ``secret`` within :data:`MAX_AGE` seconds."""
    if not token or not secret or not token.isascii():
        return False
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    issued, nonce, mac = parts
    age = (now if now is not None else time.time()) - int(issued)
    if not -60 <= age <= MAX_AGE:  # a minute of clock skew
        return False
    return hmac.compare_digest(mac, _mac(secret, issued, nonce))
