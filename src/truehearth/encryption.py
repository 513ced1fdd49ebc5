"""Encryption at rest: where an encrypted home's key comes from.

Two ways to hold the key, chosen at ``init --encrypt``:

* ``passphrase``: the key is derived from a passphrase with Argon2id (salt and
  cost parameters live in ``home.toml``; they are not secret). ``unlock``
  derives it once and caches it for the login session in memory-backed storage
  only (the user's runtime directory or ``/dev/shm``, checked to be tmpfs; mode
  0600) or refuses to cache; ``lock`` removes the cache.
* ``keyring``: a random key is kept in the operating system's keyring.

The key itself never lands inside the home directory, so a copied home is
ciphertext and nothing else.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from truehearth.core.errors import InvalidInput, KeyRequired, WrongKey
from truehearth.extras import needed_for
from truehearth.paths import APP_NAME
from truehearth.scratch import write_atomically

PASSPHRASE_ENV = "TRUEHEARTH_PASSPHRASE"
KEYRING_SERVICE = "truehearth"
MIN_PASSPHRASE = 8

Mode = Literal["passphrase", "keyring"]
Ask = Callable[[], str]


@dataclass(frozen=True, slots=True)
class Encryption:
    """How an encrypted home's key is obtained (stored in ``home.toml``)."""

    mode: Mode
    salt: str = ""
    time_cost: int = 3
    memory_kib: int = 65_536
    parallelism: int = 2

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"cipher": "sqlcipher4", "mode": self.mode}
        if self.mode == "passphrase":
            data.update(
                kdf="argon2id",
                salt=self.salt,
                time_cost=self.time_cost,
                memory_kib=self.memory_kib,
                parallelism=self.parallelism,
            )
        return data

    @classmethod
    def from_toml(cls, data: dict[str, Any]) -> Encryption:
        mode = data.get("mode")
        if mode not in ("passphrase", "keyring"):
            raise InvalidInput(f"unknown encryption mode {mode!r} in home.toml")
        return cls(
            mode=mode,
            salt=str(data.get("salt", "")),
            time_cost=int(data.get("time_cost", 3)),
            memory_kib=int(data.get("memory_kib", 65_536)),
            parallelism=int(data.get("parallelism", 2)),
        )


def new_encryption(mode: Mode) -> Encryption:
    salt = base64.b64encode(secrets.token_bytes(16)).decode("ascii") if mode == "passphrase" else ""
    return Encryption(mode=mode, salt=salt)


def check_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the passphrase must be at least {MIN_PASSPHRASE} characters")
    return passphrase


def derive_key(passphrase: str, enc: Encryption) -> bytes:
    """Argon2id over the passphrase: deliberately slow (about 0.3 s on two cores)."""
    if not passphrase:
        raise WrongKey("an empty passphrase")
    with needed_for("an encrypted home"):
        from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase.encode("utf-8"),
        base64.b64decode(enc.salt),
        time_cost=enc.time_cost,
        memory_cost=enc.memory_kib,
        parallelism=enc.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def new_random_key() -> bytes:
    return secrets.token_bytes(32)


# -- the OS keyring -------------------------------------------------------------


def keyring_store(home_id: str, key: bytes) -> None:
    with needed_for("a home whose key is in the OS keyring"):
        import keyring
        from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, home_id, key.hex())
    except (KeyringError, RuntimeError) as exc:
        raise KeyRequired(f"no usable OS keyring on this machine: {exc}") from exc


def keyring_load(home_id: str) -> bytes:
    with needed_for("a home whose key is in the OS keyring"):
        import keyring
        from keyring.errors import KeyringError

    try:
        stored = keyring.get_password(KEYRING_SERVICE, home_id)
    except (KeyringError, RuntimeError) as exc:
        raise KeyRequired(f"the OS keyring cannot be read: {exc}") from exc
    if not stored:
        raise KeyRequired("the OS keyring holds no key for this home")
    return bytes.fromhex(stored)


# -- the session cache of `unlock` ------------------------------------------------


MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs"})
SHARED_MEMORY = Path("/dev/shm")


def _cache_dir() -> Path | None:
    """A directory for the unlocked key that lives in memory only, or ``None``.

    ``$XDG_RUNTIME_DIR`` (a per-user tmpfs on Linux) is used when it is really
    memory-backed; without it, a private 0700 directory under ``/dev/shm``. A
    path on a disk is never used: a key written there would outlive the session
    on the disk's blocks.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [Path(runtime) / APP_NAME] if runtime else []
    candidates.append(SHARED_MEMORY / f"{APP_NAME}-{os.getuid()}")
    for candidate in candidates:
        if memory_backed(candidate.parent):
            return candidate
    return None


def memory_backed(path: Path) -> bool:
    """Whether ``path`` is on a memory-only filesystem (tmpfs, ramfs), per the mount table."""
    try:
        target = os.path.realpath(path)
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return False
    best, kind = "", ""
    for line in lines:
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        if len(parts) < 5 or not rest:
            continue
        mount = _unescape(parts[4])
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, rest.split()[0]
    return kind in MEMORY_FILESYSTEMS


def _unescape(field: str) -> str:
    """Mount points in mountinfo escape space, tab, newline and backslash as octal."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _cache_path(home_id: str) -> Path | None:
    directory = _cache_dir()
    return directory / f"{home_id}.key" if directory else None


def cache_key(home_id: str, key: bytes) -> Path:
    """Keep the derived key for this login session, in memory-backed storage only."""
    path = _cache_path(home_id)
    if path is None:
        raise KeyRequired(
            "no memory-only place to keep the unlocked key (XDG_RUNTIME_DIR is unset or on "
            f"disk and {SHARED_MEMORY} is not tmpfs); nothing was written: set "
            f"{PASSPHRASE_ENV} for this session instead"
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.parent.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise KeyRequired(f"{path.parent} is not a private directory of this user; not caching")
    write_atomically(path, key.hex().encode(), "key", mode=0o600)  # O_EXCL: follows no link
    return path


def cached_key(home_id: str) -> bytes | None:
    path = _cache_path(home_id)
    if path is None:
        return None
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        return None


def forget_cached_key(home_id: str) -> bool:
    path = _cache_path(home_id)
    if path is None:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


# -- choosing the key at open -----------------------------------------------------


def resolve_key(
    home_id: str, enc: Encryption, *, passphrase: str | None = None, ask: Ask | None = None
) -> bytes:
    """The key for an encrypted home, from the first source that has one.

    Order: an explicit passphrase, ``$TRUEHEARTH_PASSPHRASE``, the keyring (keyring
    mode), the session cache left by ``unlock``, and last, asking the user.
    """
    if enc.mode == "keyring":
        return keyring_load(home_id)
    given = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    if given:
        return derive_key(given, enc)
    cached = cached_key(home_id)
    if cached is not None:
        return cached
    if ask is not None:
        return derive_key(ask(), enc)
    raise KeyRequired(
        "the home is encrypted and locked: run `truehearth unlock` or set TRUEHEARTH_PASSPHRASE"
    )
