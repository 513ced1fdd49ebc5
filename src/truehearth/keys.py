"""The home's secrets, created at init: its Ed25519 signing key and its server token.

The signing key signs exported bundles, so a bundle can prove which home it
came from. The server token guards the local server. Both are written with
mode 0600 and never leave the home; in an encrypted home the signing key lives
inside the encrypted database, never on disk in clear.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from truehearth.core.errors import HomeCorrupt
from truehearth.homedir import KEYS_DIR
from truehearth.scratch import write_atomically

PRIVATE_NAME = "signing.key"
PUBLIC_NAME = "signing.pub"
TOKEN_NAME = "server.token"
SIGNING_SECRET = "signing_key"
"""The name of an encrypted home's private key in its database's secrets."""


def new_keypair() -> tuple[bytes, str]:
    """A new signing key: its private PEM (PKCS#8) and its public key (base64)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private, public_key_text(key.public_key())


def create_keypair(directory: Path, private: bytes) -> None:
    """Write a plain home's private key into ``directory`` (mode 0600, never overwritten).

    An encrypted home keeps its private key inside its encrypted database instead
    (see :meth:`truehearth.home.Home.signing_key`), so it is never on disk in clear.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(directory / PRIVATE_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)


def write_public(directory: Path, public: str) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    (directory / PUBLIC_NAME).write_text(public + "\n")


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_private(directory: Path) -> Ed25519PrivateKey:
    try:
        data = (directory / PRIVATE_NAME).read_bytes()
    except OSError as exc:
        raise HomeCorrupt(f"the home's signing key cannot be read: {exc}") from exc
    return load_private_pem(data)


def load_private_pem(data: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise HomeCorrupt(f"the home's signing key cannot be read: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise HomeCorrupt("the home's signing key is not an Ed25519 key")
    return key


def load_public(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise HomeCorrupt(f"not an Ed25519 public key: {exc}") from exc


def token_path(home: Path) -> Path:
    """Where the home's server token lives (a running server watches this file)."""
    return home / KEYS_DIR / TOKEN_NAME


def ensure_token(home: Path, *, rotate: bool = False) -> str:
    """The bearer token of the home's local server (``keys/server.token``, mode 0600).

    Created with the home; made here for homes older than the token, or
    replaced when ``rotate`` is asked for.
    """
    path = token_path(home)
    if path.is_file() and not rotate:
        token = path.read_text().strip()
        if token:
            return token
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = "th-" + secrets.token_urlsafe(32)
    # A pid-named temporary file made with O_EXCL: no other writer shares it, and a link
    # planted at its name is never followed.
    write_atomically(path, (token + "\n").encode(), "token", mode=0o600)
    return token


class SecretStore(Protocol):
    """Where an encrypted home keeps its secrets (inside its encrypted database)."""

    def secret(self, name: str) -> bytes | None: ...

    def set_secret(self, name: str, value: bytes) -> None: ...


def load_signing_key(home: Path, *, encrypted: bool, store: SecretStore) -> Ed25519PrivateKey:
    """A home's Ed25519 signing key: ``keys/`` for a plain home, the database for an
    encrypted one. An encrypted home made before the key moved into the database still
    has ``keys/signing.key``: it is moved in here, and the file removed."""
    directory = home / KEYS_DIR
    if not encrypted:
        return load_private(directory)
    stored = store.secret(SIGNING_SECRET)
    if stored is not None:
        return load_private_pem(stored)
    legacy = directory / PRIVATE_NAME
    pem = legacy.read_bytes() if legacy.is_file() else None
    if pem is None:
        raise HomeCorrupt("the home's signing key is missing")
    key = load_private_pem(pem)
    store.set_secret(SIGNING_SECRET, pem)
    legacy.unlink()
    return key
