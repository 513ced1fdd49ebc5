"""Build and sign the packs that ship with truehearth (maintainers only: needs the private key).

    PYTHONPATH=src python bench/sign_builtin_packs.py --key PATH/TO/builtin-pack-signing.key
    TRUEHEARTH_PACK_SIGNING_KEY=PATH/TO/builtin-pack-signing.key PYTHONPATH=src \\
        python bench/sign_builtin_packs.py

* ``continuity-suite.pack.yaml``: the probe files of ``continuity/probes/``;
* ``audit-rules.pack.yaml``: ``audit/phrases.yaml`` joined with the fitted
  ``audit/gives_in.yaml`` and its drift stage ``audit/gives_in_drift.yaml``.

The private key never enters the repository: the script refuses a key file
inside it, or one that anyone but its owner may read (``chmod 600``). Its public
half is ``builtin_packs/builtin.pub``, and the script signs only with the key
whose public half that is, so a wrong key cannot rotate the built-in signer by
accident (as a lost key once did, silently).

Rotation (``--rotate "why"``): a new key is written to the key path (never over
an existing file), the key it replaces moves to ``builtin_packs/retired.yaml``
with the date and the reason, and both packs are signed with the new key. A
pack signed by a retired key is then refused (``truehearth.packs``); see
docs/DEVELOPERS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import stat
import sys
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truehearth import packs
from truehearth.continuity.probe import BUILTIN_PROBES
from truehearth.keys import public_key_text

AUDIT = Path(packs.__file__).parent / "audit"
REPOSITORY = Path(__file__).resolve().parent.parent
KEY_ENV = "TRUEHEARTH_PACK_SIGNING_KEY"
SUITE_VERSION = 1
RULES_VERSION = 1


class Refused(Exception):
    """Why the packs were not signed, in one line."""


def key_path(given: Path | None) -> Path:
    """The private key's path, from ``--key`` or the environment; refused inside the repository."""
    if given is None:
        named = os.environ.get(KEY_ENV, "").strip()
        if not named:
            raise Refused(
                f"no signing key named: give --key PATH or set {KEY_ENV} "
                "(the maintainers' private key, kept outside the repository)"
            )
        given = Path(named)
    path = given.expanduser().absolute()
    if path.resolve().is_relative_to(REPOSITORY):
        raise Refused(f"{path} is inside the repository; keep the private key outside it")
    return path


def load_key(path: Path) -> Ed25519PrivateKey:
    """The key at ``path``; refused when missing, readable by others, or not Ed25519."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise Refused(f"no signing key at {path} (to start a new one, see --rotate)") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Refused(f"{path} can be read by others (mode {mode & 0o777:o}); chmod 600 it")
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        raise Refused(f"{path} is not a PEM private key") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise Refused(f"{path} is not an Ed25519 key")
    return loaded


def new_key(path: Path) -> Ed25519PrivateKey:
    """A fresh key written to ``path`` with mode 600; an existing file is never replaced."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Refused(f"{path} already exists; a rotation writes a new key file") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def retire(old: str, why: str, today: str) -> None:
    """Add the outgoing built-in key to ``retired.yaml`` (once; the list only grows)."""
    listed: list[dict[str, str]] = []
    if packs.RETIRED_KEYS_FILE.is_file():
        listed = yaml.safe_load(packs.RETIRED_KEYS_FILE.read_text(encoding="utf-8")) or []
    if all(k["key"] != old for k in listed):
        listed.append({"key": old, "retired": today, "why": why})
    header = (
        "# Keys that once signed truehearth's built-in packs. A pack signed by one is\n"
        "# refused unless the human trusts that key themselves (truehearth.packs).\n"
    )
    text = yaml.safe_dump(listed, sort_keys=False, allow_unicode=True, width=100)
    packs.RETIRED_KEYS_FILE.write_text(header + text, encoding="utf-8")


def signing_key(path: Path, rotate: str | None) -> Ed25519PrivateKey:
    """The key to sign with: the built-in signer's, or with ``rotate`` a new one replacing it."""
    current = packs.builtin_key() if packs.BUILTIN_KEY_FILE.is_file() else None
    if rotate is not None:
        if not rotate.strip():
            raise Refused("--rotate needs the reason the old key is retired")
        key = new_key(path)
        if current is not None:
            retire(current, rotate.strip(), datetime.datetime.now(datetime.UTC).date().isoformat())
        packs.BUILTIN_KEY_FILE.write_text(public_key_text(key.public_key()) + "\n")
        return key
    key = load_key(path)
    public = public_key_text(key.public_key())
    if public != current:
        shown = f"{current[:16]}..." if current else "none yet"
        raise Refused(
            f"{path} holds key {public[:16]}..., not the built-in signer ({shown}); "
            'to replace the signer use --rotate "why"'
        )
    return key


def sign_all(key: Ed25519PrivateKey) -> None:
    files = [
        {"file": f.name, **yaml.safe_load(f.read_text(encoding="utf-8"))}
        for f in sorted(BUILTIN_PROBES.glob("*.yaml"))
    ]
    suite = {
        "pack": "truehearth-continuity-suite",
        "kind": "probe-suite",
        "version": SUITE_VERSION,
        "author": {},
        "content": {"files": files},
    }
    packs.write(packs.BUILTIN_SUITE, packs.sign(suite, key, "truehearth"))
    gives_in = yaml.safe_load((AUDIT / "gives_in.yaml").read_text(encoding="utf-8"))
    stage = AUDIT / "gives_in_drift.yaml"
    if stage.is_file():  # the drift stage fitted on top of that table
        gives_in["drift"] = yaml.safe_load(stage.read_text(encoding="utf-8"))
    rules = {
        "pack": "truehearth-audit-rules",
        "kind": "audit-rules",
        "version": RULES_VERSION,
        "author": {},
        "content": {
            "name": "truehearth built-in audit rules",
            "version": RULES_VERSION,
            "phrases": yaml.safe_load((AUDIT / "phrases.yaml").read_text(encoding="utf-8")),
            "gives_in": gives_in,
        },
    }
    packs.write(packs.BUILTIN_RULES, packs.sign(rules, key, "truehearth"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--key", type=Path, help=f"the private key (default: ${KEY_ENV})")
    parser.add_argument(
        "--rotate",
        metavar="WHY",
        help="write a new key to the key path and retire the current signer for this reason",
    )
    args = parser.parse_args(argv)
    try:
        key = signing_key(key_path(args.key), args.rotate)
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    packs.BUILTIN_DIR.mkdir(exist_ok=True)
    sign_all(key)
    print(
        f"signed {packs.BUILTIN_SUITE.name} and {packs.BUILTIN_RULES.name} "
        f"with {packs.builtin_key()[:16]}..."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
