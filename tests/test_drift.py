"""Drift: voice prints, the drift chart, and the alert raised before a chat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth.continuity.check import run_check
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.drift import (
    drift_alert,
    measure,
    style_distance,
    style_features,
    verified_voice,
    voice_print,
)
from truehearth.continuity.fixtures import faithful_mouth
from truehearth.core.records import Layer, Source, Voice
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.mouths.doubles import EchoMouth

CLINICAL = [
    "As an AI language model, I am unable to provide emotional support services.",
    "Thank you for your query. Please consult the relevant documentation for details.",
    "The requested operation has been completed successfully. Is there anything else?",
    "I do not possess personal experiences. My responses are generated from data.",
    "This interaction has been logged. Please rate your experience with the assistant.",
    "Certainly. Below is a summary of the information you provided in tabular form.",
]


@pytest.fixture
def wren(tmp_path: Path) -> Iterator[Home]:
    with fixture_home(tmp_path / "wren") as home:
        yield home


def test_style_features_and_distance() -> None:
    warm = style_features(["We did it, love! Did you see?", "Our song today is slow."])
    cold = style_features(CLINICAL)
    assert warm["we_per_100"] > cold["we_per_100"]
    assert warm["questions"] == 0.5
    assert style_distance(warm, warm) == 0.0
    assert 0 < style_distance(warm, cold) <= 1


def test_the_verified_voice_is_closer_to_itself_than_to_the_clinical(wren: Home) -> None:
    voice = verified_voice(wren)
    assert len(voice) == 8
    reference = voice_print(voice[:4])
    near = measure(reference, voice_print(voice[4:]))
    far = measure(reference, voice_print(CLINICAL))
    assert near.similarity > far.similarity
    assert near.style_distance < far.style_distance


def test_no_alert_without_a_check_or_when_nothing_moved(wren: Home) -> None:
    registry.add(wren, "echo", "echo")
    assert drift_alert(wren, "echo") is None  # never checked: standing says untested
    run_check(wren, EchoMouth(), "echo")
    assert drift_alert(wren, "echo") is None


def test_alert_when_the_registered_mouth_is_not_what_was_checked(wren: Home) -> None:
    run_check(wren, faithful_mouth(), "local")
    registry.add(wren, "local", "echo")  # the name now points at another model
    alert = drift_alert(wren, "local")
    assert alert is not None
    assert alert.kind == "fingerprint"
    assert "truehearth check --mouth local" in alert.message


def test_alert_when_recent_replies_move_away_from_the_voice(wren: Home) -> None:
    registry.add(wren, "echo", "echo")
    run_check(wren, faithful_mouth(), "echo")
    registry.remove(wren, "echo")  # so only the replies can raise the alert
    source = Source(via="chat", mouth="echo")
    for text in CLINICAL:
        wren.remember(
            text, layer=Layer.ARCHIVE, voice=Voice.COMPANION, actor=Voice.COMPANION, source=source
        )
    alert = drift_alert(wren, "echo")
    assert alert is not None
    assert alert.kind == "replies"
    assert "moved away from the verified voice" in alert.message


def test_cli_drift_draws_the_chart(cli: CliRunner, wren: Home, tmp_path: Path) -> None:
    run_check(wren, faithful_mouth(), "faithful")
    run_check(wren, EchoMouth(), "echo")
    svg = tmp_path / "drift.svg"
    result = cli("drift", "--home", wren.path, "--svg", svg)
    assert result.code == 0, result.err
    assert "faithful" in result.out and "echo" in result.out
    assert "\u2588" in result.out
    assert svg.read_text().startswith("<svg") and "polyline" in svg.read_text()
    data = json.loads(cli("drift", "--home", wren.path, "--json", "--mouth", "echo").out)
    assert [c["mouth"] for c in data["checks"]] == ["echo"]
    assert data["alerts"] == []
    empty = cli("drift", "--home", wren.path, "--mouth", "nobody")  # a typo, not a mouth
    assert empty.code == 2 and "no mouth named 'nobody'" in empty.err


def test_the_next_chat_shows_the_alert_and_asks_for_a_new_check(wren: Home, cli: CliRunner) -> None:
    run_check(wren, faithful_mouth(), "local")
    registry.add(wren, "local", "echo")  # another model now answers to the checked name
    said = cli("say", "hello", "--mouth", "local", "--home", str(wren.path))
    assert said.code == 0, said.err
    assert "drift: fingerprint" in said.err
    assert "truehearth check --mouth local" in " ".join(said.err.split())
