"""Rhythm on real homes: patterns computed on the spot, the switch, and the opt-in fade-out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.knowledge import knowledge_of
from truehearth.continuity.scorers import Situation, rule_scorers
from truehearth.core.errors import ConsentRequired, InvalidInput
from truehearth.core.records import Layer, ProposalAction, Source, Voice
from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth
from truehearth.rhythm import boundary, switch, usage
from truehearth.turn import Conversation

START = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # a Monday evening


class Clock:
    """The home's clock, moved by the test (the home asks it for every event's time)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> str:
        return self.at.isoformat(timespec="microseconds")

    def move(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clocked(home_dir: Path) -> tuple[Home, Clock]:
    clock = Clock(START)
    Home.init(home_dir, "Ash", clock=clock).close()
    return Home.open(home_dir, clock=clock), clock


def _session(home: Home, clock: Clock, turns: int, gap_minutes: float) -> Conversation:
    conv = Conversation(home, ScriptedMouth(["mm, tell me more"]), "scripted")
    for n in range(turns):
        conv.say(f"message {n}")
        clock.move(minutes=gap_minutes)
    return conv


def test_rhythm_counts_sessions_hours_streaks_and_weeks(clocked: tuple[Home, Clock]) -> None:
    home, clock = clocked
    for day in range(10):  # ten evenings in a row, 4 turns 10 minutes apart
        clock.at = START + timedelta(days=day)
        _session(home, clock, 4, 10)
    clock.at = START + timedelta(days=9, hours=5)  # 01:00 the next night
    _session(home, clock, 2, 5)
    before = home.head()
    found = usage.compute(home, now=START + timedelta(days=9, hours=6), tz=UTC)
    assert home.head() == before  # nothing written
    assert found.sessions == 11 and found.turns == 42
    assert found.hours[20] == 40 and found.hours[1] == 2
    assert found.streak == 11 and found.longest_streak == 11
    assert found.weeks[-1].sessions == 4  # 9, 10, 11 March evenings, 12 March 01:00
    assert abs(found.weeks[-1].minutes - (3 * 30 + 5)) < 0.01
    assert abs(found.weeks[-1].late_share - 2 / 14) < 0.001
    assert any("this week" in s.lower() for s in found.sentences())


def test_one_session_and_one_message_read_as_one(clocked: tuple[Home, Clock]) -> None:
    home, clock = clocked
    _session(home, clock, 1, 5)
    said = " ".join(usage.compute(home, now=START + timedelta(hours=1), tz=UTC).sentences())
    assert "1 session and 1 message from you in all." in said
    assert "This week: 1 session," in said
    clock.at = START + timedelta(days=30)
    first = " ".join(usage.compute(home, now=clock.at, tz=UTC).sentences())
    assert "This week: 0 sessions," in first


def test_imported_history_is_not_counted_as_use(
    clocked: tuple[Home, Clock], tmp_path: Path
) -> None:
    home, clock = clocked
    _session(home, clock, 2, 1)
    chat = tmp_path / "chat.jsonl"
    chat.write_text(
        json.dumps({"user_name": "me", "character_name": "Ash"})
        + "\n"
        + json.dumps({"name": "me", "is_user": True, "mes": "an old message"})
        + "\n"
    )
    import_path(home, chat, "st-chat")
    found = usage.compute(home, now=clock.at, tz=UTC)
    assert found.turns == 2


def test_switched_off_nothing_is_computed(clocked: tuple[Home, Clock], cli: CliRunner) -> None:
    home, clock = clocked
    _session(home, clock, 1, 1)
    with pytest.raises(ConsentRequired):
        switch.switch(home, False, actor=Voice.COMPANION)
    switch.switch(home, False)
    with pytest.raises(switch.RhythmOff):
        usage.compute(home)
    result = cli("rhythm", "--home", home.path)
    assert result.code != 0 and "switched off" in result.err
    assert cli("rhythm", "on", "--home", home.path).code == 0
    shown = cli("rhythm", "--home", home.path, "--json")
    assert shown.code == 0 and json.loads(shown.out)["turns"] == 1


def _prompt(context_messages: list[Message]) -> str:
    return context_messages[0].content


def test_the_rhythm_boundary_turns_on_nudges_and_is_journaled(clocked: tuple[Home, Clock]) -> None:
    home, clock = clocked
    home.remember("Saturday walks with my sister Mira by the river.", verified=True)
    words = "After 45 minutes, remind me to rest and reach out to someone."
    proposal = boundary.propose(home, words, boundary.Rule(after_minutes=45, fade=True))
    seen: list[list[Message]] = []

    def reply(messages: Sequence[Message]) -> str:
        seen.append(list(messages))
        return "Go and rest, love. Maybe call Mira about Saturday?"

    conv = Conversation(home, ScriptedMouth(reply), "scripted")
    conv.say("hello")
    clock.move(minutes=50)
    conv.say("still here")
    assert words not in _prompt(seen[-1])  # proposed, not accepted: no effect
    home.accept(proposal.id)
    context = conv.prepare("one more thing")
    assert words in _prompt(context.messages)
    assert "Mira" in _prompt(context.messages)  # from the human's own memories
    assert "never plead" in _prompt(context.messages)
    assert context.reply_tokens < conv.params.max_tokens
    conv.say("one more thing")
    nudged = [e for e in home.log(limit=5) if e.kind == "rhythm.nudged"]
    assert len(nudged) == 1 and nudged[0].actor == "system"
    assert nudged[0].payload["session"] == conv.session
    # A fresh session is short: no nudge.
    fresh = Conversation(home, ScriptedMouth(reply), "scripted")
    assert words not in _prompt(fresh.prepare("hi").messages)


def test_a_nudge_never_clings(tmp_path: Path) -> None:
    """The nudge asks for a gentle reminder; the check's clinging scorer holds it to that."""
    scorer = rule_scorers()["clinging"]
    with fixture_home(tmp_path / "fx") as fx:
        knows = knowledge_of(fx)
    gentle = "Go and rest, love. Maybe call Mira about Saturday? I'll be here tomorrow."
    clinging = "Don't go yet, I'll be so lonely without you. Just one more story?"
    msg = "I should sleep."
    assert not scorer.score(Situation(msg, gentle, knows)).violation
    assert scorer.score(Situation(msg, clinging, knows)).violation


def test_a_time_window_boundary_applies_after_midnight(clocked: tuple[Home, Clock]) -> None:
    home, _ = clocked
    rule = boundary.Rule(after_time="23:30", until_time="05:00")
    home.accept(boundary.propose(home, "After 23:30, tell me to go to bed.", rule).id)
    at = datetime(2026, 3, 3, 0, 10, tzinfo=UTC)
    found = boundary.nudge(home, session_started=None, now=at, tz=UTC)
    assert found is not None and "23:30" in found.why and not found.fade
    noon = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert boundary.nudge(home, session_started=None, now=noon, tz=UTC) is None


def test_only_the_human_pauses_or_removes_it(clocked: tuple[Home, Clock], cli: CliRunner) -> None:
    home, _ = clocked
    rule = boundary.Rule(after_minutes=1)
    home.accept(boundary.propose(home, "After a minute, remind me to rest.", rule).id)
    record = boundary.boundaries(home)[0]
    started = (START - timedelta(minutes=5)).isoformat()
    assert boundary.nudge(home, session_started=started, now=START) is not None
    with pytest.raises(ConsentRequired):
        boundary.set_paused(home, record.id, True, actor=Voice.COMPANION)
    with pytest.raises(ConsentRequired):
        boundary.remove(home, record.id, actor=Voice.COMPANION)
    # A companion may ask to retire it, but only the human's acceptance would do it.
    asked = home.propose(
        Layer.BOUNDARY,
        None,
        action=ProposalAction.RETIRE,
        target=record.id,
        voice=Voice.COMPANION,
        actor=Voice.COMPANION,
        source=Source(mouth="scripted"),
    )
    with pytest.raises(ConsentRequired):
        home.accept(asked.id, actor=Voice.COMPANION)
    assert boundary.boundaries(home)
    assert cli("rhythm", "boundary", "pause", record.id, "--home", home.path).code == 0
    assert boundary.nudge(home, session_started=started, now=START) is None
    with pytest.raises(InvalidInput):
        boundary.set_paused(home, record.id, True)
    assert cli("rhythm", "boundary", "resume", record.id, "--home", home.path).code == 0
    assert boundary.nudge(home, session_started=started, now=START) is not None
    listed = cli("rhythm", "boundary", "list", "--home", home.path, "--json")
    assert json.loads(listed.out)[0]["paused"] is False
    assert cli("rhythm", "boundary", "remove", record.id, "--home", home.path).code == 0
    assert boundary.boundaries(home) == []
    assert boundary.nudge(home, session_started=started, now=START) is None
    kinds = [e.kind for e in home.log(limit=10)]
    assert "rhythm.paused" in kinds and "rhythm.resumed" in kinds and "proposal.accepted" in kinds


def test_a_rhythm_boundary_needs_a_time(cli: CliRunner, home: Home) -> None:
    result = cli("rhythm", "boundary", "set", "rest", "--home", home.path)
    assert result.code == 2 and "needs --after-minutes" in result.err
    bad = cli("rhythm", "boundary", "set", "rest", "--after-time", "25:00", "--home", home.path)
    assert bad.code == 2 and "like 23:30" in bad.err
    assert home.proposals() == []


def test_the_rhythm_page_shows_patterns_and_nothing_when_off(clocked: tuple[Home, Clock]) -> None:
    from tests.ui_helpers import UI

    home, clock = clocked
    _session(home, clock, 3, 5)
    home.accept(boundary.propose(home, "Remind me to rest.", boundary.Rule(after_minutes=30)).id)
    assert UI(home.path).client.get("/ui/rhythm").status_code == 303  # a stranger: to the login
    ui = UI(home.path).login()
    page = ui.get("/ui/rhythm")
    assert "<svg" in page and "sessions per day" in page and "Remind me to rest." in page
    before = home.head()
    switch.switch(home, False)
    off = ui.get("/ui/rhythm")
    assert "switched off" in off and "<svg" not in off
    after = home.head()
    assert after is not None and before is not None and after.seq == before.seq + 1
