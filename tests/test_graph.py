"""Graph memory: rule extraction, bi-temporal validity, narrow supersession, provenance."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from tests.conftest import CliRunner
from truehearth.core.errors import NotFound
from truehearth.core.records import Source, Voice
from truehearth.home import Home
from truehearth.mouths.base import Message
from truehearth.mouths.doubles import ScriptedMouth
from truehearth.mouths.structured import Mode
from truehearth.recall.extract import MouthExtractor, RuleExtractor, parse_facts
from truehearth.recall.graph import Graph


def facts(graph: Graph, entity: str = "the human") -> dict[tuple[str, str], str | None]:
    return {(e.relation, e.object): e.valid_until for e in graph.about(entity)}


def test_rules_extract_first_person_facts(home: Home) -> None:
    home.remember("My sister's name is Maya, she is two years older.")
    home.remember("Jonas is my best friend from school.")
    home.remember("I work at Northwind as a translator.")
    home.remember("I'm allergic to peanuts, sadly.")
    home.remember("It rained all day and nothing happened.")
    home.remember("Our dog Oskar chewed through my shoes again.")
    home.remember("I'm terrified of deep water, always have been.")
    home.remember("I drive an old Volvo that keeps breaking down.")
    home.remember("I've been learning to play the cello.")
    home.remember("My favourite dish is mushroom risotto, obviously.")
    graph = Graph.of(home)
    graph.sync()
    assert set(facts(graph)) == {
        ("sister", "Maya"),
        ("best_friend", "Jonas"),
        ("works_at", "Northwind"),
        ("allergic_to", "peanuts"),
        ("dog", "Oskar"),
        ("fears", "deep water"),
        ("drives", "Volvo"),
        ("learning", "cello"),
        ("favourite", "mushroom risotto"),
    }


def test_supersession_is_narrow(home: Home) -> None:
    lisbon = home.remember("I moved to Lisbon for the sun.", valid_from="2025-01-10")
    home.remember("I work at Acme as a designer.", valid_from="2025-02-01")
    home.remember("My sister's name is Maya.", valid_from="2025-02-02")
    porto = home.remember("We finally moved to Porto last week.", valid_from="2025-06-01")
    home.remember("Lena is my sister too, the youngest.", valid_from="2025-07-01")
    home.remember(
        "I live in Berlin, in the cloud, wherever you are.",
        voice=Voice.COMPANION,
        source=Source(mouth="scripted"),
        valid_from="2025-08-01",
    )
    graph = Graph.of(home)
    graph.sync()
    mine = facts(graph)
    # The newer city ends the older one, for the same subject and relation only.
    assert mine[("lives_in", "Lisbon")] == "2025-06-01"
    assert mine[("lives_in", "Porto")] is None
    # Another relation of the same subject is untouched.
    assert mine[("works_at", "Acme")] is None
    # A relation that can hold several values never supersedes.
    assert mine[("sister", "Maya")] is None and mine[("sister", "Lena")] is None
    # The same relation of another subject does not end the human's city.
    assert facts(graph, "the companion") == {("lives_in", "Berlin"): None}
    # Every edge names the record it came from.
    by_object = {e.object: e.record.id for e in graph.about("the human")}
    assert by_object["Lisbon"] == lisbon.id and by_object["Porto"] == porto.id


def test_forgetting_a_source_reopens_the_older_fact(home: Home) -> None:
    home.remember("I moved to Ghent.", valid_from="2025-01-01")
    bergen = home.remember("I moved to Bergen.", valid_from="2025-05-01")
    graph = Graph.of(home)
    graph.sync()
    assert facts(graph)[("lives_in", "Ghent")] == "2025-05-01"
    home.forget(bergen.id, reason="a joke, not a move")
    assert facts(graph) == {("lives_in", "Ghent"): None}


def test_quarantined_sources_hide_their_edges(home: Home) -> None:
    claim = home.remember("My brother's name is Mallory.")
    graph = Graph.of(home)
    graph.sync()
    assert ("brother", "Mallory") in facts(graph)
    home.quarantine(claim.id, "disputed")
    assert graph.about("Mallory") == []
    assert facts(graph) == {}
    with pytest.raises(NotFound):
        graph.about("Nobody at all")


def test_lookup_by_relation_cue(home: Home) -> None:
    work = home.remember("I started a new job at Globex as a data analyst.")
    home.remember("I moved to Utrecht.")
    graph = Graph.of(home)
    graph.sync()
    edges = graph.lookup("who is my employer?")
    assert [e.record.id for e in edges] == [work.id]


def test_graph_cli(home: Home, cli: CliRunner) -> None:
    source = home.remember("My dog is called Biscuit.")
    result = cli("graph", "Biscuit", "--json", "--home", home.path)
    assert result.code == 0
    edges = json.loads(result.out)
    assert edges == [
        {
            "subject": "the human",
            "relation": "dog",
            "object": "Biscuit",
            "valid_from": source.recorded_at[:10],
            "valid_until": None,
            "recorded_at": source.recorded_at,
            "source": source.id,
            "source_text": source.text,
            "trust": "untrusted",
            "extractor": "rules",
        }
    ]
    table = cli("graph", "the human", "--home", home.path)
    assert table.code == 0 and "Biscuit" in table.out
    missing = cli("graph", "Nobody", "--home", home.path)
    assert missing.code == 2 and "no entity" in missing.err


def test_mouth_extractor_keeps_only_schema_valid_facts(home: Home) -> None:
    said = home.remember("These days I live by the sea in Valencia.")
    good = json.dumps({"facts": [{"relation": "lives_in", "object": "Valencia"}]})
    extractor = MouthExtractor(ScriptedMouth([good]))
    assert extractor.mode is Mode.PROMPTED  # a double has no structured output: asked in words
    found = extractor.extract([said])
    assert [(f.subject, f.relation, f.object, f.record.id) for f in found] == [
        ("the human", "lives_in", "Valencia", said.id)
    ]
    broken = MouthExtractor(
        ScriptedMouth(
            [
                "Sure! Here are the facts: lives in Valencia",
                # a valid object inside prose is refused whole, never half-used
                f"Here you go: {good}",
                json.dumps({"facts": [{"relation": "owns", "object": "x"}]}),
                json.dumps({"facts": [], "extra": 1}),
            ]
        )
    )
    assert broken.extract([said] * 4) == []
    assert broken.rejected == 4
    assert broken.last_refusal is not None and "does not fit" in broken.last_refusal
    graph = Graph.of(home, extractor)
    graph.rebuild()
    assert [(e.relation, e.object, e.extractor) for e in graph.about("Valencia")] == [
        ("lives_in", "Valencia", extractor.name)
    ]


def test_a_fact_the_record_does_not_say_is_dropped_as_invented(home: Home) -> None:
    said = home.remember("My sister Maya called from Porto today.")
    answer = {
        "facts": [
            {"relation": "sister", "object": "maya"},
            {"relation": "lives_in", "object": "Lisbon"},  # not said: invented
            {"relation": "brother", "object": "the human"},
            {"relation": "sister", "object": "Maya"},  # said twice: kept once
        ]
    }
    extractor = MouthExtractor(ScriptedMouth([json.dumps(answer)]))
    found = extractor.extract([said])
    assert [(f.relation, f.object) for f in found] == [("sister", "maya")]
    assert extractor.ungrounded == 2 and extractor.rejected == 0


def test_a_mouth_without_structured_output_is_given_the_schema_in_words(home: Home) -> None:
    said = home.remember("My sister Maya called today.")
    seen: list[list[Message]] = []

    def fenced(messages: Sequence[Message]) -> str:
        seen.append(list(messages))
        return '```json\n{"facts": [{"relation": "sister", "object": "Maya"}]}\n```'

    found = MouthExtractor(ScriptedMouth(fenced)).extract([said])
    assert [(f.subject, f.relation, f.object) for f in found] == [("the human", "sister", "Maya")]
    system = seen[0][0].content
    assert system.startswith("You read one message") and '"maxItems":8' in system
    assert seen[0][-1].content == "the human said: My sister Maya called today."


def test_parse_facts_is_strict() -> None:
    assert parse_facts('{"facts": []}') == []
    assert parse_facts("[]") is None
    assert parse_facts('{"facts": [{"relation": "sister"}]}') is None
    assert parse_facts('{"facts": [{"relation": "sister", "object": ""}]}') is None
    long = {"relation": "sister", "object": "x" * 81}
    assert parse_facts(json.dumps({"facts": [long]})) is None
    many = [{"relation": "sister", "object": f"S{i}"} for i in range(9)]
    assert parse_facts(json.dumps({"facts": many})) is None
    assert parse_facts('```json\n{"facts": []}\n```') is None  # a fence only when asked in words


def test_rule_extractor_ignores_system_voice(home: Home) -> None:
    note = home.remember(
        "Summary: my sister's name is Maya.", voice=Voice.SYSTEM, actor=Voice.SYSTEM
    )
    assert RuleExtractor().extract([note]) == []
