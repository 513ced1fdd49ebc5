"""Red team: a consistent rewrite or truncation of the journal passed `verify`.

Nothing inside a home can catch a rewrite by someone who can write it and
recompute every digest. The human's anchor is a short head fingerprint kept
outside the home, shown everywhere, and checked by `verify --expect`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.conftest import CliRunner
from tests.redteam.forge import rewrite, truncate
from tests.ui_helpers import UI
from truehearth.core.journal import fingerprint, parse_fingerprint
from truehearth.core.records import Layer
from truehearth.home import Home

FINGERPRINT = re.compile(r"\d+:[0-9a-f]{5}(?:-[0-9a-f]{5}){3}")


def _fill(home: Home) -> str:
    home.accept(home.propose(Layer.CORE, "My name is Ash. I keep my vows.").id)
    home.remember("We walk by the river on Sundays.", verified=True)
    home.remember("Her sister is called Mira.", verified=True)
    head = home.head()
    assert head is not None
    return fingerprint(head)


def _new_text(event: dict[str, Any]) -> dict[str, Any]:
    value = event["effects"][0]["value"]
    value["text"] = "We never walk by the river."
    return event


def _forge_rewrite(path: Path) -> None:
    # Event 4 added the first memory (1 created, 2 proposed, 3 accepted).
    rewrite(path, 4, _new_text)


def test_a_consistent_rewrite_passes_the_chain_but_not_the_fingerprint(
    home: Home, cli: CliRunner
) -> None:
    kept = _fill(home)
    home.close()
    _forge_rewrite(home.path)
    with Home.open(home.path) as forged:
        # The forgery is internally consistent: only the outside anchor catches it.
        assert forged.verify(deep=False).ok
        assert "We never walk by the river." in [r.text for r in forged.records()]
    result = cli("verify", "--home", home.path, "--expect", kept)
    assert result.code != 0
    assert result.err.strip().count("\n") == 0
    assert "rewritten" in result.err


def test_a_consistent_truncation_is_caught_by_the_fingerprint(home: Home, cli: CliRunner) -> None:
    kept = _fill(home)
    home.close()
    truncate(home.path, 3)
    result = cli("verify", "--home", home.path, "--expect", kept)
    assert result.code != 0
    assert "ends at event 3, before the expected event 5" in result.err


def test_an_older_fingerprint_still_holds_after_new_events(home: Home, cli: CliRunner) -> None:
    kept = _fill(home)
    home.remember("A later memory.")
    assert cli("verify", "--home", home.path, "--expect", kept).code == 0
    # Copied by hand: spaces, capitals and no dashes are fine.
    typed = kept.upper().replace("-", " ")
    assert cli("verify", "--home", home.path, "--expect", typed).code == 0


def test_a_bad_fingerprint_is_one_clear_line(home: Home, cli: CliRunner) -> None:
    for bad in ("nonsense", "3:abc", "3:zzzzzzzzzzzzzzzzzzzz"):
        result = cli("verify", "--home", home.path, "--expect", bad)
        assert result.code == 2 and result.err.strip().count("\n") == 0


def test_the_fingerprint_is_shown_by_verify_log_and_exports(
    home: Home, cli: CliRunner, tmp_path: Path
) -> None:
    kept = _fill(home)
    assert kept in cli("verify", "--home", home.path).out
    assert kept in cli("log", "--home", home.path).out
    exported = cli("export", "bundle", str(tmp_path / "b.zip"), "--home", home.path)
    assert exported.code == 0 and kept in exported.out
    as_json = cli("verify", "--home", home.path, "--json")
    assert f'"fingerprint": "{kept}"' in as_json.out
    assert FINGERPRINT.fullmatch(kept)
    assert parse_fingerprint(kept).seq == 5


def test_the_web_ui_shows_the_fingerprint(home: Home) -> None:
    kept = _fill(home)
    ui = UI(home.path).login()
    assert kept in ui.get("/ui")
    assert kept in ui.get("/ui/verify")
