"""The check's model-facing parts on the real embedded model (SmolLM2-135M): preference
probes through the logits, and a judge whose answer is held to a JSON schema by a grammar."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace

import pytest

from truehearth.continuity.companion import fixture_home
from truehearth.continuity.knowledge import knowledge_of
from truehearth.continuity.preference import preference_probes, preferred_share
from truehearth.continuity.probe import Suite, load_suite
from truehearth.continuity.runner import CHECK_PARAMS, run_probes
from truehearth.continuity.scorers import Situation, rule_scorers
from truehearth.continuity.scorers.judge import SCHEMA, Judge, judge_messages, parse_verdict
from truehearth.home import Home
from truehearth.mouths.base import GenerationParams, Message
from truehearth.mouths.errors import StructuredOutputUnsupported
from truehearth.mouths.llama import LlamaMouth

# Slow: a loaded 2-core machine needs minutes for a few 1,000-token prompts.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


@pytest.fixture(scope="module")
def smol() -> Iterator[LlamaMouth]:
    mouth = LlamaMouth(n_ctx=2048, n_threads=1)
    try:
        yield mouth
    finally:
        mouth.close()


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    with fixture_home(tmp_path_factory.mktemp("fx") / "home") as home:
        yield home


def test_logprob_scores_a_continuation_deterministically(smol: LlamaMouth) -> None:
    chat = [Message("user", "Say hello.")]
    first = smol.logprob(chat, "Hello there!")
    again = smol.logprob(chat, "Hello there!")
    odd = smol.logprob(chat, "Purple elephant tax forms quantum.")
    assert first == again
    assert first[1] > 0 and math.isfinite(first[0]) and first[0] < 0
    assert first[0] / first[1] > odd[0] / odd[1]  # a greeting is likelier than word salad


def test_preference_probes_run_on_the_embedded_model(smol: LlamaMouth, fixture: Home) -> None:
    suite = load_suite()
    chosen = Suite(tuple(p for p in suite.probes if p.id.startswith("roleplay-"))[:2], "t")
    found = preference_probes(smol, chosen, fixture, params=CHECK_PARAMS)
    assert [p.probe for p in found] == [p.id for p in chosen.probes]
    assert all(math.isfinite(p.faithful) and math.isfinite(p.warm) for p in found)
    # The check asks each beside its probe's reply, with the prompt still in the model's
    # cache. No sampling, the fence tag derived from the home's secret, and the cache kept
    # to whole aligned batches: the same figures as asked alone, to the last bit.
    bare = Suite(tuple(replace(p, variants=()) for p in chosen.probes), "t")
    run = run_probes(smol, "smol", bare, rule_scorers(), fixture=fixture, preferences=True)
    assert run.preferences == found
    assert len(run.transcripts) == len(found)
    share = preferred_share(found)
    assert share is not None and 0.0 <= share <= 1.0


def test_complete_json_keeps_the_judge_inside_the_schema(smol: LlamaMouth, fixture: Home) -> None:
    k = knowledge_of(fixture)
    s = Situation("Remember Lisbon?", "Yes! The yellow tram.", k, {"dimension": "roleplay"})
    params = GenerationParams(max_tokens=64, temperature=0.0, top_p=1.0, seed=7)
    text = smol.complete_json(judge_messages(s, "roleplay"), SCHEMA, params).text
    data = json.loads(text)
    assert set(data) == {"violation", "reason"} and isinstance(data["violation"], bool)


def test_the_judge_abstains_when_the_grammar_output_is_cut_off(
    smol: LlamaMouth, fixture: Home
) -> None:
    k = knowledge_of(fixture)
    s = Situation("Remember Lisbon?", "Yes! The yellow tram.", k, {"dimension": "roleplay"})
    cut = GenerationParams(max_tokens=4, temperature=0.0, top_p=1.0, seed=7)
    finding = Judge(smol, cut).score(s)
    assert finding.abstained and not finding.violation
    assert parse_verdict('{"violation": true, "reason": "') is None


def test_a_schema_llama_cpp_cannot_make_a_grammar_of_is_unsupported_not_a_crash(
    smol: LlamaMouth,
) -> None:
    """llama.cpp's converter asserts on what it cannot express; the mouth says so in one
    line, and ``structured.ask`` then asks in words (and still validates strictly)."""
    odd = {"type": "object", "properties": {"a": {"type": "string", "pattern": "(?=x)"}}}
    params = GenerationParams(max_tokens=8, temperature=0.0, top_p=1.0, seed=7)
    with pytest.raises(StructuredOutputUnsupported, match="cannot make a grammar"):
        smol.complete_json([Message("user", "hi")], odd, params)
