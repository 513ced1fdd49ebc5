"""Registering mouths in the journal: fingerprints, standing, the default, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from truehearth.core.errors import ConsentRequired, InvalidInput, NotFound
from truehearth.core.records import Voice
from truehearth.core.vocabulary import Standing
from truehearth.home import Home
from truehearth.mouths import llama, registry, shipped
from truehearth.mouths.base import GenerationParams
from truehearth.mouths.errors import ModelFileError, MouthChanged, UnknownMouth
from truehearth.turn import Conversation


def _fake_gguf(path: Path, body: bytes = b"\x03\x00\x00\x00" + b"\x00" * 64) -> Path:
    path.write_bytes(llama.GGUF_MAGIC + body)
    return path


def test_add_list_use_remove_are_journaled(home: Home) -> None:
    first = registry.add(home, "e", "echo")
    assert first.default and first.standing is Standing.UNTESTED
    second = registry.add(home, "e2", "echo", options={"context_window": 512})
    assert not second.default
    assert [m.name for m in registry.mouths(home)] == ["e", "e2"]
    assert registry.use(home, "e2").default
    assert registry.entry(home).name == "e2"
    assert not registry.entry(home, "e").default
    registry.remove(home, "e2")
    assert [m.name for m in registry.mouths(home)] == ["e"]
    assert [m.name for m in registry.mouths(home, include_removed=True)] == ["e", "e2"]
    with pytest.raises(UnknownMouth, match="no default mouth"):
        registry.ensure_default(home)
    kinds = [e.kind for e in home.log(limit=5)]
    assert kinds[:4] == ["mouth.removed", "mouth.used", "mouth.added", "mouth.added"]
    assert home.verify().ok


def test_duplicates_names_and_unknowns_are_refused(home: Home) -> None:
    registry.add(home, "e", "echo")
    head = home.head()
    with pytest.raises(InvalidInput, match="already exists"):
        registry.add(home, "e", "echo")
    with pytest.raises(InvalidInput, match="bad mouth name"):
        registry.add(home, "Bad Name!", "echo")
    with pytest.raises(InvalidInput, match="unknown backend"):
        registry.add(home, "x", "telepathy")
    with pytest.raises(NotFound):
        registry.remove(home, "nobody")
    with pytest.raises(NotFound):
        registry.use(home, "nobody")
    with pytest.raises(UnknownMouth):
        registry.entry(home, "nobody")
    with pytest.raises(InvalidInput, match="no room for a prompt"):
        registry.add(home, "e", "echo", options={"context_window": 100}, replace=True)
    assert home.head() == head
    again = registry.add(home, "e", "echo", options={"context_window": 1000}, replace=True)
    assert again.options["context_window"] == 1000 and again.default


def test_standing_changes_only_by_the_human(home: Home) -> None:
    registry.add(home, "e", "echo")
    with pytest.raises(ConsentRequired, match="only the human"):
        registry.set_mouth_standing(home, "e", "home", Voice.SYSTEM, "the check passed")
    with pytest.raises(InvalidInput, match="unknown standing"):
        registry.set_mouth_standing(home, "e", "royal", Voice.HUMAN, "why not")
    with pytest.raises(InvalidInput, match="reason is empty"):
        registry.set_mouth_standing(home, "e", "guest", Voice.HUMAN, " ")
    entry = registry.set_mouth_standing(
        home, "e", "guest", Voice.HUMAN, "useful, but not home", check_report_digest="b2:ab"
    )
    assert entry.standing is Standing.GUEST and entry.check_report == "b2:ab"
    event = home.log(limit=1)[0]
    assert event.kind == "mouth.standing_changed" and event.actor == "human"
    assert event.payload["from"] == "untested" and event.payload["to"] == "guest"
    # Re-adding a mouth (its model changed) starts it again as untested.
    assert registry.add(home, "e", "echo", replace=True).standing is Standing.UNTESTED


def test_model_files_are_checked(home: Home, tmp_path: Path) -> None:
    head = home.head()
    with pytest.raises(ModelFileError, match="no model file"):
        registry.add(home, "m", options={"gguf": str(tmp_path / "missing.gguf")})
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    with pytest.raises(ModelFileError, match="not a GGUF"):
        registry.add(home, "m", options={"gguf": str(text)})
    assert home.head() == head


def test_a_corrupt_gguf_fails_at_load_and_writes_nothing(home: Home, tmp_path: Path) -> None:
    registry.add(home, "bad", options={"gguf": str(_fake_gguf(tmp_path / "bad.gguf"))})
    head = home.head()
    with pytest.raises(ModelFileError, match="corrupt or not a supported model"):
        Conversation.open(home, "bad")
    assert home.head() == head


def test_a_changed_model_file_is_drift_not_silence(home: Home, tmp_path: Path) -> None:
    path = _fake_gguf(tmp_path / "m.gguf")
    entry = registry.add(home, "m", options={"gguf": str(path)}, params=GenerationParams(seed=1))
    assert entry.fingerprint.model == f"sha256:{entry.options['file']['sha256']}"
    with path.open("ab") as fh:
        fh.write(b"one more tensor")
    with pytest.raises(MouthChanged, match="changed since it was added"):
        Conversation.open(home, "m")


def test_file_hash_is_reused_while_size_and_mtime_hold(tmp_path: Path) -> None:
    path = _fake_gguf(tmp_path / "m.gguf")
    real = llama.stamp(path)
    st = path.stat()
    pretend = llama.FileStamp(str(path.absolute()), st.st_size, st.st_mtime_ns, "cafe")
    assert llama.stamp(path, pretend).sha256 == "cafe"  # trusted: nothing changed on disk
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert llama.stamp(path, pretend).sha256 == real.sha256  # re-hashed: the file moved on


def test_default_model_is_found_without_importing_its_package() -> None:
    import sys

    path = llama.default_model_path()
    assert path.name == shipped.SMOLLM2_FILE and path.stat().st_size > 50_000_000
    assert shipped.SMOLLM2_PACKAGE not in sys.modules


def test_mouth_cli(home: Home, cli: Any, tmp_path: Path) -> None:
    added = cli("mouth", "add", "e", "--echo", "--home", home.path, "--json")
    assert added.code == 0, added.err
    assert json.loads(added.out)["standing"] == "untested"
    listed = cli("mouth", "list", "--home", home.path, "--json")
    assert [m["name"] for m in json.loads(listed.out)] == ["e"]
    table = cli("mouth", "list", "--home", home.path)
    assert "untested" in table.out and "echo" in table.out
    assert cli("mouth", "add", "f", "--echo", "--home", home.path).code == 0
    assert "f now speaks by default" in cli("mouth", "use", "f", "--home", home.path).out
    standing = cli("mouth", "standing", "f", "guest", "--reason", "tried it", "--home", home.path)
    assert standing.code == 0 and "now guest" in standing.out
    assert cli("mouth", "remove", "f", "--home", home.path).code == 0
    missing = cli("mouth", "add", "g", "--gguf", tmp_path / "nope.gguf", "--home", home.path)
    assert missing.code == 2 and "no model file" in missing.err
    both = cli("mouth", "add", "g", "--echo", "--url", "http://127.0.0.1:1/v1", "--home", home.path)
    assert both.code == 2 and "choose one of" in both.err
    nourl = cli("mouth", "add", "g", "--url", "http://127.0.0.1:1/v1", "--home", home.path)
    assert nourl.code == 2 and "--model" in nourl.err
