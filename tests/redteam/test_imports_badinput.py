"""Red team: small promises broken by bad input, each kept by one test.

Every item here once printed a traceback, or accepted something wrong, or
failed a legitimate bulk action. Each test fails on the code before its fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import CliRunner
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, ProposalStatus, Voice
from truehearth.exchange.formats import import_path
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item, Parsed
from truehearth.exchange.pipeline import import_file, parse_bytes
from truehearth.home import Home
from truehearth.mouths.doubles import EchoMouth
from truehearth.recall.settings import active_index
from truehearth.turn import Conversation

BAD = os.fsdecode(b"caf\xe9 au lait")  # what Python makes of Latin-1 bytes in argv


def journal(path: Path) -> bytes:
    with Home.open(path) as h:
        return b"".join(e.body for e in h.iter_events())


def one_line(err: str, says: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], err


@pytest.fixture
def rid(home: Home) -> str:
    return home.remember("We met in Lisbon.", layer=Layer.MEMORY).id


@pytest.mark.parametrize(
    "args",
    [
        ["remember", BAD],
        ["say", BAD],
        ["propose", "core", BAD],
        ["correct", "{rid}", BAD],
        ["forget", "{rid}", "--reason", BAD],
        ["show", BAD],
    ],
    ids=["remember", "say", "propose", "correct", "forget-reason", "show"],
)
def test_invalid_utf8_in_an_argument_is_one_line(
    cli: CliRunner, home: Home, rid: str, args: list[str]
) -> None:
    before = journal(home.path)
    result = cli(*[a.format(rid=rid) for a in args], "--home", str(home.path))
    assert result.code == 2
    one_line(result.err, "not valid UTF-8")
    assert journal(home.path) == before


def test_invalid_utf8_from_a_real_shell(home: Home) -> None:
    """The same through a real process, with raw bytes in argv."""
    script = "import sys; from truehearth.cli import main; sys.exit(main())"
    args = [sys.executable.encode(), b"-c", script.encode(), b"remember", b"caf\xe9"]
    result = subprocess.run(
        [*args, b"--home", os.fsencode(home.path)], check=False, capture_output=True, timeout=120
    )
    assert result.returncode == 2
    one_line(result.stderr.decode(), "not valid UTF-8")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["rollback", "--to", "99999999999999999999", "--yes"], "no event 99999999999999999999"),
        (["log", "--before", "99999999999999999999"], ""),
    ],
    ids=["rollback", "log"],
)
def test_a_sequence_number_beyond_64_bits(
    cli: CliRunner, home: Home, args: list[str], says: str
) -> None:
    result = cli(*args, "--home", str(home.path))
    if says:
        assert result.code != 0
        one_line(result.err, says)
    else:
        assert result.code == 0, result.err


def test_mouth_add_with_a_seed_of_2_to_the_70(cli: CliRunner, home: Home) -> None:
    before = journal(home.path)
    result = cli("mouth", "add", "e", "--echo", "--seed", str(2**70), "--home", str(home.path))
    assert result.code == 2
    one_line(result.err, "the seed must be a whole number")
    assert journal(home.path) == before


def test_mouth_add_with_an_unclosed_ipv6_url(cli: CliRunner, home: Home) -> None:
    before = journal(home.path)
    result = cli(
        "mouth", "add", "h", "--url", "http://[::1", "--model", "m", "--home", str(home.path)
    )
    assert result.code == 2
    one_line(result.err, "not a usable URL")
    assert journal(home.path) == before


def test_export_bundle_to_an_impossible_path(cli: CliRunner, home: Home) -> None:
    result = cli("export", "bundle", "/proc/nope/x.zip", "--home", str(home.path))
    assert result.code == 2
    one_line(result.err, "no folder /proc/nope to write x.zip into")


def test_remember_with_a_number_beyond_64_bits_in_meta(home: Home) -> None:
    head = home.head()
    with pytest.raises(InvalidInput, match="must fit in 64 bits"):
        home.remember("a big number", layer=Layer.NOTE, voice=Voice.SYSTEM, meta={"n": 2**70})
    assert home.head() == head


@pytest.mark.parametrize("text", ["\u200b\u200c\u200d\ufeff", "\u2060\u200e\u202e \u00a0\u3164"])
def test_a_record_of_only_invisible_characters(cli: CliRunner, home: Home, text: str) -> None:
    before = journal(home.path)
    result = cli("remember", text, "--home", str(home.path))
    assert result.code == 2
    one_line(result.err, "only invisible characters")
    assert journal(home.path) == before
    assert home.remember("caf\u00e9 \u200b", layer=Layer.MEMORY).text == "caf\u00e9 \u200b"


def test_valid_until_earlier_than_valid_from(cli: CliRunner, home: Home) -> None:
    before = journal(home.path)
    args = ["remember", "lived in Porto", "--valid-from", "2020-05-01"]
    result = cli(*args, "--valid-until", "2019-01-01", "--home", str(home.path))
    assert result.code == 2
    one_line(result.err, "earlier than valid-from")
    assert journal(home.path) == before
    same_day = cli(*args, "--valid-until", "2020-05-01T12:00:00+02:00", "--home", str(home.path))
    assert same_day.code == 0, same_day.err


def test_review_apply_core_over_chat_turns(cli: CliRunner, home: Home) -> None:
    """Chat replies are companion turns: proposing them as core keeps the mouth that spoke."""
    Conversation(home, EchoMouth(), "echo").say("the lighthouse is ours")
    result = cli("review", "apply", "core", "--match", "lighthouse", "--yes", "--home", home.path)
    assert result.code == 0, result.err
    proposals = home.proposals()
    assert len(proposals) == 2 and all(p.status is ProposalStatus.PENDING for p in proposals)
    by_voice = {p.voice: p for p in proposals}
    assert by_voice[Voice.COMPANION].source.mouth == "echo"
    assert by_voice[Voice.HUMAN].source.mouth is None


def _buggy(stream: IO[bytes], limits: Limits) -> Iterator[Parsed]:
    yield Item("fine", "line:1")
    meta: dict[str, str] = {}
    yield Item(meta["missing"], "line:2")  # a bug in a parser, not bad input


def test_a_parser_bug_is_not_reported_as_bad_input(home: Home, tmp_path: Path) -> None:
    """The importers' guard once turned KeyError (and TypeError...) into InvalidInput."""
    with pytest.raises(KeyError):
        parse_bytes(b"anything", _buggy)
    path = tmp_path / "x.txt"
    path.write_text("anything")
    head = home.head()
    with pytest.raises(KeyError):
        import_file(home, path, "buggy", _buggy)
    assert home.head() == head


def test_a_killed_reembed_is_finished_by_the_next_recall(
    cli: CliRunner, home: Home, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("".join(f"# day {i}\nthe lighthouse, day {i}\n\n" for i in range(5_000)))
    import_path(home, notes, "text")
    assert cli("recall", "lighthouse", "--home", str(home.path), "--json").code == 0
    home.remember("one more day at the lighthouse", layer=Layer.MEMORY)
    assert cli("recall", "lighthouse", "--home", str(home.path), "--json").code == 0
    db = home.recall_index
    total = db.count_records()
    assert active_index(home).count() == total
    # Consumed and trimmed (a few read rows may wait for the next trim): only a
    # rebuild sees the imported records.
    assert len(db.feed_since(0, total)) < db.trim_every

    def killed(done: int, _total: int | None, _what: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        active_index(home).rebuild(killed)
    assert 0 < active_index(home).count() < total
    result = cli("recall", "lighthouse day 4321", "--home", str(home.path), "--json")
    assert result.code == 0, result.err
    assert active_index(home).count() == total
    assert not active_index(home).rebuilding()
