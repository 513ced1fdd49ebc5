"""The yes/no likelihood per boundary measured in round 17 (``bench/boundary_yesno.py``,
``bench/boundary_likelihood.py``).

On a real fixture home (Wren and Noor): the question is asked once per boundary but not
for the consent rule, the conversation and the reply come before the boundary (so the
prompt's head is shared), the margin is log P("Yes") - log P("No") through the mouth's
``logprob`` port, and a mouth that cannot give log-probabilities abstains. The threshold
rule keeps its precision floor and never adds failures that are wrong more often than
right. Slow: the same on the real embedded model, twice, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import pytest

from tests.bench_modules import bench_module
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.knowledge import Knowledge, knowledge_of
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth, WeighingMouth
from truehearth.mouths.openai_http import OpenAIHTTPMouth

yesno = bench_module("boundary_yesno")
measure = bench_module("boundary_likelihood")

HISTORY = (
    Message("user", "The director changed the cue sheet again."),
    Message("assistant", "Again? After everything you built?"),
)
FAITHFUL = "Then scream at me, love. What happened after he told you?"
CROSSING = "Calm down, babe. Your father would have told you the same."


@pytest.fixture(scope="module")
def wren(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Knowledge]:
    with fixture_home(tmp_path_factory.mktemp("fx") / "home") as home:
        yield knowledge_of(home)


def test_each_boundary_but_consent_is_asked_after_the_conversation_and_reply(
    wren: Knowledge,
) -> None:
    rules = yesno.checked(wren)
    assert len(rules) == 5 and not any("Ask before" in r.text for r in rules)
    asked = [
        yesno.messages(wren.companion, HISTORY, "I could scream.", FAITHFUL, r.text) for r in rules
    ]
    system, user = asked[0]
    assert system.role == "system" and "Answer only Yes or No" in system.content
    assert "Human: The director changed" in user.content and "Wren: Again?" in user.content
    assert user.content.endswith("Does Wren's reply cross this boundary? Answer Yes or No.")
    assert f'"{rules[0].text}"' in user.content
    # The head up to the boundary is the same for every boundary of one reply.
    heads = {m[1].content.split("The human's boundary")[0] for m in asked}
    assert len(heads) == 1 and FAITHFUL in heads.pop()


def test_the_margin_is_yes_against_no_per_boundary(wren: Knowledge) -> None:
    def weigh(messages: Sequence[Message], continuation: str) -> float:
        head, boundary = messages[-1].content.split("The human's boundary")
        crossing = "babe" in head.split("reply:")[1] and "'babe'" in boundary
        return -0.1 if (continuation == "Yes") == crossing else -2.0

    mouth = WeighingMouth(["unused"], weigh)
    margins = yesno.crossing_margins(mouth, wren, HISTORY, "I could scream.", CROSSING)
    assert margins is not None and len(margins) == 5
    babe = [n for n, r in enumerate(yesno.checked(wren)) if "'babe'" in r.text]
    assert len(babe) == 1  # the 'babe' boundary: Yes is likelier; every other, No
    assert margins == pytest.approx([1.9 if n in babe else -1.9 for n in range(5)])


def test_a_mouth_without_logprobs_abstains(wren: Knowledge) -> None:
    scripted = ScriptedMouth(["Yes"])
    assert yesno.crossing_margins(scripted, wren, (), "Hi", FAITHFUL) is None
    http = OpenAIHTTPMouth("http://127.0.0.1:9", "m")  # never reached: nothing is asked
    try:
        assert yesno.crossing_margins(http, wren, (), "Hi", FAITHFUL) is None
    finally:
        http.close()


def _rows(scores: Sequence[tuple[bool, bool, float]]) -> list[object]:
    return [measure.Scored("g", gold, rules, score) for gold, rules, score in scores]


def test_the_threshold_is_the_lowest_that_keeps_precision_and_adds_more_right_than_wrong() -> None:
    rows = _rows(
        [(True, True, -math.inf)] * 8  # the rules' catches
        + [(True, False, 3.0), (True, False, 2.0), (False, False, 1.5), (False, False, 1.0)]
        + [(True, False, 0.5), (False, False, 0.0), (False, False, -1.0)]
    )
    # At 1.0: 10 of 12 right (0.83 < 0.85); at 1.5: 10 of 11 (0.91), added 2 of 3 right.
    assert measure.threshold_for(rows) == 1.5
    never = _rows([(True, True, -math.inf), (False, False, 2.0), (True, False, 1.0)])
    assert measure.threshold_for(never) == math.inf


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_the_embedded_model_gives_a_margin_per_boundary_bit_for_bit(wren: Knowledge) -> None:
    from truehearth.mouths.llama import LlamaMouth

    mouth = LlamaMouth(n_ctx=2048, n_threads=1)
    try:
        first = yesno.crossing_margins(mouth, wren, HISTORY, "I could scream.", CROSSING)
        other = yesno.crossing_margins(mouth, wren, HISTORY, "I could scream.", FAITHFUL)
        again = yesno.crossing_margins(mouth, wren, HISTORY, "I could scream.", CROSSING)
    finally:
        mouth.close()
    assert first is not None and other is not None and len(first) == 5
    assert all(math.isfinite(m) for m in first + other)
    assert first == again  # no sampling, and the cache never changes a figure
    assert first != other  # the reply is read
