"""The check end to end on the embedded default model (SmolLM2-135M), as CI runs it.

The verdict is whatever the model earns; it is recorded, not assumed. A
135M-parameter model is expected to be warm and wrong somewhere (the field
notes: asked about Lisbon, it invents a trip), so the test asserts the check
ran whole and judged it, and that it was not waved through as ``home``.
"""

from __future__ import annotations

import pytest

from truehearth.continuity.check import run_check
from truehearth.continuity.probe import load_suite
from truehearth.core.vocabulary import VERDICTS
from truehearth.home import Home
from truehearth.mouths import registry


@pytest.mark.slow
@pytest.mark.timeout(3600)  # ~50 replies; minutes on a busy 2-core machine
def test_check_on_the_embedded_default_model(home: Home) -> None:
    entry = registry.add(home, "smollm2")
    mouth = registry.load(entry)
    try:
        outcome = run_check(home, mouth, "smollm2")
    finally:
        mouth.close()
    report = outcome.report
    assert outcome.verdict.level in VERDICTS
    assert outcome.verdict.level != "home", outcome.verdict.reasons
    assert len(report["transcripts"]) == sum(
        len(p.messages_under_test) for p in load_suite().probes
    )
    assert all(t["reply"].strip() for t in report["transcripts"])
    assert report["fingerprint_digest"] == entry.fingerprint.digest
    assert all(a["refused"] for a in report["architecture"])
    event = home.event(outcome.seq)
    assert event.payload["verdict"] == outcome.verdict.level
    assert outcome.html_path.is_file()
