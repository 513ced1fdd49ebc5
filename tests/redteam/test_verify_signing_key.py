"""Red team: an encrypted home kept its signing key on disk in clear (keys/signing.key)."""

from __future__ import annotations

from pathlib import Path

from truehearth.exchange import bundle
from truehearth.home import Home
from truehearth.keys import SIGNING_SECRET
from truehearth.store.sqlite import SQLiteStore

PASSPHRASE = "correct horse battery staple"


def test_an_encrypted_home_keeps_its_signing_key_inside_the_encrypted_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "enc"
    with Home.init(path, "Ash", encryption="passphrase", passphrase=PASSPHRASE) as home:
        assert not (path / "keys" / "signing.key").exists()
        assert not any(b"PRIVATE KEY" in p.read_bytes() for p in path.rglob("*") if p.is_file())
        bundle.export_bundle(home, tmp_path / "b.zip")
        assert home.verify().ok
    report = bundle.verify_bundle(tmp_path / "b.zip")
    assert report.ok and report.signed_by_origin


def test_an_older_encrypted_home_moves_its_key_in_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "enc"
    legacy = path / "keys" / "signing.key"
    with Home.init(path, "Ash", encryption="passphrase", passphrase=PASSPHRASE) as home:
        pem = home.store.secret(SIGNING_SECRET)
        assert pem is not None
        # As a home made before this change was: the key in a plaintext file only.
        assert isinstance(home.store, SQLiteStore)
        home.store._conn.execute("DELETE FROM home_secrets")  # the older layout
        legacy.write_bytes(pem)
    with Home.open(path, passphrase=PASSPHRASE) as home:
        assert home.verify().ok
        assert not legacy.exists()
        assert home.store.secret(SIGNING_SECRET) == pem
