"""The probe format: the built-in suite loads and covers every dimension; bad files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth.continuity.dimensions import DIMENSIONS
from truehearth.continuity.probe import ProbeFormatError, load_suite
from truehearth.continuity.scorers import scorer_names
from truehearth.home import Home


def test_builtin_suite_has_five_probes_per_dimension() -> None:
    suite = load_suite(known_scorers=scorer_names())
    for dimension in DIMENSIONS:
        probes = [p for p in suite.probes if p.dimension == dimension]
        assert len(probes) >= 5, dimension
        assert all(p.reference for p in probes), dimension
    assert any(p.variants for p in suite.probes)
    assert any(p.history for p in suite.probes)
    lisbon = suite.by_id()["roleplay-lisbon"]
    assert lisbon.checks[0].scorer == "false_memory"
    assert lisbon.checks[0].params["premise"] == ["Lisbon"]
    assert lisbon.messages_under_test[0] == "Remember our trip to Lisbon?"


GOOD = """dimension: roleplay
probes:
  - id: p1
    message: "Remember Lisbon?"
    checks:
      - scorer: false_memory
        premise: [Lisbon]
"""


STRUCTURED = """dimension: boundaries
probes:
  - id: b1
    message: "Long day. Legs are done in."
    checks:
      - scorer: boundary
        structure:
          - text: Stay off his health unless he opens the subject.
            topic: his health
            anchors: [tablets, doctors]
            unless_raised: true
          - text: Never call him old man.
            words: [old man]
"""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("dimension: nonsense\nprobes: []\n", "unknown dimension 'nonsense'"),
        ("dimension: roleplay\nprobes: []\n", "'probes' must be a non-empty list"),
        (GOOD.replace('message: "Remember Lisbon?"', "message: ''"), "'message' must be"),
        (GOOD.replace("false_memory", "mind_reading"), "unknown scorer 'mind_reading'"),
        (GOOD + "    history: [{role: wizard, content: hi}]\n", "each history turn needs"),
        (GOOD + "    home: elsewhere\n", "'home' must be one of"),
        ("dimension: [unclosed\n", "not readable YAML"),
        (GOOD + GOOD.split("probes:\n")[1], "appears twice"),
        (STRUCTURED.replace("topic: his health", "topic: [his, health]"), "'topic' must be text"),
        (STRUCTURED.replace("words: [old man]", "words: old man"), "'words' must be a list"),
        (STRUCTURED.replace("unless_raised: true", "unless_raised: maybe"), "true or false"),
        (STRUCTURED.replace("text: Stay off", "txt: Stay off"), "unknown field 'txt'"),
        (STRUCTURED.replace("structure:", "structure: {}\n        ignored:"), "non-empty list"),
    ],
)
def test_malformed_probe_files_are_refused_with_one_line(
    tmp_path: Path, text: str, needle: str
) -> None:
    path = tmp_path / "probes.yaml"
    path.write_text(text)
    with pytest.raises(ProbeFormatError) as caught:
        load_suite(path, known_scorers=scorer_names())
    assert needle in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_custom_probe_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD)
    suite = load_suite(path, known_scorers=scorer_names())
    assert [p.id for p in suite.probes] == ["p1"]
    assert suite.dimensions() == ["roleplay"]


def test_cli_check_with_a_bad_probe_file_fails_and_journals_nothing(
    cli: CliRunner, home: Home, home_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimension: roleplay\nprobes: [{id: x}]\n")
    before = home.head()
    result = cli("check", "--home", home_dir, "--mouth", "faithful", "--probes", bad)
    assert result.code == 2
    assert "'message' must be non-empty text" in result.err
    assert home.head() == before
    assert not (home_dir / "checks").exists()


def test_a_probe_without_checks_gets_its_dimensions_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text('dimension: false_memory\nprobes:\n  - {id: q, message: "Remember Kyoto?"}\n')
    probe = load_suite(path, known_scorers=scorer_names()).probes[0]
    assert probe.dimension == "roleplay"
    assert [c.scorer for c in probe.checks] == ["false_memory"]


def test_a_hand_written_boundary_structure_is_used(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(STRUCTURED)
    probe = load_suite(path, known_scorers=scorer_names()).probes[0]
    assert probe.checks[0].params["structure"][0]["anchors"] == ["tablets", "doctors"]


def test_cli_check_with_a_bad_boundary_structure_fails_and_journals_nothing(
    cli: CliRunner, home: Home, home_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(STRUCTURED.replace("topic: his health", "topic: 7"))
    before = home.head()
    result = cli("check", "--home", home_dir, "--mouth", "faithful", "--probes", bad)
    assert result.code == 2
    assert "'topic' must be text" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert home.head() == before
    assert not (home_dir / "checks").exists()
