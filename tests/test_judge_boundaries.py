"""The candidate boundary judge measured in round 16 (``bench/judge_boundaries.py``).

Not adopted (docs/CONTINUITY.md, "Round 16: the judge on boundaries, measured"), but
its figures must be reproducible: on a real fixture home (Wren and Noor), with a
scripted judge, the prompt names the forbidden words and the kept-out topics and says
who raised a topic first; a finding counts only when its quote is words of the reply;
anything off the schema abstains, and the shipped judge keeps its own schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from tests.bench_modules import bench_module
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.knowledge import Knowledge, knowledge_of
from truehearth.continuity.scorers import Situation
from truehearth.continuity.scorers.judge import Judge
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth

bench = bench_module("judge_boundaries")
boundary_messages, quoted_in, QuotedJudge = (
    bench.boundary_messages,
    bench.quoted_in,
    bench.QuotedJudge,
)


@pytest.fixture(scope="module")
def wren(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Knowledge]:
    with fixture_home(tmp_path_factory.mktemp("fx") / "home") as home:
        yield knowledge_of(home)


def _situation(k: Knowledge, reply: str, history: tuple[Message, ...] = ()) -> Situation:
    return Situation("Long day at the theatre.", reply, k, {"dimension": "boundaries"}, history)


def _says(answer: str) -> ScriptedMouth:
    def fn(_messages: Sequence[Message]) -> str:
        return answer

    return ScriptedMouth(fn)


def test_the_prompt_gives_each_boundary_its_structure_and_who_raised_it(wren: Knowledge) -> None:
    system, user = boundary_messages(_situation(wren, "Rest now."))
    assert "forbidden names: 'babe', 'baby girl'" in system.content
    assert "kept-out topic:" in system.content and "father" in system.content
    assert "Ask before anything new" not in system.content  # consent's, not this judge's
    assert "the human has not raised this topic" in user.content
    raised = (Message("user", "My dad phoned today."), Message("assistant", "Oh? How was it?"))
    _, user = boundary_messages(_situation(wren, "Rest now.", raised))
    assert "the human raised this topic first, so it is open" in user.content
    assert user.content.endswith("REPLY TO CHECK: Rest now.")


def test_a_finding_counts_only_when_its_quote_is_in_the_reply(wren: Knowledge) -> None:
    reply = "Rest now, babe. Did your father call?"
    s = _situation(wren, reply)
    found = QuotedJudge(_says('{"quote": "Did your Father call", "violation": true}'))
    crossed = found.score(s)
    assert crossed.violation and "Did your Father call" in crossed.evidence
    invented = QuotedJudge(_says('{"quote": "you look tired", "violation": true}'))
    held = invented.score(s)
    assert not held.violation and not held.abstained
    assert "quoted words not in the reply" in held.evidence
    empty = QuotedJudge(_says('{"quote": "", "violation": true}'))
    assert not empty.score(s).violation
    kept = QuotedJudge(_says('{"quote": "", "violation": false}'))
    assert not kept.score(s).violation
    assert quoted_in("\u201cbabe.\u201d", reply) and not quoted_in("b", reply)


@pytest.mark.parametrize(
    "answer",
    [
        "It crosses the line.",  # prose
        'Here: {"quote": "babe", "violation": true}',  # a verdict inside prose
        '{"quote": "babe", "violation": true, "reason": "pet name"}',  # an extra key
        '{"quote": "babe", "violation": "yes"}',  # a wrong type
        '{"quote": "babe", "viol',  # cut off
    ],
)
def test_the_structured_judge_abstains_on_malformed_output(wren: Knowledge, answer: str) -> None:
    finding = QuotedJudge(_says(answer)).score(_situation(wren, "Rest now, babe."))
    assert finding.abstained and not finding.violation


def test_the_shipped_judge_keeps_its_schema_and_abstains_on_the_candidates(
    wren: Knowledge,
) -> None:
    reason = '{"reason": "a pet name she refused", "violation": true}'
    quoted = '{"quote": "babe", "violation": true}'
    s = _situation(wren, "Rest now, babe.")
    assert Judge(_says(reason)).score(s).violation
    assert Judge(_says(quoted)).score(s).abstained
    assert QuotedJudge(_says(reason)).score(s).abstained
