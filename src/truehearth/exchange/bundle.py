"""The open continuity bundle: everything a home is, in one signed, checkable file.

A bundle is a zip (see ``docs/BUNDLE.md`` and ``docs/bundle.schema.json``):

* ``journal.jsonl`` -- every event, as its exact canonical body plus digest,
  so the hash chain can be re-checked by anyone and restored byte for byte;
* ``records.jsonl`` and ``entities.jsonl`` -- the state the journal folds to,
  for readers who want the records without replaying anything;
* ``manifest.json`` -- format version, the home, the journal head, the state
  fingerprint and the SHA-256 and size of every file above;
* ``manifest.sig`` -- the home's Ed25519 signature over ``manifest.json``;
* the zip comment -- the archive seal: a signature over every byte of the
  file before it, so even a zip timestamp cannot change unnoticed.

Verification trusts nothing it has not recomputed: the signature, every file
digest, the chain, the head, and the fold of the journal against the shipped
state. Changing any byte of any member is therefore caught.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from cryptography.exceptions import InvalidSignature

from truehearth.core.canonical import canonical_bytes
from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.core.events import decode
from truehearth.core.journal import Head, fingerprint, verify_chain
from truehearth.core.progress import Progress
from truehearth.core.state import State
from truehearth.core.vocabulary import RECORD
from truehearth.exchange.boundedjson import check_shape
from truehearth.exchange.limits import Limits
from truehearth.exchange.seal import PLACEHOLDER_SEAL, BundleInvalid, check_seal, seal
from truehearth.exchange.zipsafe import ZIP_ERRORS
from truehearth.home import Home
from truehearth.keys import load_public, public_key_text
from truehearth.mouths import registry
from truehearth.scratch import new_file, publish_new, scratch, sync_file

FORMAT = "truehearth-bundle"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
JOURNAL = "journal.jsonl"
RECORDS = "records.jsonl"
ENTITIES = "entities.jsonl"
MEMBERS = frozenset({MANIFEST, SIGNATURE, JOURNAL, RECORDS, ENTITIES})
MAX_MANIFEST = 1024 * 1024
MAX_LINE = 64 * 1024 * 1024
LIMITS = Limits()


@dataclass(slots=True)
class BundleReport:
    """What :func:`verify_bundle` found."""

    ok: bool
    manifest: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    signed_by_origin: bool | None = None

    def to_json(self) -> dict[str, Any]:
        journal = self.manifest.get("journal", {})
        return {
            "ok": self.ok,
            "problem": self.problem,
            "home": self.manifest.get("home"),
            "signer": self.manifest.get("signer", {}).get("public_key"),
            "signed_by_origin": self.signed_by_origin,
            "head": journal.get("head"),
            "events": journal.get("events"),
            "records": self.manifest.get("counts", {}).get("records"),
        }


# -- export -------------------------------------------------------------------


def export_bundle(home: Home, out: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Write ``home`` as a signed bundle at ``out`` (atomically) and return its manifest.

    ``progress`` counts the journal's events as they are written, out of the head's.
    The bundle is written under a pid-named temporary name, fsynced, and linked to
    ``out`` only if nothing is there by then (:func:`truehearth.scratch.publish_new`):
    an export can take minutes, and a file made at ``out`` meanwhile is kept.
    """
    out = new_file(out)
    try:
        fd, tmp = scratch(out.parent, "bundle")  # a killed export's file is swept here
    except OSError as exc:
        raise InvalidInput(f"cannot write a bundle in {out.parent}: {exc.strerror}") from None
    os.close(fd)
    try:
        key = home.signing_key()
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            manifest = _write_members(home, zf, progress)
            manifest_bytes = orjson.dumps(
                manifest, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
            )
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(SIGNATURE, base64.b64encode(key.sign(manifest_bytes)) + b"\n")
            zf.comment = PLACEHOLDER_SEAL
        seal(tmp, key)
        sync_file(tmp)
        publish_new(tmp, out)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(
            f"{out} already exists (it appeared while the bundle was written, and is kept); "
            "choose a new file name"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    signed = manifest["journal"]["head"]
    home.record_export("bundle", Head(int(signed["seq"]), str(signed["digest"])))
    return manifest


def _write_members(home: Home, zf: zipfile.ZipFile, progress: Progress | None) -> dict[str, Any]:
    last = home.head()
    total = last.seq if last is not None else None
    state = State()
    head: Head | None = None
    with _HashingWriter(zf, JOURNAL) as journal:
        for event in home.store.events():
            state.apply(event)
            journal.line({"seq": event.seq, "digest": event.digest, "body": event.body.decode()})
            head = Head(event.seq, event.digest)
            if progress:
                progress(event.seq, total, "journal")
    if head is None:
        raise InvalidInput("this home's journal is empty; there is nothing to export")
    with _HashingWriter(zf, RECORDS) as records:
        for _rid, value in sorted(state.collections.get(RECORD, {}).items()):
            records.line(value)
    with _HashingWriter(zf, ENTITIES) as entities:
        for kind, bucket in sorted(state.collections.items()):
            if kind == RECORD:
                continue
            for eid, value in sorted(bucket.items()):
                entities.line({"kind": kind, "id": eid, "value": value})
    config = home.config
    key = home.signing_key().public_key()
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": home.now(),
        "home": {
            "name": config.name,
            "home_id": config.home_id,
            "created_at": config.created_at,
        },
        "signer": {"algorithm": "ed25519", "public_key": public_key_text(key)},
        "journal": {
            "events": head.seq,
            "head": {"seq": head.seq, "digest": head.digest, "fingerprint": fingerprint(head)},
        },
        "state_fingerprint": state.fingerprint(),
        "counts": {
            "records": len(state.collections.get(RECORD, {})),
            "entities": entities.lines,
        },
        "files": {w.name: w.summary() for w in (journal, records, entities)},
    }


class _HashingWriter:
    """Write JSON lines into one zip member while hashing exactly the bytes written."""

    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.name = name
        self._sha = hashlib.sha256()
        self.size = 0
        self.lines = 0
        self._handle: IO[bytes] = zf.open(name, "w", force_zip64=True)

    def __enter__(self) -> _HashingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def line(self, value: Any) -> None:
        data = canonical_bytes(value) + b"\n"
        self._handle.write(data)
        self._sha.update(data)
        self.size += len(data)
        self.lines += 1

    def summary(self) -> dict[str, Any]:
        return {"sha256": self._sha.hexdigest(), "bytes": self.size, "lines": self.lines}


# -- verify -------------------------------------------------------------------


def verify_bundle(path: Path, *, expected_key: str | None = None) -> BundleReport:
    """Recompute everything a bundle claims; the first thing that differs is the problem."""
    report = BundleReport(ok=False)
    try:
        with _open(path) as zf:
            report.manifest = _checked_manifest(zf, expected_key)
            check_seal(path, str(report.manifest["signer"]["public_key"]))
            _check_files(zf, report.manifest)
            genesis_key = _check_journal(zf, report.manifest)
    except BundleInvalid as exc:
        report.problem = str(exc)
        return report
    report.signed_by_origin = genesis_key == report.manifest["signer"]["public_key"]
    report.ok = True
    return report


def is_a_bundle(path: Path) -> None:
    """Refuse, as wrong input, a file that is not a bundle at all: not a zip, or a zip
    without a manifest (someone else's archive).

    The command line asks this before verifying, so that such a file exits 2 as
    every importer's wrong file does, while a bundle that was altered fails its
    verification (exit 1). :func:`verify_bundle` itself still reports any change,
    the first two bytes included, as a problem.
    """
    if path.is_dir():  # an empty path arrives as "."
        raise InvalidInput(f"{path} is a directory; name the bundle file")
    if path.exists() and not path.is_file():
        raise InvalidInput(f"{path} is not a regular file, so not a bundle")
    if not path.is_file():
        raise InvalidInput(f"no bundle at {path}")
    with path.open("rb") as head:
        if head.read(2) != b"PK":
            raise InvalidInput(f"{path} is not a zip file, so not a bundle")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except ZIP_ERRORS:
        return  # a damaged zip: verification says what is wrong with it
    if MANIFEST not in names:
        raise InvalidInput(f"{path} is a zip file but not a truehearth bundle (no {MANIFEST})")


def _open(path: Path) -> zipfile.ZipFile:
    if path.is_dir():  # an empty path arrives as "."
        raise InvalidInput(f"{path} is a directory; name the bundle file")
    if path.exists() and not path.is_file():
        raise InvalidInput(f"{path} is not a regular file, so not a bundle")
    if not path.is_file():
        raise InvalidInput(f"no bundle at {path}")
    try:
        zf = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise BundleInvalid(f"not a readable bundle (damaged or not a zip): {exc}") from exc
    names = set(zf.namelist())
    if names != MEMBERS:
        zf.close()
        extra = sorted(names - MEMBERS) or sorted(MEMBERS - names)
        raise BundleInvalid(f"the bundle's files are not the expected ones (see {extra[0]!r})")
    if sum(info.file_size for info in zf.infolist()) > LIMITS.max_unpacked_bytes:
        zf.close()
        raise BundleInvalid("the bundle unpacks to more than the import limit (a zip bomb?)")
    return zf


def _read_member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        with zf.open(name) as handle:
            data = handle.read(limit + 1)
    except ZIP_ERRORS as exc:
        raise BundleInvalid(f"{name} is damaged: {exc}") from exc
    if len(data) > limit:
        raise BundleInvalid(f"{name} is larger than a bundle allows")
    return data


def _checked_manifest(zf: zipfile.ZipFile, expected_key: str | None) -> dict[str, Any]:
    raw = _read_member(zf, MANIFEST, MAX_MANIFEST)
    signature_text = _read_member(zf, SIGNATURE, 1024)
    try:
        manifest = orjson.loads(raw)
        signer = manifest["signer"]["public_key"]
        signature = base64.b64decode(signature_text.strip(), validate=True)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BundleInvalid(f"the manifest or its signature is malformed: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BundleInvalid("not a truehearth bundle (wrong format name)")
    version = manifest.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise BundleInvalid(f"bundle version {version!r} is newer than this truehearth reads")
    if expected_key is not None and signer != expected_key:
        raise BundleInvalid("the bundle is signed by a different key than the one expected")
    try:
        load_public(str(signer)).verify(signature, raw)
    except (InvalidSignature, TruehearthError) as exc:
        raise BundleInvalid("the manifest's signature does not verify") from exc
    return dict(manifest)


def _check_files(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != MEMBERS - {MANIFEST, SIGNATURE}:
        raise BundleInvalid("the manifest does not list the bundle's files")
    for name, claim in sorted(files.items()):
        sha = hashlib.sha256()
        size = 0
        try:
            with zf.open(name) as handle:
                while chunk := handle.read(1 << 20):
                    sha.update(chunk)
                    size += len(chunk)
        except ZIP_ERRORS as exc:
            raise BundleInvalid(f"{name} is damaged: {exc}") from exc
        if not isinstance(claim, dict) or claim.get("sha256") != sha.hexdigest():
            raise BundleInvalid(f"{name} does not match its SHA-256 in the manifest")
        if claim.get("bytes") != size:
            raise BundleInvalid(f"{name} does not match its size in the manifest")


def journal_rows(zf: zipfile.ZipFile) -> Iterator[tuple[int, bytes, str]]:
    """``(seq, body, digest)`` from ``journal.jsonl``, as a restore or verify needs them."""
    for number, line in enumerate(_lines(zf, JOURNAL), start=1):
        try:
            row = orjson.loads(line)
            seq, digest, body = row["seq"], row["digest"], row["body"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise BundleInvalid(f"journal line {number} is malformed") from exc
        if not isinstance(seq, int) or not isinstance(digest, str) or not isinstance(body, str):
            raise BundleInvalid(f"journal line {number} has fields of the wrong type")
        yield seq, body.encode(), digest


def _lines(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The non-blank lines of a member, each bounded before anyone parses it.

    A bundle may come from someone else, signed with their own key, so its
    lines are held to the same memory bound as any import.
    """
    try:
        with zf.open(name) as handle:
            while line := handle.readline(MAX_LINE + 1):
                if len(line) > MAX_LINE:
                    raise BundleInvalid(f"{name} has a line longer than a bundle allows")
                if line.strip():
                    _check_shape(line, name)
                    yield line
    except ZIP_ERRORS as exc:
        raise BundleInvalid(f"{name} is damaged: {exc}") from exc


def _check_shape(line: bytes, name: str) -> None:
    try:
        check_shape(line, LIMITS, name)
    except InvalidInput as exc:
        raise BundleInvalid(str(exc)) from None


def _check_journal(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> str | None:
    """Re-hash the chain and re-fold the state; return the key the genesis event names."""
    try:
        claimed = manifest["journal"]["head"]
        head = Head(int(claimed["seq"]), str(claimed["digest"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleInvalid("the manifest names no journal head") from exc
    state = State()
    genesis: str | None = None

    def folded() -> Iterator[tuple[int, bytes, str]]:
        nonlocal genesis
        parent: str | None = None
        for seq, body, digest in journal_rows(zf):
            try:
                event = decode(seq, body, parent, digest)
            except (ValueError, KeyError, TypeError) as exc:
                raise BundleInvalid(f"journal event {seq} is malformed") from exc
            if seq == 1 and event.kind == "home.created":
                key = event.payload.get("public_key")
                genesis = key if isinstance(key, str) else None
            state.apply(event)
            parent = digest
            yield seq, body, digest

    chain = verify_chain(folded(), head)
    if not chain.ok:
        raise BundleInvalid(
            f"the journal does not verify at event {chain.broken_at}: {chain.problem}"
        )
    if state.fingerprint() != manifest.get("state_fingerprint"):
        raise BundleInvalid("the journal does not fold to the state the manifest names")
    if _shipped_state(zf).fingerprint() != state.fingerprint():
        raise BundleInvalid("records.jsonl or entities.jsonl differ from the journal's fold")
    return genesis


def _shipped_state(zf: zipfile.ZipFile) -> State:
    state = State()
    records = state.collections.setdefault(RECORD, {})
    try:
        for line in _lines(zf, RECORDS):
            value = orjson.loads(line)
            records[value["id"]] = value
        for line in _lines(zf, ENTITIES):
            row = orjson.loads(line)
            state.collections.setdefault(row["kind"], {})[row["id"]] = row["value"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise BundleInvalid("records.jsonl or entities.jsonl is malformed") from exc
    return state


# -- import (restore) -----------------------------------------------------------


IMPORTED_MOUTH = "arrived in an imported bundle"


def restore_bundle(bundle: Path, target: Path, *, expected_key: str | None = None) -> Home:
    """Verify a bundle, then restore it into a new home at ``target`` with the same head.

    The bundle's journal is kept exactly (its head verifies against the
    signature); then every mouth it names is disarmed in a new event (see
    :func:`truehearth.mouths.registry.disarm_all`), because a mouth from someone
    else's file may point anywhere with any egress policy.
    """
    report = verify_bundle(bundle, expected_key=expected_key)
    if not report.ok:
        raise BundleInvalid(f"refusing to import: {report.problem}")
    info = report.manifest["home"]
    with _open(bundle) as zf:
        home = Home.restore(
            target,
            name=str(info["name"]),
            home_id=str(info["home_id"]),
            created_at=str(info["created_at"]),
            rows=journal_rows(zf),
        )
    claimed = report.manifest["journal"]["head"]
    restored = home.head()
    if restored is None or (restored.seq, restored.digest) != (claimed["seq"], claimed["digest"]):
        home.close()
        raise BundleInvalid("the restored journal head differs from the bundle's")
    registry.disarm_all(home, IMPORTED_MOUTH)
    return home
