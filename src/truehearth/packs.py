"""Signed packs: probe suites and audit rules anyone can write, share and check.

A safety layer is only inspectable if it can be read, and only shareable if
it can be checked. A pack is one YAML file::

    pack: my-suite            # a name
    kind: probe-suite         # or audit-rules
    version: 3
    author: {name: ..., key: <Ed25519 public key, base64>}
    content: ...              # the probes or the rules, in their own formats
    signature: <base64>       # Ed25519 over everything above

There is no central authority. A pack whose signature does not verify is
refused, always. A pack that verifies is used only when the human trusts its
author's key: the key of the packs that ship with truehearth, the home's own
key, a key the human trusted in the home (``packs trust``, journaled), or one
named for a single run.

The key of the built-in packs can be rotated (docs/SECURITY.md, "Signed packs
and the built-in key"). A key it replaced is listed in
``builtin_packs/retired.yaml`` and earns no trust from having shipped once: a
pack it signed is refused, said as such, unless the human trusts that key
themselves. Its private half is lost, so nobody can vouch any more for what it
signs; a refused pack can be re-read and trusted on purpose, while a pack
trusted silently could never be taken back.
"""

from __future__ import annotations

import base64
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.keys import load_public, public_key_text
from truehearth.scratch import write_atomically

KINDS = ("probe-suite", "audit-rules")
BUILTIN_DIR = Path(__file__).parent / "builtin_packs"
BUILTIN_SUITE = BUILTIN_DIR / "continuity-suite.pack.yaml"
BUILTIN_RULES = BUILTIN_DIR / "audit-rules.pack.yaml"
# The key the built-in packs are signed with (its private half stays with the maintainers).
BUILTIN_KEY_FILE = BUILTIN_DIR / "builtin.pub"
# Keys the built-in packs were once signed with, and why each was retired.
RETIRED_KEYS_FILE = BUILTIN_DIR / "retired.yaml"
TRUSTED_KEY = "pack_key"
MAX_PACK_BYTES = 16 * 1024 * 1024
_FIELDS = ("pack", "kind", "version", "author", "content")


class PackInvalid(TruehearthError):
    """A file that is not a pack (missing, unreadable, malformed, or of the wrong kind).

    Wrong input, so it exits 2 as every other bad input does; a pack that is one
    but does not verify is :class:`PackUnverified`.
    """

    exit_code = 2


class PackUnverified(PackInvalid):
    """A pack whose signature fails, or whose author the human has not trusted: a failed check."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Pack:
    """A verified pack."""

    name: str
    kind: str
    version: int
    author: str
    key: str
    content: Any
    path: Path
    trusted_because: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": self.name,
            "kind": self.kind,
            "version": self.version,
            "author": self.author,
            "key": self.key,
            "file": str(self.path),
            "trusted_because": self.trusted_because,
        }


@dataclass(frozen=True, slots=True)
class RetiredKey:
    """A key that once signed the built-in packs and no longer does."""

    key: str
    retired: str
    why: str


def builtin_key() -> str:
    return BUILTIN_KEY_FILE.read_text().strip()


def retired_keys() -> dict[str, RetiredKey]:
    """The retired built-in keys, by key (empty when none was ever retired)."""
    if not RETIRED_KEYS_FILE.is_file():
        return {}
    listed = yaml.safe_load(RETIRED_KEYS_FILE.read_text(encoding="utf-8")) or []
    return {
        str(k["key"]): RetiredKey(str(k["key"]), str(k["retired"]), str(k["why"])) for k in listed
    }


def message(body: dict[str, Any]) -> bytes:
    """What a pack's signature covers: its fields in one sorted JSON form."""
    unsigned = {k: body[k] for k in _FIELDS if k in body}
    return b"truehearth-pack-v1\n" + orjson.dumps(unsigned, option=orjson.OPT_SORT_KEYS)


def read_unsigned(path: Path) -> dict[str, Any]:
    """A pack being written: ``author`` and ``signature`` are filled in by :func:`sign`."""
    data = _load(path)
    data.setdefault("author", {})
    missing = [k for k in _FIELDS if k not in data]
    if missing:
        raise PackInvalid(f"{path.name}: missing {', '.join(missing)}")
    if data["kind"] not in KINDS:
        raise PackInvalid(f"{path.name}: kind must be one of {', '.join(KINDS)}")
    return data


def _load(path: Path) -> dict[str, Any]:
    if path.exists() and not path.is_dir() and not path.is_file():
        # a device or a pipe has no size to check and may never end
        raise PackInvalid(f"{path} is not a regular file; save the pack to a file first")
    try:
        if path.stat().st_size > MAX_PACK_BYTES:
            raise PackInvalid(f"{path.name}: larger than 16 MiB")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackInvalid(f"no pack at {path}") from None
    except IsADirectoryError:
        raise PackInvalid(f"{path} is a directory; name the pack file") from None
    except OSError as exc:
        raise PackInvalid(f"cannot read the pack {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, yaml.YAMLError):
        raise PackInvalid(f"{path.name}: not readable YAML") from None
    if not isinstance(data, dict):
        raise PackInvalid(f"{path.name}: a pack is a mapping with {', '.join(_FIELDS)}")
    return data


def read(path: Path) -> dict[str, Any]:
    """Parse a signed pack file (no checks beyond its shape)."""
    data = _load(path)
    missing = [k for k in _FIELDS if k not in data]
    if missing:
        raise PackInvalid(f"{path.name}: missing {', '.join(missing)}")
    if data["kind"] not in KINDS:
        raise PackInvalid(f"{path.name}: kind must be one of {', '.join(KINDS)}")
    author = data["author"]
    if not isinstance(author, dict) or not isinstance(author.get("key"), str):
        raise PackInvalid(f"{path.name}: author needs a 'key' (Ed25519 public key, base64)")
    if not isinstance(data["version"], int) or isinstance(data["version"], bool):
        raise PackInvalid(f"{path.name}: version must be a whole number")
    return data


def sign(data: dict[str, Any], key: Ed25519PrivateKey, author: str) -> dict[str, Any]:
    """Set the author to ``key``'s owner and sign; returns the signed pack body."""
    if not author.strip():
        raise InvalidInput("the pack's author name is empty; give --author NAME")
    body = {k: data[k] for k in _FIELDS if k in data}
    body["author"] = {"name": author, "key": public_key_text(key.public_key())}
    missing = [k for k in _FIELDS if k not in body]
    if missing:
        raise InvalidInput(f"a pack needs {', '.join(missing)} before it can be signed")
    body["signature"] = base64.b64encode(key.sign(message(body))).decode("ascii")
    return body


def write(path: Path, body: dict[str, Any]) -> None:
    """Write a signed pack whole or not at all (a pack half-written would not verify).

    An earlier file at ``path`` is replaced only once the new one is on disk.
    """
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    try:
        write_atomically(path, text.encode("utf-8"), "pack")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None


def verify(path: Path, trusted: Collection[str] = (), *, require_trust: bool = True) -> Pack:
    """Check a pack's signature and, unless told not to, that its author is trusted.

    ``trusted`` maps nothing: it is the set of author keys the human trusts
    besides the built-in one. A pack signed by a retired built-in key is refused
    even with ``require_trust=False`` (which only shows a stranger's pack so the
    human can decide): that key's standing was already decided when it was retired.
    """
    data = read(path)
    key = str(data["author"]["key"])
    try:
        signature = base64.b64decode(str(data.get("signature", "")), validate=True)
        load_public(key).verify(signature, message(data))
    except (ValueError, InvalidSignature, TruehearthError):
        raise PackUnverified(
            f"{path.name}: the signature does not verify (the pack was changed after signing, "
            "or signed by another key than the one it names)"
        ) from None
    because: str | None = None
    retired = retired_keys().get(key)
    if key == builtin_key():
        because = "ships with truehearth"
    elif key in trusted:
        because = "you trust this author's key"
        if retired is not None:
            because += f" (a truehearth built-in key retired on {retired.retired})"
    elif retired is not None:  # refused even when only shown: no silent trust, no quiet pass
        raise PackUnverified(
            f"{path.name}: signed by {key[:16]}..., a truehearth built-in key retired on "
            f"{retired.retired} ({retired.why}); refused. Use the packs of this truehearth, "
            f"or trust the key yourself only if you can vouch for the pack: "
            f"`truehearth packs trust {key} --name NAME`"
        )
    elif require_trust:
        raise PackUnverified(
            f"{path.name}: signed by {key[:16]}..., a key you have not trusted; "
            "trust it with `truehearth packs trust KEY` or name it with --trust-key"
        )
    return Pack(
        name=str(data["pack"]),
        kind=str(data["kind"]),
        version=int(data["version"]),
        author=str(data["author"].get("name", "")),
        key=key,
        content=data["content"],
        path=path,
        trusted_because=because,
    )


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def expect_kind(pack: Pack, kind: str) -> Pack:
    if pack.kind != kind:
        raise PackInvalid(f"{pack.path.name} is {_a(pack.kind)} pack, not {_a(kind)} pack")
    return pack
