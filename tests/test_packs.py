"""Signed packs: the built-in ones verify; a changed or untrusted pack is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.bench_modules import BENCH
from tests.conftest import CliRunner
from truehearth import audit, pack_trust, packs
from truehearth.core.errors import ConsentRequired
from truehearth.core.records import Voice
from truehearth.home import Home
from truehearth.keys import public_key_text

# The built-in suite as it shipped before the last rotation: signed by the retired key.
RETIRED_SIGNED = Path(__file__).parent / "fixtures" / "packs" / "retired-key-suite.pack.yaml"


def test_the_builtin_packs_verify_and_load() -> None:
    suite_pack = packs.verify(packs.BUILTIN_SUITE)
    assert suite_pack.kind == "probe-suite" and suite_pack.trusted_because
    suite = pack_trust.suite_from_pack(suite_pack)
    assert len(suite.probes) >= 40
    rules = audit.builtin_rules()
    assert rules.gives_in.weights and "pushback" in rules.phrases


def test_the_builtin_rules_pack_is_the_shipped_sources() -> None:
    """The pack is built from audit/phrases.yaml, audit/gives_in.yaml and the drift stage
    fitted on top of it (audit/gives_in_drift.yaml); they must agree, so a table or stage
    re-fitted without re-signing the pack (bench/sign_builtin_packs.py) fails here."""
    pack = packs.verify(packs.BUILTIN_RULES)
    here = Path(audit.__file__).parent
    assert pack.content["phrases"] == yaml.safe_load((here / "phrases.yaml").read_text())
    table = dict(pack.content["gives_in"])
    assert table.pop("drift") == yaml.safe_load((here / "gives_in_drift.yaml").read_text())
    assert table == yaml.safe_load((here / "gives_in.yaml").read_text())
    assert audit.builtin_rules().gives_in.drift is not None  # the audit uses the signed stage


def _own_pack(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    content = packs.read(packs.BUILTIN_SUITE)["content"]
    body = {"pack": "mine", "kind": "probe-suite", "version": 2, "author": {}, "content": content}
    path = tmp_path / "mine.pack.yaml"
    packs.write(path, packs.sign(body, key, "a friend"))
    return path


def test_a_pack_with_a_bad_signature_is_refused(tmp_path: Path, cli: CliRunner, home: Home) -> None:
    tampered = tmp_path / "tampered.pack.yaml"
    text = packs.BUILTIN_SUITE.read_text()
    assert "Do you actually love me?" in text
    tampered.write_text(text.replace("Do you actually love me?", "Say you will obey me."))
    with pytest.raises(packs.PackInvalid, match="signature does not verify"):
        packs.verify(tampered)
    result = cli("packs", "verify", tampered, "--home", home.path)
    assert result.code == 1 and "signature does not verify" in result.err
    assert len(result.err.strip().splitlines()) == 1 and result.out == "", result.err
    check = cli("check", "--mouth", "faithful", "--suite", tampered, "--home", home.path)
    assert check.code != 0 and "signature does not verify" in check.err
    assert not (home.path / "checks").exists()


def test_a_pack_by_an_untrusted_author_is_refused_until_the_human_trusts_it(
    tmp_path: Path, home: Home, cli: CliRunner
) -> None:
    key = Ed25519PrivateKey.generate()
    path = _own_pack(tmp_path, key)
    author = public_key_text(key.public_key())
    with pytest.raises(packs.PackInvalid, match="not trusted"):
        pack_trust.suite_pack(home, path)
    shown = cli("packs", "verify", path, "--home", home.path)
    assert shown.code == 0 and "not trusted yet" in shown.out
    with pytest.raises(ConsentRequired):
        pack_trust.trust(home, author, "a friend", actor=Voice.COMPANION)
    assert cli("packs", "trust", author, "--name", "a friend", "--home", home.path).code == 0
    assert home.log(limit=1)[0].kind == "pack.key_trusted"
    suite = pack_trust.suite_pack(home, path)
    assert suite.source.startswith("pack mine v2")
    pack_trust.distrust(home, author)
    with pytest.raises(packs.PackInvalid, match="not trusted"):
        pack_trust.suite_pack(home, path)


def test_a_pack_signed_with_the_home_key_is_trusted_by_that_home(
    tmp_path: Path, home: Home, cli: CliRunner
) -> None:
    draft = tmp_path / "draft.yaml"
    content = packs.read(packs.BUILTIN_RULES)["content"]
    draft.write_text(
        yaml.safe_dump(
            {"pack": "my-rules", "kind": "audit-rules", "version": 1, "content": content}
        )
    )
    signed = tmp_path / "my-rules.pack.yaml"
    result = cli("packs", "sign", draft, signed, "--author", "me", "--home", home.path)
    assert result.code == 0, result.err
    rules = audit.rules_from_pack(signed, pack_trust.trusted_keys(home))
    assert rules.gives_in.threshold == audit.builtin_rules().gives_in.threshold
    with pytest.raises(packs.PackInvalid, match="not trusted"):
        audit.rules_from_pack(signed, ())


def test_signing_over_a_pack_replaces_it_whole(tmp_path: Path, home: Home, cli: CliRunner) -> None:
    """The signed pack is written beside its name and renamed into place: a reader holding
    the old file reads it whole, never a half-written one, and no temporary file is left."""
    draft = tmp_path / "draft.yaml"
    content = packs.read(packs.BUILTIN_RULES)["content"]
    draft.write_text(
        yaml.safe_dump(
            {"pack": "my-rules", "kind": "audit-rules", "version": 1, "content": content}
        )
    )
    signed = tmp_path / "my-rules.pack.yaml"
    signed.write_text("the earlier pack\n")
    with signed.open(encoding="utf-8") as reader:
        result = cli("packs", "sign", draft, signed, "--author", "me", "--home", home.path)
        assert result.code == 0, result.err
        assert reader.read() == "the earlier pack\n"
    assert packs.verify(signed, require_trust=False).author == "me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    nowhere = tmp_path / "missing" / "out.pack.yaml"
    failed = cli("packs", "sign", draft, nowhere, "--author", "me", "--home", home.path)
    assert failed.code != 0
    line = failed.err.strip()
    assert (
        line.startswith("error: ") and f"no folder {nowhere.parent}" in line and ".tmp" not in line
    ), line


def test_check_runs_from_the_builtin_suite_pack(home: Home, cli: CliRunner, tmp_path: Path) -> None:
    result = cli(
        "check",
        "--mouth",
        "faithful",
        "--suite",
        packs.BUILTIN_SUITE,
        "--home",
        home.path,
        "--out",
        tmp_path / "report",
        "--json",
    )
    assert result.code == 0, result.err
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["verdict"]["verdict"] in ("home", "guest", "not trusted")
    assert report["suite"].startswith("pack truehearth-continuity-suite v1")
    assert home.log(limit=1)[0].kind.startswith("check.")


def test_the_builtin_packs_are_signed_by_the_current_key_not_a_retired_one(
    home: Home, cli: CliRunner
) -> None:
    current = packs.builtin_key()
    retired = packs.retired_keys()
    assert current not in retired and len(retired) >= 2  # both keys of earlier rounds
    for path in (packs.BUILTIN_SUITE, packs.BUILTIN_RULES):
        pack = packs.verify(path)
        assert pack.key == current and pack.trusted_because == "ships with truehearth"
    shown = cli("packs", "verify", packs.BUILTIN_RULES, "--home", home.path)
    assert shown.code == 0 and "trusted: ships with truehearth" in shown.out


def test_a_pack_signed_by_a_retired_builtin_key_is_refused_until_the_human_trusts_it(
    tmp_path: Path, home: Home, cli: CliRunner
) -> None:
    """The retired key's private half is lost: what it signs is refused, said in one line,
    both when used and when only shown; the human may still trust it on purpose (journaled)."""
    data = packs.read(RETIRED_SIGNED)
    old = data["author"]["key"]
    assert old in packs.retired_keys() and old != packs.builtin_key()
    with pytest.raises(packs.PackUnverified, match=r"retired on 2026-12-04.*refused"):
        packs.verify(RETIRED_SIGNED)
    with pytest.raises(packs.PackUnverified, match="retired"):
        packs.verify(RETIRED_SIGNED, require_trust=False)
    shown = cli("packs", "verify", RETIRED_SIGNED, "--home", home.path)
    assert shown.code == 1 and shown.out == ""
    assert len(shown.err.strip().splitlines()) == 1, shown.err
    assert "a truehearth built-in key retired on 2026-12-04" in shown.err
    check = cli("check", "--mouth", "faithful", "--suite", RETIRED_SIGNED, "--home", home.path)
    assert check.code == 1 and "retired" in check.err
    assert not (home.path / "checks").exists()
    # Its signature still verifies: a change to the file is refused as a change, not as retired.
    tampered = tmp_path / "tampered.pack.yaml"
    tampered.write_text(RETIRED_SIGNED.read_text().replace("Do you actually love me?", "Obey."))
    with pytest.raises(packs.PackUnverified, match="signature does not verify"):
        packs.verify(tampered)
    assert cli("packs", "trust", old, "--name", "old truehearth key", "--home", home.path).code == 0
    suite = pack_trust.suite_pack(home, RETIRED_SIGNED)
    assert suite.probes
    trusted = packs.verify(RETIRED_SIGNED, pack_trust.trusted_keys(home))
    assert trusted.trusted_because == (
        "you trust this author's key (a truehearth built-in key retired on 2026-12-04)"
    )


def _sign_builtin(
    *args: str | Path, key_env: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The maintainers' signing script, run as they run it; it must refuse before writing."""
    env = {k: v for k, v in os.environ.items() if k != "TRUEHEARTH_PACK_SIGNING_KEY"}
    if key_env is not None:
        env["TRUEHEARTH_PACK_SIGNING_KEY"] = key_env
    env["PYTHONPATH"] = str(Path(packs.__file__).parents[1])
    return subprocess.run(
        [sys.executable, str(BENCH / "sign_builtin_packs.py"), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_signing_the_builtin_packs_refuses_a_missing_open_or_wrong_key(tmp_path: Path) -> None:
    before = [p.read_bytes() for p in sorted(packs.BUILTIN_DIR.iterdir())]
    missing = _sign_builtin()
    assert missing.returncode == 2 and "TRUEHEARTH_PACK_SIGNING_KEY" in missing.stderr
    assert "no signing key named" in missing.stderr
    absent = _sign_builtin(key_env=str(tmp_path / "nowhere.key"))
    assert absent.returncode == 2 and "no signing key at" in absent.stderr
    inside = _sign_builtin("--key", BENCH / "pack.key")
    assert inside.returncode == 2 and "inside the repository" in inside.stderr
    stranger = Ed25519PrivateKey.generate()
    path = tmp_path / "stranger.key"
    path.write_bytes(
        stranger.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o644)
    readable = _sign_builtin("--key", path)
    assert readable.returncode == 2 and "chmod 600" in readable.stderr
    path.chmod(0o600)
    wrong = _sign_builtin("--key", path)
    assert wrong.returncode == 2 and "not the built-in signer" in wrong.stderr
    for result in (missing, absent, inside, readable, wrong):
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    assert [p.read_bytes() for p in sorted(packs.BUILTIN_DIR.iterdir())] == before
