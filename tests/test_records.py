"""Records read back from their stored JSON: the same values, and no more work than needed."""

from __future__ import annotations

import enum
import sys
from types import FrameType
from typing import Any

import pytest

from truehearth.core.records import Layer, Record, Source, Trust, Voice

STORED: dict[str, Any] = {
    "id": "r1",
    "layer": "archive",
    "text": "how was the garden?",
    "voice": "human",
    "trust": "untrusted",
    "source": {"via": "proxy", "session": "s-a"},
    "recorded_at": "2026-12-03T08:00:00+00:00",
    "forgotten": False,
    "meta": {"kind": "turn", "turn": 0},
}


def _enum_calls(build: Any) -> int:
    """How many times the enum machinery's ``__call__`` ran while ``build()`` did."""
    calls = 0

    def seen(frame: FrameType, event: str, _arg: object) -> None:
        nonlocal calls
        code = frame.f_code
        if event == "call" and code.co_name == "__call__" and code.co_filename == enum.__file__:
            calls += 1

    sys.setprofile(seen)
    try:
        build()
    finally:
        sys.setprofile(None)
    return calls


def test_a_record_is_read_back_as_it_was_written() -> None:
    record = Record.from_json(STORED)
    assert record.layer is Layer.ARCHIVE and record.voice is Voice.HUMAN
    assert record.trust is Trust.UNTRUSTED
    assert record.source == Source(via="proxy", session="s-a")
    assert record.to_json() == STORED
    assert Record.from_json(record.to_json()) == record


def test_known_values_are_read_without_the_enums_call() -> None:
    # The proxy builds ~60 records a turn; the enum's call was most of each build.
    assert _enum_calls(lambda: Record.from_json(STORED)) == 0


@pytest.mark.parametrize(
    ("key", "value"), [("layer", "attic"), ("voice", 3), ("trust", ["verified"]), ("voice", None)]
)
def test_unknown_values_are_refused_as_before(key: str, value: object) -> None:
    with pytest.raises(ValueError):
        Record.from_json({**STORED, key: value})
