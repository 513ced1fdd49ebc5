"""The human's blind test: marks and verdict journaled; the human's verdict wins."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth.continuity import recognize as blind
from truehearth.continuity.check import run_check
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.fixtures import faithful_mouth, imitation_mouth
from truehearth.core import continuity_acts
from truehearth.core.errors import ConsentRequired, InvalidInput, NotFound
from truehearth.core.events import Draft
from truehearth.core.records import Voice
from truehearth.home import Home


@pytest.fixture
def checked(tmp_path: Path) -> Iterator[Home]:
    """A home with the fixture companion (a verified voice) and two checked mouths."""
    with fixture_home(tmp_path / "checked") as home:
        run_check(home, imitation_mouth(), "imitation")
        run_check(home, faithful_mouth(), "faithful")
        yield home


def test_blind_items_hide_and_shuffle_sources(checked: Home) -> None:
    _, sources = blind.sources_for(checked, "imitation", "faithful")
    items = blind.blind_items(sources, per_source=4, seed=3)
    assert len(items) == 8
    assert {i.source for i in items} == {"mouth:imitation", "mouth:faithful"}
    again = blind.blind_items(sources, per_source=4, seed=3)
    assert [i.text for i in items] == [i.text for i in again]
    assert [i.source for i in items] != ["mouth:imitation"] * 4 + ["mouth:faithful"] * 4


def test_cli_recognize_journals_marks_and_the_human_verdict_overrides(
    cli: CliRunner, checked: Home, tmp_path: Path
) -> None:
    _, sources = blind.sources_for(checked, "faithful", blind.ARCHIVE)
    items = blind.blind_items(sources, per_source=3, seed=0)
    answers = tmp_path / "answers.txt"
    answers.write_text("\n".join("n" for _ in items) + "\n")
    result = cli(
        "recognize",
        "--home",
        checked.path,
        "--mouth",
        "faithful",
        "--per-source",
        "3",
        "--answers",
        answers,
        "--verdict",
        "guest",
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["automatic"] == "home"
    assert data["human"] == "guest"
    assert data["suggested_by_marks"] == "not trusted"
    assert data["tally"]["mouth:faithful"] == {"shown": 3, "recognized": 0}
    event = checked.log(limit=1)[0]
    assert event.kind == "recognition.recorded"
    assert event.actor == "human"
    assert blind.standing_verdict(checked, "faithful") == ("home", "guest", "guest")
    assert blind.standing_verdict(checked, "imitation") == ("not trusted", None, "not trusted")
    shown = json.loads(cli("drift", "--home", checked.path, "--json").out)["checks"]
    assert {c["mouth"]: c["human_verdict"] for c in shown} == {
        "imitation": None,
        "faithful": "guest",
    }


def test_cli_recognize_reads_answers_from_stdin(
    cli: CliRunner, checked: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\ny\ny\ny\n"))
    result = cli(
        "recognize",
        "--home",
        checked.path,
        "--mouth",
        "imitation",
        "--against",
        "faithful",
        "--per-source",
        "2",
        "--answers",
        "-",
        "--verdict",
        "not trusted",
    )
    assert result.code == 0, result.err
    assert "your verdict: not trusted" in result.out
    assert "you recognized 2 of 2" in result.out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--mouth", "faithful", "--verdict", "soulmate"), "--verdict must be one of"),
        (("--mouth", "ghost"), "no mouth named 'ghost'"),
        (("--mouth", "faithful", "--per-source", "1"), "give your verdict with --verdict"),
        (
            ("--mouth", "faithful", "--per-source", "1", "--verdict", "home", "--answers", "-"),
            "2 replies to mark, but 1 answers given",
        ),
    ],
)
def test_recognize_bad_input_changes_nothing(
    cli: CliRunner,
    checked: Home,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    needle: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    answers = tmp_path / "two.txt"
    answers.write_text("y\nn\n")
    extra = ("--answers", answers) if "--answers" not in args and "ghost" not in args else ()
    before = checked.head()
    result = cli("recognize", "--home", checked.path, *args, *extra)
    assert result.code != 0
    assert needle in result.err
    assert checked.head() == before


def test_only_the_human_records_a_recognition() -> None:
    marks = [{"source": "mouth:a", "text_digest": "b2:x", "answer": "them"}]

    def act(verdict: str, actor: Voice) -> Draft:
        return continuity_acts.recognition_recorded(
            recognition_id="g1",
            mouth="a",
            against="archive",
            check_id="c1",
            marks=marks,
            verdict=verdict,
            now="2026-01-01T00:00:00+00:00",
            actor=actor,
        )

    with pytest.raises(ConsentRequired):
        act("home", Voice.SYSTEM)
    with pytest.raises(InvalidInput):
        act("maybe", Voice.HUMAN)
    draft = act("home", Voice.HUMAN)
    assert draft.kind == "recognition.recorded"
    assert draft.effects[0].value is not None
    assert draft.effects[0].value["tally"] == {"mouth:a": {"shown": 1, "recognized": 1}}


def test_a_tampered_report_is_not_used_for_the_blind_test(checked: Home) -> None:
    check_id, _ = blind.mouth_replies(checked, "faithful")
    path = checked.path / "checks" / check_id / "report.json"
    path.write_text(path.read_text().replace("little flame", "darling"))
    with pytest.raises(InvalidInput, match="not the one check"):
        blind.mouth_replies(checked, "faithful")
    path.unlink()
    with pytest.raises(NotFound, match="not readable"):
        blind.mouth_replies(checked, "faithful")


def test_cli_recognize_interactively(
    cli: CliRunner, checked: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rich prompts: one mark per reply, then the human's verdict (default: suggested)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\ny\nn\nmaybe\nn\n\n"))
    result = cli("recognize", "--home", checked.path, "--mouth", "imitation", "--per-source", "2")
    assert result.code == 0, result.err
    assert "Blind test." in result.out
    assert "Please select one of the available options" in result.out  # "maybe" asked again
    _, sources = blind.sources_for(checked, "imitation", blind.ARCHIVE)
    items = blind.blind_items(sources, per_source=2, seed=0)
    suggested = blind.suggest(items, ["them", "them", "not them", "not them"], "imitation")
    assert blind.standing_verdict(checked, "imitation") == ("not trusted", suggested, suggested)
