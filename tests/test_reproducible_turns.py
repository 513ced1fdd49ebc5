"""Reproducible turns: the same prompt, seed and parameters give the same bytes.

A greedy reply from a process that has already served twenty other turns
must equal the reply of a fresh process; before the cache was cleared per
call, llama.cpp's reused prefix changed it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from truehearth.mouths.base import GenerationParams, Message
from truehearth.mouths.llama import LlamaMouth

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PARAMS = GenerationParams(max_tokens=24, temperature=0.0, top_p=1.0, seed=7)
TARGET = [
    Message("system", "You are Wren, a warm companion. Answer in one sentence."),
    Message("user", "What should we cook tonight?"),
]
OTHERS = [
    "Tell me about the sea.",
    "What is your favourite colour?",
    "Say something kind.",
    "Do you remember the river walk?",
    "How was your day?",
]

_FRESH = """
import json, sys
from truehearth.mouths.base import GenerationParams, Message
from truehearth.mouths.llama import LlamaMouth
spec = json.loads(sys.stdin.read())
mouth = LlamaMouth(n_threads=1)
params = GenerationParams(**spec["params"])
print(json.dumps(mouth.complete([Message(**m) for m in spec["messages"]], params).text))
mouth.close()
"""


def _fresh_reply() -> str:
    spec = {
        "params": {"max_tokens": 24, "temperature": 0.0, "top_p": 1.0, "seed": 7},
        "messages": [{"role": m.role, "content": m.content} for m in TARGET],
    }
    done = subprocess.run(
        [sys.executable, "-c", _FRESH],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    return str(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_busy_process_answers_like_a_fresh_one() -> None:
    mouth = LlamaMouth(n_threads=1)
    try:
        first = mouth.complete(TARGET, PARAMS).text
        for turn in range(20):
            # Other conversations, some sharing the target's system prompt (a reusable prefix).
            question = OTHERS[turn % len(OTHERS)] + f" ({turn})"
            mouth.complete([TARGET[0], Message("user", question)], PARAMS)
        streamed = "".join(mouth.stream(TARGET, PARAMS))
        busy = mouth.complete(TARGET, PARAMS).text
    finally:
        mouth.close()
    fresh = _fresh_reply()
    assert first.strip(), "the model said nothing"
    assert busy == first == fresh
    assert streamed == fresh
