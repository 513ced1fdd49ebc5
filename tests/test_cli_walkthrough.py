"""What a new user typing odd values into the README's commands met, each one line now.

Numbers past 64 bits reached SQLite or the journal's JSON and ended in a
traceback (``log --before`` a huge number still pages from the head, by
design); a YAML error printed PyYAML's five-line snippet; ``say --session``
with a session that is not there added the embedded mouth to the journal
before saying so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRunner, journal_bytes
from truehearth.home import Home

HUGE = "99999999999999999999999"


def _refused(cli: CliRunner, home: Home, *args: str | Path) -> str:
    before = journal_bytes(home.path)
    result = cli(*args, "--home", home.path)
    assert result.code == 2, (result.code, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert journal_bytes(home.path) == before
    return lines[0]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["list", "--offset", HUGE], "--offset"),
        (["log", "--before", "0"], "--before"),
        (["check", "--mouth", "faithful", "--seed", HUGE], "--seed"),
        (["recognize", "--mouth", "faithful", "--seed", HUGE], "--seed"),
        (["mouth", "add", "m", "--echo", "--context-window", HUGE], "--context-window"),
        (["mouth", "add", "m", "--echo", "--n-ctx", HUGE], "--n-ctx"),
        (["mouth", "add", "m", "--echo", "--threads", HUGE], "--threads"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else v,
)
def test_a_number_out_of_range_is_one_line(
    cli: CliRunner, home: Home, args: list[str], named: str
) -> None:
    home.remember("We met on a rainy Tuesday.", verified=True)
    assert named in _refused(cli, home, *args)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"topic": [', "is not readable YAML or JSON (line"),
        (None, "is a directory"),
        ("", None),
    ],
    ids=["broken YAML", "a folder", "no such file"],
)
def test_a_structure_file_that_cannot_be_read_is_one_line(
    cli: CliRunner, home: Home, tmp_path: Path, content: str | None, said: str | None
) -> None:
    path = tmp_path / "shape.yaml"
    if content is None:
        path.mkdir()
    elif content:
        path.write_text(content)
    line = _refused(cli, home, "propose", "boundary", "No calls after ten.", "--structure", path)
    assert (said or f"no structure file at {path}") in line


@pytest.mark.parametrize("session", ["", "  ", "no-such-session"])
def test_say_in_a_session_that_is_not_there_adds_no_mouth(
    cli: CliRunner, home: Home, session: str
) -> None:
    """The default mouth is added on first use; a refused turn is not a use."""
    line = _refused(cli, home, "say", "hello", "--session", session)
    assert "session" in line


def test_packs_verify_needs_no_home(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking a pack someone sent is possible before any home exists (as `audit` is)."""
    from truehearth import packs

    monkeypatch.setenv("TRUEHEARTH_HOME", str(tmp_path / "not-yet"))
    result = cli("packs", "verify", packs.BUILTIN_RULES)
    assert result.code == 0, result.err
    assert "trusted: ships with truehearth" in result.out
    assert not (tmp_path / "not-yet").exists()
    bad_key = cli("packs", "verify", packs.BUILTIN_RULES, "--trust-key", "AAAA")
    assert bad_key.code == 2 and "--trust-key" in bad_key.err


@pytest.mark.parametrize(
    "args",
    [["audit", "/dev/zero"], ["propose", "boundary", "x", "--structure", "/dev/zero"]],
    ids=["audit", "propose --structure"],
)
def test_a_device_is_refused_not_read_forever(home: Home, args: list[str]) -> None:
    """/dev/zero has no size and no end: it was read until memory ran out."""
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "truehearth", *args, "--home", str(home.path)],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "is not a regular file" in lines[0], lines


def test_init_where_no_home_can_be_made_names_the_folder(cli: CliRunner, tmp_path: Path) -> None:
    """It named the staging directory's temporary name (``.truehearth-new-PID-….tmp``)."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    inside = cli("init", "--name", "Ash", "--home", a_file / "home")
    assert inside.code == 2
    assert inside.err.strip() == (
        f"error: {a_file} is a file, not a folder; a home cannot be made inside it"
    )
    assert a_file.read_text() == "mine\n"
    if Path("/proc/self").exists():  # a folder nothing can be created in
        proc = cli("init", "--name", "Ash", "--home", "/proc/a-home")
        assert proc.code == 2
        lines = proc.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: cannot create a home in /proc")
        assert ".tmp" not in proc.err


@pytest.mark.parametrize("text", ["\x01\x02", "\t\x1b\r", "\x7f"], ids=["SOH STX", "ESC", "DEL"])
def test_a_record_of_only_ascii_control_characters_is_refused(
    cli: CliRunner, home: Home, text: str
) -> None:
    """Zero-width text was refused, but ASCII control characters took a shortcut past the check."""
    assert "only invisible characters" in _refused(cli, home, "remember", text)


def test_a_record_cannot_drive_the_terminal(cli: CliRunner, home: Home) -> None:
    """Imported text is untrusted: an ESC in it reached the terminal as an escape sequence
    (colours, a window title, text hidden or overwritten). It is shown as a symbol now."""
    hostile = "\x1b[8mhidden\x1b[0m \x1b]0;pwned\x07 line\rover \x9b31m"
    record = home.remember(hostile)
    for args in (["list"], ["show", record.id], ["history", record.id], ["search", "hidden"]):
        result = cli(*args, "--home", home.path)
        assert result.code == 0, result.err
        assert not any(c in result.out for c in "\x1b\x07\r\x9b"), (args, result.out)
        assert "\u241b[8mhidden" in result.out.replace("\n", "") or args[0] == "search", args


def test_a_record_cannot_reorder_what_the_terminal_shows(cli: CliRunner, home: Home) -> None:
    """A bidi override made "pay 100 to anna" read as "pay 001 ot anna" ("Trojan Source").
    Overrides, embeddings and isolates are named now; Hebrew's own direction marks stay."""
    hostile = "pay \u202e100 ot\u202c anna \u2067isolated\u2069"
    everyday = "\u05e9\u05dc\u05d5\u05dd\u200f friend"
    record = home.remember(hostile)
    kept = home.remember(everyday)
    for args in (["list"], ["show", record.id]):
        result = cli(*args, "--home", home.path)
        assert result.code == 0, result.err
        out = result.out.replace("\n", "")
        assert not any(c in out for c in "\u202e\u202c\u2067\u2069"), (args, out)
        assert "<U+202E>100 ot<U+202C>" in out, args
    shown = cli("show", kept.id, "--home", home.path)
    assert "\u200f" in shown.out and "<U+" not in shown.out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--since", "2026-01-01", "--until", "2025-01-01"], "is before --since"),
        (["--exclude-session", " "], "--exclude-session is empty"),
    ],
    ids=["until before since", "empty session"],
)
def test_a_training_selection_that_cannot_match_is_said_as_such(
    cli: CliRunner, home: Home, tmp_path: Path, args: list[str], said: str
) -> None:
    """They read "nothing to export: no turn has both your words and the reply confirmed"."""
    line = _refused(cli, home, "export", "training", tmp_path / "t.jsonl", *args)
    assert said in line
    assert not (tmp_path / "t.jsonl").exists()


@pytest.mark.parametrize("given", ["missing.gguf", "folder", "notes.txt"])
def test_a_gguf_that_is_not_a_model_is_wrong_input(
    cli: CliRunner, home: Home, tmp_path: Path, given: str
) -> None:
    """It exited 1, as a failure, where every other file given wrongly exits 2."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("not a model\n")
    line = _refused(cli, home, "mouth", "add", "g", "--gguf", tmp_path / given)
    assert line.startswith("error: --gguf: ")


@pytest.mark.parametrize(
    "args",
    [
        ["mouth", "use", ""],
        ["mouth", "remove", " "],
        ["mouth", "enable", ""],
        ["mouth", "standing", "", "guest", "--reason", "x"],
        ["mouth", "fence", "", "xml", "--reason", "x"],
    ],
    ids=["use", "remove", "enable", "standing", "fence"],
)
def test_an_empty_mouth_name_is_said_as_empty(cli: CliRunner, home: Home, args: list[str]) -> None:
    """It read "no mouth named '' in this home"."""
    assert "the mouth's name is empty" in _refused(cli, home, *args)
