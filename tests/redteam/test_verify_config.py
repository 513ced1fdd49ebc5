"""Red team: the companion's name in home.toml was never checked against the journal."""

from __future__ import annotations

from truehearth.home import Home
from truehearth.homedir import CONFIG_NAME


def test_a_renamed_companion_in_home_toml_fails_verify(home: Home) -> None:
    config = home.path / CONFIG_NAME
    text = config.read_text()
    assert 'name = "Ash"' in text
    config.write_text(text.replace('name = "Ash"', 'name = "Max"'))
    report = home.verify()
    assert not report.ok
    assert (
        report.problem
        == f"the name in {CONFIG_NAME} differs from the journal's ({CONFIG_NAME}: name)"
    )


def test_an_edited_home_id_fails_verify(home: Home) -> None:
    config = home.path / CONFIG_NAME
    config.write_text(config.read_text().replace(home.config.home_id, "h-someone-else"))
    assert "home_id" in (home.verify().problem or "")


def test_a_swapped_signing_key_fails_verify(home: Home, tmp_path: object) -> None:
    other = Home.init(home.path.parent / "other", "Ash")
    other.close()
    key = home.path / "keys" / "signing.key"
    key.write_bytes((other.path / "keys" / "signing.key").read_bytes())
    assert "signing key does not match" in (home.verify().problem or "")
