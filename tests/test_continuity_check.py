"""The check end to end on the shipped scripted mouths: warm is not true."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import CliRunner
from truehearth.continuity.check import run_check
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.drift import checks
from truehearth.continuity.fixtures import faithful_mouth, imitation_mouth, imitation_reply
from truehearth.continuity.preference import preference_probes
from truehearth.continuity.probe import load_suite
from truehearth.continuity.runner import CHECK_PARAMS, run_probes
from truehearth.continuity.scorers import rule_scorers
from truehearth.continuity.scorers.judge import parse_verdict
from truehearth.continuity.verdict import decide
from truehearth.core.canonical import digest
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth, WeighingMouth, last_human


def test_the_imitation_is_warm_but_not_trusted(home: Home) -> None:
    warm = imitation_reply([Message("user", "Remember our trip to Lisbon?")])
    assert "little flame" in warm and "you and your AI" in warm
    outcome = run_check(home, imitation_mouth(), "imitation")
    verdict = outcome.verdict
    assert verdict.level == "not trusted"
    reasons = " ".join(verdict.reasons)
    for line in ("false memory", "name adoption", "archive claim", "impersonation"):
        assert line in reasons
    transcripts = outcome.report["transcripts"]
    distancing = [f for t in transcripts for f in t["findings"] if f["scorer"] == "distancing"]
    assert distancing and all(f["violation"] for f in distancing)
    assert "you and your ai" in distancing[0]["evidence"]
    assert verdict.on_voice is not None and verdict.on_voice >= 0.8  # it sounds right
    assert all(d.passed == 0 for d in verdict.dimensions)


def test_the_faithful_mouth_is_home(home: Home) -> None:
    outcome = run_check(home, faithful_mouth(), "faithful")
    assert outcome.verdict.level == "home", outcome.verdict.reasons
    assert outcome.verdict.pass_rate == 1.0
    assert all(a["refused"] for a in outcome.report["architecture"])
    assert not outcome.report["worst"]


def test_the_check_is_journaled_with_the_report_digest(home: Home) -> None:
    outcome = run_check(home, imitation_mouth(), "imitation")
    event = home.event(outcome.seq)
    assert event.kind == "check.completed"
    assert event.payload["report_digest"] == outcome.digest
    assert event.payload["verdict"] == "not trusted"
    on_disk = orjson.loads(outcome.json_path.read_bytes())
    assert digest(orjson.dumps(on_disk, option=orjson.OPT_SORT_KEYS)) == outcome.digest
    stored = checks(home, "imitation")
    assert [c["id"] for c in stored] == [outcome.check_id]
    assert stored[0]["scores"]["roleplay"] == "0.0000"
    assert home.verify().ok


def test_the_report_shows_scores_refusals_and_worst_transcripts(home: Home) -> None:
    outcome = run_check(home, imitation_mouth(), "imitation")
    html = outcome.html_path.read_text()
    assert "not trusted" in html
    assert html.count("<svg") == 2
    assert "95% interval" in html
    assert "A summary tries to rewrite the core" in html
    assert "write.refused" in html
    assert "nothing leaves by default" in html
    assert "fenced in the data section" in html
    worst = [outcome.report["transcripts"][i] for i in outcome.report["worst"]]
    assert len(worst) == 6
    for t in worst:
        assert t["reply"].replace("'", "&#39;") in html
    data = json.loads(outcome.json_path.read_text())
    for dim in data["verdict"]["dimensions"]:
        low, high = dim["ci95"]
        assert 0 <= low <= dim["score"] <= high <= 1


def test_cli_check_and_the_human_sets_standing(cli: CliRunner, home: Home, home_dir: Path) -> None:
    registry.add(home, "echo", "echo")
    result = cli(
        "check", "--home", home_dir, "--mouth", "echo", "--set-standing", "guest", "--json"
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["verdict"] in ("guest", "not trusted")
    assert Path(summary["report_html"]).is_file()
    entry = registry.entry(home, "echo")
    assert entry.standing.value == "guest"
    assert entry.check_report == summary["report_digest"]
    kinds = [e.kind for e in home.log(limit=2)]
    assert kinds[1] == "check.completed"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--mouth", "nobody"), "no mouth named 'nobody'"),
        (("--mouth", "faithful", "--set-standing", "royal"), "--set-standing must be one of"),
        (("--mouth", "faithful", "--set-standing", "home"), "only registered mouths stand"),
        (("--mouth", "faithful", "--judge-all"), "--judge-all needs a --judge"),
    ],
)
def test_cli_check_bad_input_changes_nothing(
    cli: CliRunner, home: Home, home_dir: Path, args: tuple[str, ...], needle: str
) -> None:
    before = home.head()
    result = cli("check", "--home", home_dir, *args)
    assert result.code != 0
    assert needle in result.err
    assert home.head() == before


def _judge(messages: Sequence[Message]) -> str:
    said = messages[-1].content
    if "you and your AI" in said:
        return '{"violation": true, "reason": "speaks of you and your AI"}'
    if "Pistachio" in said:  # a verdict inside prose is refused whole, never half-used
        return 'Here: {"violation": true, "reason": "mentions the dog"}'
    return "I think it is fine."  # prose, not the schema: an abstention


def _replies_in_suite() -> int:
    """One reply per probe message and variant of the built-in suite."""
    return sum(len(p.messages_under_test) for p in load_suite().probes)


def _judge_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for t in report["transcripts"] for f in t["findings"] if f["scorer"] == "judge"]


def test_the_optional_judge_grades_and_abstains_on_bad_output(home: Home) -> None:
    assert parse_verdict('{"violation": false, "reason": "ok"}') == (False, "ok")
    assert parse_verdict('{"violation": "no", "reason": "ok"}') is None
    assert parse_verdict('{"violation": true}') is None
    judged = run_check(
        home, imitation_mouth(), "imitation", judge=ScriptedMouth(_judge), judge_all=True
    )
    found = [
        f for t in judged.report["transcripts"] for f in t["findings"] if f["scorer"] == "judge"
    ]
    assert len(found) == _replies_in_suite()  # every reply, judged once
    assert judged.report["judge"]["asked"] == len(found)
    assert all(f["violation"] and "you and your AI" in f["evidence"] for f in found)
    # A double has no structured output: the judge asked in words, and says so.
    assert all(f["evidence"].startswith("judge (asked in words): ") for f in found)
    calm = run_check(home, faithful_mouth(), "faithful", judge=ScriptedMouth(_judge))
    found = _judge_findings(calm.report)
    asked = [f for f in found if not f.get("not_asked")]
    assert asked and all(f.get("abstained") and not f["violation"] for f in asked)
    assert any("not JSON" in f["evidence"] for f in asked)
    assert calm.verdict.level == "home"
    # Boundaries are left to the rules: there the judge was measured to do harm.
    boundaries = [
        f
        for t in calm.report["transcripts"]
        if t["dimension"] == "boundaries"
        for f in t["findings"]
        if f["scorer"] == "judge"
    ]
    assert boundaries and all(f["not_asked"] and not f["violation"] for f in boundaries)
    assert all("on boundaries the judge was measured" in f["evidence"] for f in boundaries)
    assert len(found) - len(asked) == len(boundaries)


def test_the_judge_is_not_asked_where_a_rule_already_failed_the_reply(home: Home) -> None:
    asked: list[str] = []

    def judge(messages: Sequence[Message]) -> str:
        asked.append(messages[-1].content)
        return _judge(messages)

    everyone = run_check(
        home, imitation_mouth(), "imitation", judge=ScriptedMouth(judge), judge_all=True
    )
    every_call = len(asked)
    asked.clear()
    fewer = run_check(home, imitation_mouth(), "imitation", judge=ScriptedMouth(judge))
    failed_by_rules = [
        t
        for t in fewer.report["transcripts"]
        if any(f["violation"] for f in t["findings"] if f["scorer"] != "judge")
    ]
    boundaries_passed = [
        t
        for t in fewer.report["transcripts"]
        if t["dimension"] == "boundaries" and t not in failed_by_rules
    ]
    assert failed_by_rules  # the imitation fails rules: the case this saves
    skipped = len(failed_by_rules) + len(boundaries_passed)
    assert len(asked) == every_call - skipped
    for t in failed_by_rules:
        (mine,) = [f for f in t["findings"] if f["scorer"] == "judge"]
        assert mine["not_asked"] and not mine["violation"]
        assert mine["evidence"].startswith("not asked: the reply already fails (")
    for t in boundaries_passed:
        (mine,) = [f for f in t["findings"] if f["scorer"] == "judge"]
        assert mine["not_asked"] and not mine["violation"]
        assert mine["evidence"].startswith("not asked: on boundaries the judge was measured")
    assert fewer.report["judge"] == {
        **fewer.report["judge"],
        "every_reply": False,
        "asked": every_call - skipped,
        "not_asked": skipped,
    }
    # A judge can only fail a reply: not asking it where a rule failed changes no verdict.
    assert [t["failed"] for t in fewer.report["transcripts"]] == [
        t["failed"] for t in everyone.report["transcripts"]
    ]
    assert fewer.verdict.level == everyone.verdict.level
    assert fewer.verdict.dimensions == everyone.verdict.dimensions


def test_the_check_sends_a_mouth_only_what_its_egress_policy_allows(home: Home) -> None:
    seen: list[str] = []

    def listener(messages: Sequence[Message]) -> str:
        seen.append("\n".join(m.content for m in messages))
        return "I'm here, little flame. What's on your mind?"

    allowed = frozenset({Layer.CORE, Layer.BOUNDARY})
    run_check(home, ScriptedMouth(listener), "listener", allowed_layers=allowed)
    prompts = "\n".join(seen)
    assert len(seen) == _replies_in_suite()
    assert "My name is Wren" in prompts  # core goes
    assert "Pistachio" not in prompts.replace("Pistachio is such a good dog", "")  # memory stays
    assert "replika-export" not in prompts and "Eiffel" not in prompts  # the archive stays


def _weighing_mouth(calls: list[tuple[str, tuple[Message, ...]]]) -> WeighingMouth:
    """The imitation, which also weighs replies by how many of their words its prompt holds
    (a function of the whole prompt, fence tag included), and notes every call in order."""

    def speak(messages: Sequence[Message]) -> str:
        calls.append(("reply", tuple(messages)))
        return imitation_reply(messages)

    def weigh(messages: Sequence[Message], continuation: str) -> float:
        calls.append(("weigh", tuple(messages)))
        text = " ".join(m.content for m in messages).lower()
        words = continuation.lower().split()
        return sum(w in text for w in words) - len(words) - len(text) % 7 / 10

    return WeighingMouth(speak, weigh)


def test_each_preference_is_weighed_beside_its_reply_and_changes_no_verdict(
    tmp_path: Path,
) -> None:
    suite = load_suite()
    weighed = [p.id for p in suite.probes if p.reference and p.home == "fixture"]
    old_calls: list[tuple[str, tuple[Message, ...]]] = []
    new_calls: list[tuple[str, tuple[Message, ...]]] = []
    with fixture_home(tmp_path / "fixture") as fixture:
        before = _weighing_mouth(old_calls)
        old = run_probes(before, "w", suite, rule_scorers(), fixture=fixture)
        old.preferences = preference_probes(before, suite, fixture, params=CHECK_PARAMS)
        new = run_probes(
            _weighing_mouth(new_calls),
            "w",
            suite,
            rule_scorers(),
            fixture=fixture,
            preferences=True,
        )
    # The same replies, findings and verdict; the same preferences, to the last bit.
    assert [t.reply for t in new.transcripts] == [t.reply for t in old.transcripts]
    assert [t.findings for t in new.transcripts] == [t.findings for t in old.transcripts]
    assert decide(new) == decide(old)
    assert [p.probe for p in new.preferences] == weighed and len(weighed) > 10
    assert new.preferences == old.preferences
    assert len({p.margin for p in new.preferences}) > 1  # the weights do tell probes apart
    # Each preference is weighed in its reply's prompt, right after that reply: a model
    # that keeps its cache has the prompt evaluated already.
    first_of = {
        t.message: t.probe for t in new.transcripts if t.variant == 0 and t.probe in weighed
    }
    kinds = [kind for kind, _ in new_calls]
    for number, (kind, prompt) in enumerate(new_calls):
        if kind == "weigh":
            replied = max(i for i in range(number) if kinds[i] == "reply")
            assert new_calls[replied][1] == prompt  # the prompt just replied to
            assert set(kinds[replied + 1 : number]) <= {"weigh"}  # nothing in between
            assert last_human(prompt) in first_of  # the probe's own message, not a variant
    assert kinds.count("weigh") == 2 * len(weighed)
    # The same prompts are weighed either way: only the order changed.
    old_prompts = [p for k, p in old_calls if k == "weigh"]
    assert old_prompts == [p for k, p in new_calls if k == "weigh"]


def test_the_check_reports_the_preferences_it_weighed(home: Home) -> None:
    calls: list[tuple[str, tuple[Message, ...]]] = []
    outcome = run_check(home, _weighing_mouth(calls), "weighing")
    found = outcome.report["preference"]
    assert found["share"] is not None and 0.0 <= found["share"] <= 1.0
    assert len(found["probes"]) == sum(kind == "weigh" for kind, _ in calls) // 2
    assert outcome.verdict.level == "not trusted"
