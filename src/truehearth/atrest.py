"""Encryption at rest, as acts on a home: unlock, lock, rekey.

Where the key comes from and how it is derived is :mod:`truehearth.encryption`;
this module is what the ``unlock``, ``lock`` and ``rekey`` commands call.
"""

from __future__ import annotations

from pathlib import Path

from truehearth.core.errors import InvalidInput, NotAHome
from truehearth.encryption import (
    Ask,
    cache_key,
    check_passphrase,
    derive_key,
    forget_cached_key,
    keyring_store,
    new_random_key,
)
from truehearth.home import Home
from truehearth.homedir import CONFIG_NAME, LOCK_NAME, HomeConfig, is_home, read_config
from truehearth.store.lock import writer_lock


def unlock(path: Path, ask: Ask) -> Path:
    """Check the passphrase ``ask()`` gives and cache the derived key for this session.

    ``ask`` is called only once the home is known to need a passphrase.
    """
    path = path.expanduser().absolute()
    config = _encrypted_config(path)
    if config.encryption is None or config.encryption.mode != "passphrase":
        raise InvalidInput("this home's key is kept in the OS keyring; it needs no unlock")
    passphrase = ask()
    if not passphrase:  # else the open below would say "locked: run `truehearth unlock`"
        raise InvalidInput("the passphrase is empty; nothing was unlocked")
    with Home.open(path, passphrase=passphrase):
        pass
    return cache_key(config.home_id, derive_key(passphrase, config.encryption))


def lock(path: Path) -> bool:
    """Forget the cached key; returns whether there was one."""
    config = _encrypted_config(path.expanduser().absolute())
    return forget_cached_key(config.home_id)


def rekey(home: Home, new_passphrase: str | None = None) -> None:
    """Re-encrypt the home under a new passphrase (or a new keyring key).

    The salt and cost parameters stay, so ``home.toml`` does not change and
    the switch is one atomic SQLCipher transaction: a crash leaves either the
    old key or the new one working, never neither. A keyring key is stored
    under a ``.next`` name first, so ``Home.open`` can finish an interrupted
    switch.
    """
    enc = home.config.encryption
    if enc is None:
        raise InvalidInput("this home is not encrypted (create one with `init --encrypt`)")
    home_id = home.config.home_id
    home.close_recall()  # its connection holds the old key
    with writer_lock(home.path / LOCK_NAME):
        if enc.mode == "passphrase":
            new_key = derive_key(check_passphrase(new_passphrase or ""), enc)
            home.store.rekey(new_key)
            if forget_cached_key(home_id):
                cache_key(home_id, new_key)
        else:
            new_key = new_random_key()
            keyring_store(home_id + ".next", new_key)
            home.store.rekey(new_key)
            keyring_store(home_id, new_key)


def _encrypted_config(path: Path) -> HomeConfig:
    if not is_home(path):
        raise NotAHome(f"{path} is not a truehearth home (no {CONFIG_NAME})")
    config = read_config(path / CONFIG_NAME)
    if config.encryption is None:
        raise InvalidInput("this home is not encrypted (create one with `init --encrypt`)")
    return config
