"""Encryption at rest from the command line: unlock, lock, rekey."""

from __future__ import annotations

import os

from truehearth import atrest
from truehearth.cli._app import HomeOpt, app, console, home_path, opened, read_secret
from truehearth.encryption import PASSPHRASE_ENV

NEW_PASSPHRASE_ENV = "TRUEHEARTH_NEW_PASSPHRASE"


@app.command()
def unlock(home: HomeOpt = None) -> None:
    """Open an encrypted home for this login session (the key is cached in memory).

    The key is kept in memory-backed runtime storage, never in the home."""
    cached = atrest.unlock(
        home_path(home), lambda: os.environ.get(PASSPHRASE_ENV) or read_secret("Passphrase")
    )
    console.print(f"Unlocked until `truehearth lock` or the end of the session ({cached.parent}).")


@app.command()
def lock(home: HomeOpt = None) -> None:
    """Forget the cached key: the home needs its passphrase again."""
    had = atrest.lock(home_path(home))
    console.print("Locked." if had else "Already locked.")


@app.command()
def rekey(home: HomeOpt = None) -> None:
    """Re-encrypt the home under a new passphrase (or a new keyring key)."""
    with opened(home) as h:
        enc = h.config.encryption
        new = None
        if enc is not None and enc.mode == "passphrase":
            new = os.environ.get(NEW_PASSPHRASE_ENV) or read_secret("New passphrase", confirm=True)
        atrest.rekey(h, new)
    console.print("Re-encrypted under the new key; the old one opens nothing any more.")
