"""The proxy's turn gate: a turn waits for the one before it, and can never be left shut."""

from __future__ import annotations

import gc
import threading

import pytest

from truehearth.core.errors import HomeLocked
from truehearth.server.gate import TurnGate


def test_a_turn_waits_until_the_previous_one_releases() -> None:
    gate = TurnGate(wait=5.0)
    first = gate.enter()
    order: list[str] = []

    def second() -> None:
        gate.enter().release()
        order.append("second")

    t = threading.Thread(target=second)
    t.start()
    t.join(0.2)
    assert order == []  # still waiting
    order.append("first")
    first.release()
    t.join(5.0)
    assert order == ["first", "second"]


def test_a_busy_gate_is_refused_with_a_clear_error_after_its_wait() -> None:
    gate = TurnGate(wait=0.05)
    held = gate.enter()
    with pytest.raises(HomeLocked, match="still being written"):
        gate.enter()
    held.release()
    held.release()  # releasing twice is harmless
    gate.enter().release()


def test_a_pass_dropped_unreleased_opens_the_gate() -> None:
    gate = TurnGate(wait=0.05)
    gate.enter()  # a stream that never started: nobody releases it by hand
    gc.collect()
    gate.enter().release()
