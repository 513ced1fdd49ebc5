"""Encryption at rest: no plaintext in any file of the home, and keys handled safely."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth import atrest
from truehearth.core.errors import KeyRequired, WrongKey
from truehearth.core.records import Layer
from truehearth.home import Home

SECRETS = [
    "Lisbon-balcony-promise-7731",
    "our word for home is kestrel-underwater",
    "Never call her by her dead name Marguerite-Quillon",
]
PASSPHRASE = "correct horse battery staple"
# Scanned for as plaintext, so long enough that ciphertext cannot hold it by chance:
# a three-letter name turns up in about one random 100 KB file in thirty.
SCANNED_NAME = "Ashgrove-Veradine"


def _fill(home: Home) -> None:
    home.remember(SECRETS[0], verified=True)
    home.remember(SECRETS[1])
    home.accept(home.propose(Layer.BOUNDARY, SECRETS[2]).id)


def _files_containing(root: Path, needles: list[str]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                for form in (needle.encode(), needle.encode("utf-16-le")):
                    if form in data:
                        found.append(f"{path.name}: {needle}")
    return found


def test_no_record_plaintext_in_any_file_wal_included(tmp_path: Path) -> None:
    enc = tmp_path / "enc"
    with Home.init(enc, SCANNED_NAME, encryption="passphrase", passphrase=PASSPHRASE) as home:
        _fill(home)
        wal = home.path / "home.db-wal"
        assert wal.exists() and wal.stat().st_size > 0, "the WAL holds the writes when scanned"
        assert _files_containing(home.path, [*SECRETS, SCANNED_NAME]) == []
    assert _files_containing(tmp_path / "enc", SECRETS) == []
    with Home.open(tmp_path / "enc", passphrase=PASSPHRASE) as home:
        assert {r.text for r in home.records(limit=10)} >= set(SECRETS[:2])
        assert home.verify().ok


def test_the_scan_does_find_plaintext_in_a_plain_home(tmp_path: Path) -> None:
    with Home.init(tmp_path / "plain", SCANNED_NAME) as home:
        _fill(home)
        found = _files_containing(home.path, [*SECRETS, SCANNED_NAME])
        assert any(hit.endswith(SCANNED_NAME) for hit in found)
        assert any(hit.endswith(SECRETS[0]) for hit in found)


def test_a_wrong_passphrase_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "enc"
    with Home.init(path, "Ash", encryption="passphrase", passphrase=PASSPHRASE) as home:
        _fill(home)
    before = {p.name: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    with pytest.raises(WrongKey, match="wrong passphrase"):
        Home.open(path, passphrase="not the passphrase")
    after = {p.name: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    assert after == before
    with pytest.raises(KeyRequired, match="locked"):
        Home.open(path)


def test_rekey_switches_keys_atomically(tmp_path: Path) -> None:
    path = tmp_path / "enc"
    with Home.init(path, "Ash", encryption="passphrase", passphrase=PASSPHRASE) as home:
        _fill(home)
        atrest.rekey(home, "a brand new passphrase")
    with pytest.raises(WrongKey):
        Home.open(path, passphrase=PASSPHRASE)
    with Home.open(path, passphrase="a brand new passphrase") as home:
        assert home.verify().ok
        assert len(home.records(limit=10)) == 3


def test_keyring_mode_keeps_the_key_out_of_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    path = tmp_path / "enc"
    with Home.init(path, "Ash", encryption="keyring") as home:
        _fill(home)
        atrest.rekey(home)
    with Home.open(path) as home:
        assert home.verify().ok
    assert _files_containing(path, SECRETS) == []


def test_the_cli_unlock_lock_cycle(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "enc")
    monkeypatch.setenv("TRUEHEARTH_PASSPHRASE", PASSPHRASE)
    assert cli("init", "--home", path, "--encrypt", "--name", "Ash").code == 0
    assert cli("remember", SECRETS[0], "--home", path).code == 0
    monkeypatch.delenv("TRUEHEARTH_PASSPHRASE")

    locked = cli("log", "--home", path)
    assert locked.code != 0
    assert locked.err.strip() == (
        "error: the home is encrypted and locked: "
        "run `truehearth unlock` or set TRUEHEARTH_PASSPHRASE"
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong passphrase\n"))
    wrong = cli("unlock", "--home", path)
    assert wrong.code != 0 and "wrong passphrase" in wrong.err
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSPHRASE + "\n"))
    assert cli("unlock", "--home", path).code == 0
    assert SECRETS[0] in cli("list", "--home", path).out
    assert cli("lock", "--home", path).code == 0
    assert cli("log", "--home", path).code != 0


def test_unlock_with_an_empty_passphrase_says_so(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty line on standard input was answered "locked: run `truehearth unlock`"."""
    path = str(tmp_path / "enc")
    monkeypatch.setenv("TRUEHEARTH_PASSPHRASE", PASSPHRASE)
    assert cli("init", "--home", path, "--encrypt", "--name", "Ash").code == 0
    monkeypatch.delenv("TRUEHEARTH_PASSPHRASE")
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    empty = cli("unlock", "--home", path)
    assert empty.code == 2
    assert empty.err.strip() == "error: the passphrase is empty; nothing was unlocked"
    assert cli("log", "--home", path).code == 1  # still locked


def test_unlock_refuses_a_plain_home(cli: CliRunner, home: Home) -> None:
    result = cli("unlock", "--home", str(home.path))
    assert result.code != 0 and "not encrypted" in result.err
