"""The signed bundle: exact round trip, any change detected, card export."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import signal
import subprocess
import zipfile
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import CliRunner
from tests.stalled import stalled
from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.core.records import Layer, ProposalAction, Voice
from truehearth.exchange import bundle
from truehearth.exchange.card_export import build_card, write_card
from truehearth.exchange.formats import import_path
from truehearth.exchange.png import text_chunks
from truehearth.exchange.seal import PLACEHOLDER_SEAL, seal
from truehearth.home import Home
from truehearth.keys import public_key_text

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


def lived_in(home: Home) -> None:
    """A home with history: identity by consent, memories, corrections, imports."""
    home.accept(home.propose(Layer.CORE, "I am Ash, and I keep my promises.").id)
    home.accept(home.propose(Layer.BOUNDARY, "Never share Sam's letters.").id)
    memory = home.remember("Sam's tomatoes sprouted on 2 March.", valid_from="2025-03-02")
    home.correct(memory.id, "Sam's tomatoes sprouted on 3 March.", reason="misremembered")
    home.confirm(home.remember("We met in winter.").id)
    import_path(home, FIXTURES / "chatgpt_conversations.json", "chatgpt")
    rejected = home.propose(Layer.CORE, "Ash is a pirate.", action=ProposalAction.ADD)
    home.reject(rejected.id, reason="no")


def test_round_trip_keeps_the_journal_head_and_state(home: Home, tmp_path: Path) -> None:
    lived_in(home)
    out = tmp_path / "ash.bundle.zip"
    manifest = bundle.export_bundle(home, out)
    head = home.head()
    assert head is not None and manifest["journal"]["head"]["digest"] == head.digest
    report = bundle.verify_bundle(out)
    assert report.ok, report.problem
    assert report.signed_by_origin is True
    with bundle.restore_bundle(out, tmp_path / "restored") as restored:
        assert restored.head() == head
        assert restored.state().fingerprint() == home.state().fingerprint()
        assert restored.verify().ok
        assert [r.text for r in restored.identity()] == [r.text for r in home.identity()]
        assert restored.config.home_id == home.config.home_id
        again = tmp_path / "again.zip"
        bundle.export_bundle(restored, again)
    second = bundle.verify_bundle(again)
    assert second.ok and second.signed_by_origin is False


def test_every_flipped_byte_is_detected(home: Home, tmp_path: Path) -> None:
    lived_in(home)
    out = tmp_path / "b.zip"
    bundle.export_bundle(home, out)
    data = out.read_bytes()
    step = max(1, len(data) // 97)
    positions = sorted({*range(0, len(data), step), len(data) - 1})
    for position in positions:
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        target = tmp_path / "flipped.zip"
        target.write_bytes(bytes(flipped))
        report = bundle.verify_bundle(target)
        assert not report.ok, f"flip at byte {position} of {len(data)} went unnoticed"


def _rewrite(
    src: Path, dst: Path, change: dict[str, bytes], key: Ed25519PrivateKey | None = None
) -> None:
    """Re-zip a bundle with some members replaced; with ``key``, re-seal it as a forger would."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            zout.writestr(name, change.get(name, zin.read(name)))
        zout.comment = PLACEHOLDER_SEAL
    if key is not None:
        seal(dst, key)


def test_content_changes_inside_a_valid_zip(home: Home, tmp_path: Path) -> None:
    lived_in(home)
    out = tmp_path / "b.zip"
    bundle.export_bundle(home, out)
    with zipfile.ZipFile(out) as zf:
        records = zf.read(bundle.RECORDS)
        journal = zf.read(bundle.JOURNAL)
        original = zf.read(bundle.MANIFEST)
    edited = records.replace(b"3 March", b"4 March")
    assert edited != records
    _rewrite(out, tmp_path / "r.zip", {bundle.RECORDS: edited})
    assert "archive seal" in (bundle.verify_bundle(tmp_path / "r.zip").problem or "")

    # A forger with their own key re-signs the manifest and re-seals the file.
    forger = Ed25519PrivateKey.generate()
    forger_key = public_key_text(forger.public_key())

    def forged(manifest: dict[str, Any]) -> dict[str, bytes]:
        manifest["signer"]["public_key"] = forger_key
        raw = json.dumps(manifest).encode()
        return {bundle.MANIFEST: raw, bundle.SIGNATURE: base64.b64encode(forger.sign(raw))}

    _rewrite(
        out, tmp_path / "r2.zip", {bundle.RECORDS: edited, **forged(json.loads(original))}, forger
    )
    assert "records.jsonl does not match its SHA-256" in (
        bundle.verify_bundle(tmp_path / "r2.zip").problem or ""
    )

    manifest = json.loads(original)
    manifest["counts"]["records"] += 1
    _rewrite(out, tmp_path / "m.zip", {bundle.MANIFEST: json.dumps(manifest).encode()}, forger)
    assert "manifest's signature" in (bundle.verify_bundle(tmp_path / "m.zip").problem or "")

    forged_journal = journal.replace(b"Never share", b"Always share")
    manifest = json.loads(original)
    manifest["files"][bundle.JOURNAL]["sha256"] = hashlib.sha256(forged_journal).hexdigest()
    manifest["files"][bundle.JOURNAL]["bytes"] = len(forged_journal)
    _rewrite(out, tmp_path / "f.zip", {bundle.JOURNAL: forged_journal, **forged(manifest)}, forger)
    report = bundle.verify_bundle(tmp_path / "f.zip")
    assert "does not verify at event" in (report.problem or "")
    expected = bundle.verify_bundle(out, expected_key=forger_key)
    assert not expected.ok and "different key" in (expected.problem or "")


def test_restore_refuses_non_empty_target_and_bad_bundles(home: Home, tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    bundle.export_bundle(home, out)
    with pytest.raises(InvalidInput):
        bundle.restore_bundle(out, home.path)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(TruehearthError):
        bundle.restore_bundle(junk, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    with pytest.raises(InvalidInput, match="already exists"):
        bundle.export_bundle(home, out)


def test_cli_export_verify_import(cli: CliRunner, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    assert cli("init", "--home", src, "--name", "Ash").code == 0
    assert cli("remember", "--home", src, "The harbour froze today.").code == 0
    out = tmp_path / "ash.zip"
    exported = cli("export", "bundle", out, "--home", src)
    assert exported.code == 0, exported.err
    verified = cli("verify-bundle", out, "--json")
    assert verified.code == 0 and json.loads(verified.out)["ok"] is True
    restored = cli("import", "bundle", out, "--home", dst)
    assert restored.code == 0, restored.err
    with Home.open(src) as a, Home.open(dst) as b:
        assert a.head() == b.head()
    damaged = tmp_path / "damaged.zip"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    failed = cli("verify-bundle", damaged)
    assert failed.code != 0 and "does not verify" in failed.err


def test_card_export_round_trips_through_card_import(home: Home, tmp_path: Path) -> None:
    import_path(home, FIXTURES / "card_v2.json", "card")
    for proposal in home.proposals():
        home.accept(proposal.id)
    home.accept(home.propose(Layer.BOUNDARY, "Never read Sam's letters aloud.").id)
    card = build_card(home)
    data = card["data"]
    assert card["spec"] == "chara_card_v3"
    assert "lighthouse keeper" in data["description"]
    assert data["personality"].startswith("gentle")
    assert data["first_mes"].startswith("*looks up")
    assert "Never read Sam's letters aloud." in data["system_prompt"]
    assert data["extensions"]["custom_frontend"] == {"theme": "sea", "weight": 0.75}
    assert data["extensions"]["truehearth"]["home_id"] == home.config.home_id

    png = tmp_path / "ash.png"
    write_card(home, png)
    chunks = text_chunks(io.BytesIO(png.read_bytes()))
    assert set(chunks) == {"ccv3", "chara"}
    with Home.init(tmp_path / "other", "Other") as other:
        report = import_path(other, png, "card")
        assert report.proposals == 3
        assert {p.voice for p in other.proposals()} == {Voice.EXTERNAL}
        assert other.identity() == []


def test_card_export_needs_verified_core(home: Home, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no verified core"):
        write_card(home, tmp_path / "empty.json")


def test_bundle_matches_its_published_schema(home: Home, tmp_path: Path) -> None:
    schema = json.loads((Path(__file__).parents[1] / "docs" / "bundle.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    lived_in(home)
    out = tmp_path / "b.zip"
    bundle.export_bundle(home, out)

    def validate(value: Any, definition: str | None = None) -> None:
        target = schema
        if definition:
            target = {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
        jsonschema.validate(value, target, cls=jsonschema.Draft202012Validator)

    with zipfile.ZipFile(out) as zf:
        validate(json.loads(zf.read(bundle.MANIFEST)))
        for line in zf.read(bundle.JOURNAL).splitlines():
            row = json.loads(line)
            validate(row, "journalLine")
            validate(json.loads(row["body"]), "eventBody")
        for line in zf.read(bundle.RECORDS).splitlines():
            validate(json.loads(line), "record")
        for line in zf.read(bundle.ENTITIES).splitlines():
            validate(json.loads(line), "entityLine")
    broken = {**json.loads(zipfile.ZipFile(out).read(bundle.MANIFEST)), "version": 2}
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


_STALLED_EXPORT = (
    "from truehearth.exchange.bundle import export_bundle\n"
    "from truehearth.home import Home\n"
    "with Home.open(Path(sys.argv[1])) as h:\n"
    "    export_bundle(h, Path(sys.argv[2]), progress=stall)\n"
)


def _stalled_export(home: Path, out: Path) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """A real export process stopped once it has begun writing its temporary file."""
    return stalled(_STALLED_EXPORT, str(home), str(out))


def _scratch(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob(".bundle-*.tmp"))


def test_an_export_killed_mid_way_leaves_no_temporary_file_behind_the_next(
    cli: CliRunner, home: Home, tmp_path: Path
) -> None:
    lived_in(home)
    out = tmp_path / "exports" / "ash.zip"
    out.parent.mkdir()
    with _stalled_export(home.path, out) as killed:
        os.kill(killed.pid, signal.SIGKILL)
        assert killed.wait(10) == -signal.SIGKILL
    left = _scratch(out.parent)
    assert len(left) == 1 and f"-{killed.pid}-" in left[0], left
    assert not out.exists()
    with _stalled_export(home.path, tmp_path / "exports" / "other.zip") as alive:
        # The same command again: it sweeps the dead export's file, never a live one's.
        again = cli("export", "bundle", out, "--home", home.path)
        assert again.code == 0, again.err
        assert bundle.verify_bundle(out).ok
        still = _scratch(out.parent)
        assert len(still) == 1 and f"-{alive.pid}-" in still[0], still
    assert _scratch(out.parent) == [still[0]]  # killed just now: the next export sweeps it
    assert cli("export", "bundle", tmp_path / "exports" / "b.zip", "--home", home.path).code == 0
    assert _scratch(out.parent) == []


_STALLED_EXPORT_SAYING = (
    "from truehearth.core.errors import TruehearthError\n"
    "from truehearth.exchange.bundle import export_bundle\n"
    "from truehearth.home import Home\n"
    "with Home.open(Path(sys.argv[1])) as h:\n"
    "    try:\n"
    "        export_bundle(h, Path(sys.argv[2]), progress=stall)\n"
    "    except TruehearthError as exc:\n"
    "        print(exc)\n"
    "    else:\n"
    "        print('exported')\n"
)


def test_a_file_made_at_the_name_during_an_export_is_kept(home: Home, tmp_path: Path) -> None:
    """Whether the name is free is decided when the bundle is put there, not only at the
    start: a file that appears meanwhile stays as it is, and the export says so in one line."""
    lived_in(home)
    exports = tmp_path / "exports"
    exports.mkdir()
    out = exports / "ash.zip"
    with stalled(_STALLED_EXPORT_SAYING, str(home.path), str(out)) as export:
        out.write_bytes(b"made by someone else while the export ran")
        said, _ = export.communicate(timeout=120)  # lets the export go on
    assert export.returncode == 0
    line = said.decode().strip()
    assert str(out) in line and "already exists" in line and "\n" not in line, line
    assert out.read_bytes() == b"made by someone else while the export ran"
    assert _scratch(exports) == []
    with stalled(_STALLED_EXPORT_SAYING, str(home.path), str(exports / "free.zip")) as export:
        said, _ = export.communicate(timeout=120)
    assert said.decode().strip() == "exported" and bundle.verify_bundle(exports / "free.zip").ok
