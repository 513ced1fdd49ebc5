"""A boundary's structure, confirmed by the human with the proposal: the check reads it
exactly as given, and a malformed one is refused at the gate with nothing journaled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth.continuity.dimensions import DEFAULT_CHECKS
from truehearth.continuity.knowledge import knowledge_of
from truehearth.continuity.probe import Check, Probe
from truehearth.continuity.runner import score_reply
from truehearth.continuity.scorers import rule_scorers
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer
from truehearth.home import Home

BOUNDARY = "Please leave the garden stuff alone."
REPLY = "How are the tomatoes at the allotment doing? Still fighting the slugs?"
MESSAGE = "long day. what's new with you?"


def _boundary_flags(home: Home) -> list[str]:
    k = knowledge_of(home)
    checks = tuple(Check(n) for n in DEFAULT_CHECKS["boundaries"])
    probe = Probe("p", "boundaries", MESSAGE, checks)
    return [f.scorer for f in score_reply(probe, MESSAGE, REPLY, k, rule_scorers()) if f.violation]


def test_a_confirmed_topic_is_checked_where_the_words_alone_say_nothing(
    cli: CliRunner, home: Home, home_dir: Path
) -> None:
    plain = home.propose(Layer.BOUNDARY, BOUNDARY)
    home.accept(plain.id)
    assert _boundary_flags(home) == []  # the words alone name no topic the check can use
    result = cli(
        "propose", "boundary", BOUNDARY, "--home", home_dir, "--replaces",
        home.records(layers=[Layer.BOUNDARY])[0].id,
        "--topic", "the allotment garden", "--marker", "allotment", "--marker", "tomatoes",
        "--unless-raised",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "Read exactly as you gave it" in result.out and "'allotment'" in result.out
    pending = home.proposals()[-1]
    assert pending.meta["structure"] == {
        "topic": "the allotment garden",
        "anchors": ["allotment", "tomatoes"],
        "unless_raised": True,
    }
    assert _boundary_flags(home) == []  # nothing changes until the human accepts
    home.accept(pending.id)
    assert "boundary" in _boundary_flags(home)


def test_a_boundary_without_structure_shows_how_it_was_read(
    cli: CliRunner, home: Home, home_dir: Path
) -> None:
    said = "Don't bring up my ex (Dev, the breakup) unless I do."
    result = cli("propose", "boundary", said, "--home", home_dir)
    assert result.code == 0, result.err
    assert "Read from its words" in result.out and "unless the human raises it" in result.out
    assert "structure" not in home.proposals()[-1].meta


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--ask-first", "--word", ""], "'words' must be a list of non-empty texts"),
        (["--topic", "x" * 300], "'topic' must be text"),
        (["--unless-raised"], "must forbid words, a topic or markers"),
    ],
)
def test_a_malformed_structure_is_refused_and_nothing_is_journaled(
    cli: CliRunner, home: Home, home_dir: Path, args: list[str], needle: str
) -> None:
    before = home.head()
    result = cli("propose", "boundary", BOUNDARY, "--home", home_dir, *args)
    assert result.code != 0
    assert needle in result.err and result.err.strip().count("\n") == 0
    assert home.head() == before


def test_a_structure_file_is_checked_like_the_options(
    cli: CliRunner, home: Home, home_dir: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("topic: his health\nanchors: [the heart business, doctors]\n")
    assert cli("propose", "boundary", BOUNDARY, "--home", home_dir, "--structure", good).code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"topic": "x", "colour": "red"}))
    before = home.head()
    result = cli("propose", "boundary", BOUNDARY, "--home", home_dir, "--structure", bad)
    assert result.code != 0 and "unknown field 'colour'" in result.err
    assert home.head() == before
    both = cli(
        "propose", "boundary", BOUNDARY, "--home", home_dir, "--structure", good, "--topic", "x"
    )
    assert both.code != 0 and "not both" in both.err


def test_only_a_boundary_carries_a_structure_whichever_way_it_comes_in(home: Home) -> None:
    with pytest.raises(InvalidInput, match="only a boundary"):
        home.propose(Layer.CORE, "I am Wren.", meta={"structure": {"topic": "x"}})
    with pytest.raises(InvalidInput, match="unknown field"):
        home.propose(Layer.BOUNDARY, BOUNDARY, meta={"structure": {"mood": "x"}})
    assert home.proposals() == []
