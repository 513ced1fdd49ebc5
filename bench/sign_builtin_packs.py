"""Build and sign the packs that ship with truehearth (maintainers only: needs the private key).

    PYTHONPATH=src python bench/sign_builtin_packs.py --key PATH/TO/pack-signing.key

* ``continuity-suite.pack.yaml``: the probe files of ``continuity/probes/``;
* ``audit-rules.pack.yaml``: ``audit/phrases.yaml`` joined with the fitted
  ``audit/gives_in.yaml`` and its drift stage ``audit/gives_in_drift.yaml``.

The private key never enters the repository; its public half is
``builtin_packs/builtin.pub``. With ``--new-key`` a fresh key is written to
``--key`` first (done once, when the packs were introduced).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truehearth import packs
from truehearth.continuity.probe import BUILTIN_PROBES
from truehearth.keys import public_key_text

AUDIT = Path(packs.__file__).parent / "audit"
SUITE_VERSION = 1
RULES_VERSION = 1


def load_key(path: Path, new: bool) -> Ed25519PrivateKey:
    if new:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--new-key", action="store_true")
    args = parser.parse_args()
    key = load_key(args.key, args.new_key)
    packs.BUILTIN_DIR.mkdir(exist_ok=True)
    packs.BUILTIN_KEY_FILE.write_text(public_key_text(key.public_key()) + "\n")
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
    print(f"signed {packs.BUILTIN_SUITE.name} and {packs.BUILTIN_RULES.name}")


if __name__ == "__main__":
    main()
