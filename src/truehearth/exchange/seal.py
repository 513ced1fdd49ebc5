"""The archive seal: a signature over every byte of a bundle, kept in its zip comment.

The zip comment is the last thing in a zip file, after the length field that
announces it. Signing the SHA-256 of every byte before the comment therefore
covers every header, timestamp and padding byte of the archive, not only the
members' contents: no byte of a sealed bundle can change unnoticed. The seal
is written in two steps -- a placeholder of the final length while the zip is
written, then the real signature over the finished bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truehearth.core.errors import TruehearthError
from truehearth.keys import load_public

SEAL_PREFIX = b"truehearth-seal-v1:"
COMMENT_LENGTH = len(SEAL_PREFIX) + 88  # base64 of a 64-byte Ed25519 signature
PLACEHOLDER_SEAL = SEAL_PREFIX + base64.b64encode(bytes(64))


class BundleInvalid(TruehearthError):
    """A bundle that is damaged, altered, or not a bundle at all."""


def seal(path: Path, key: Ed25519PrivateKey) -> None:
    """Sign a bundle's bytes into its zip comment (which must hold a placeholder seal)."""
    with path.open("r+b") as handle:
        signature = key.sign(_archive_message(handle))
        handle.seek(-COMMENT_LENGTH, os.SEEK_END)
        handle.write(_seal_comment(signature))


def _seal_comment(signature: bytes) -> bytes:
    return SEAL_PREFIX + base64.b64encode(signature)


def _archive_message(handle: IO[bytes]) -> bytes:
    """What the archive seal signs: SHA-256 of every byte before the seal itself.

    The zip comment sits at the very end of the file, after the length field
    that announces it, so signing everything before it covers every header,
    timestamp and padding byte of the zip: no byte can change unnoticed.
    """
    size = handle.seek(0, os.SEEK_END)
    if size < COMMENT_LENGTH:
        raise BundleInvalid("the file is too short to be a bundle")
    handle.seek(0)
    left = size - COMMENT_LENGTH
    sha = hashlib.sha256()
    while left:
        chunk = handle.read(min(left, 1 << 20))
        if not chunk:
            raise BundleInvalid("the bundle changed while it was read")
        sha.update(chunk)
        left -= len(chunk)
    return b"truehearth-bundle-archive-v1\n" + sha.digest()


def check_seal(path: Path, signer: str) -> None:
    with path.open("rb") as handle:
        message = _archive_message(handle)
        handle.seek(-COMMENT_LENGTH, os.SEEK_END)
        comment = handle.read(COMMENT_LENGTH)
    if not comment.startswith(SEAL_PREFIX):
        raise BundleInvalid("the bundle has no archive seal (its zip comment was changed)")
    try:
        signature = base64.b64decode(comment[len(SEAL_PREFIX) :], validate=True)
        load_public(signer).verify(signature, message)
    except (InvalidSignature, ValueError, TruehearthError) as exc:
        raise BundleInvalid("the archive seal does not verify: the file's bytes changed") from exc
