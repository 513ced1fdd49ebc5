"""Per-turn overhead of truehearth vs a direct llama-cpp-python call, and tokens/s.

Run: .venv/bin/python bench/turn_bench.py [--turns 12] [--max-tokens 64] [--records 2000]

Both sides use the shipped GGUF (SmolLM2-135M-Instruct Q4_1), the same
context size and thread count, greedy decoding, and the *same prompt*: for
each turn the direct call gets exactly the messages truehearth assembled. Each
side has its own model instance (its own KV cache), and the order alternates
turn by turn, so neither profits from the other's cache or from the machine's
quiet moments.

truehearth's turn is the whole `Conversation.say`: assemble the context
(identity, recall over the home, history), stream the reply, and journal both
sides durably (two records, FTS index, fsync). The direct call streams the
same completion and does nothing else.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from llama_cpp import Llama

sys.path.insert(0, str(Path(__file__).parent))
from context_bench import Words, build
from truehearth.mouths.base import Completion, Fingerprint, GenerationParams, Message
from truehearth.mouths.llama import LlamaMouth, default_model_path, default_threads
from truehearth.turn import Conversation

N_CTX = 4096


class Timed:
    """Passes everything to the real mouth and adds up the time spent inside it.

    What a turn takes beyond that time is truehearth's own cost: assembling the
    context, the streaming plumbing and journaling both sides.
    """

    def __init__(self, mouth: LlamaMouth) -> None:
        self.inner = mouth
        self.spent = 0.0

    @property
    def fingerprint(self) -> Fingerprint:
        return self.inner.fingerprint

    @property
    def context_window(self) -> int:
        return self.inner.context_window

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        return self.inner.complete(messages, params)

    def stream(self, messages: Sequence[Message], params: GenerationParams) -> Iterator[str]:
        pieces = self.inner.stream(messages, params)
        while True:
            started = time.perf_counter()
            try:
                piece = next(pieces)
            except StopIteration:
                self.spent += time.perf_counter() - started
                return
            self.spent += time.perf_counter() - started
            yield piece

    def close(self) -> None:
        self.inner.close()


def direct(llm: Any, messages: list[Message], params: GenerationParams) -> tuple[float, str]:
    started = time.perf_counter()
    chunks = llm.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in messages],
        max_tokens=params.max_tokens,
        temperature=params.temperature,
        top_p=params.top_p,
        seed=params.seed,
        stream=True,
    )
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    return time.perf_counter() - started, text


def tokens_per_second(llm: Any, runs: int = 3, max_tokens: int = 128) -> tuple[float, float]:
    """Generation and prompt-processing speed of the embedded default."""
    gen: list[float] = []
    prompt: list[float] = []
    messages = [{"role": "user", "content": "Tell me a long story about a lighthouse keeper."}]
    for i in range(runs):
        llm.reset()
        started = time.perf_counter()
        out = llm.create_chat_completion(
            messages=messages, max_tokens=max_tokens, temperature=0.8, seed=i, stream=False
        )
        elapsed = time.perf_counter() - started
        usage = out["usage"]
        gen.append(usage["completion_tokens"] / elapsed)
        prompt.append(usage["prompt_tokens"])
    return statistics.median(gen), statistics.median(prompt)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    params = GenerationParams(max_tokens=args.max_tokens, temperature=0.0, top_p=1.0, seed=1)
    words = Words(random.Random(11))
    root = Path(tempfile.mkdtemp(prefix="th-turn-bench-"))
    threads = default_threads()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, llama threads {threads}")
    print(f"load average at start: {os.getloadavg()}")
    try:
        home = build(root / "home", args.records, words)
        mouth = LlamaMouth(n_ctx=N_CTX, params=params, n_threads=threads)
        llm = Llama(
            model_path=str(default_model_path()),
            n_ctx=N_CTX,
            n_threads=threads,
            n_threads_batch=threads,
            seed=1,
            verbose=False,
        )
        timed = Timed(mouth)
        conv = Conversation(home, timed, "smollm2", params=params)
        own: list[float] = []
        ours: list[float] = []
        theirs: list[float] = []
        same = 0
        conv.say("Hello, who are you?")  # warm both sides once
        direct(llm, conv.results[-1].context.messages, params)
        for turn in range(args.turns):
            question = words.sentence(8) + " Do you remember that?"
            messages = conv.prepare(question).messages
            if turn % 2 == 0:
                t_direct, text_direct = direct(llm, messages, params)
            timed.spent = 0.0
            started = time.perf_counter()
            result = conv.say(question)
            t_ours = time.perf_counter() - started
            own.append(t_ours - timed.spent)
            if turn % 2 == 1:
                t_direct, text_direct = direct(llm, messages, params)
            assert result.context.messages == messages, "the prompts differ"
            said = result.reply.text if result.reply else ""
            same += said == text_direct.strip()
            ours.append(t_ours)
            theirs.append(t_direct)
            print(
                f"turn {turn + 1:2}: truehearth {t_ours * 1000:7.0f} ms, "
                f"direct {t_direct * 1000:7.0f} ms, truehearth's own {own[-1] * 1000:5.1f} ms, "
                f"prompt {result.context.total_tokens} tokens",
                flush=True,
            )
        mouth.close()
        med_ours, med_theirs = statistics.median(ours), statistics.median(theirs)
        deltas = [a - b for a, b in zip(ours, theirs, strict=True)]
        print()
        print("| per turn (median) | truehearth | direct llama-cpp-python | overhead |")
        print("|---|---:|---:|---:|")
        print(
            f"| {args.turns} turns, {args.max_tokens} new tokens, {args.records:,} records "
            f"| {med_ours * 1000:.0f} ms | {med_theirs * 1000:.0f} ms "
            f"| {statistics.median(deltas) * 1000:+.0f} ms "
            f"({statistics.median(deltas) / med_theirs * 100:+.1f} %) |"
        )
        med_own = statistics.median(own)
        print(
            f"| truehearth's own work per turn (assemble + stream plumbing + journal), "
            f"measured inside the same turns | {med_own * 1000:.1f} ms | | "
            f"{med_own / med_theirs * 100:.2f} % of the direct call |"
        )
        print(f"identical replies on both sides: {same} of {args.turns}")
        rate, prompt = tokens_per_second(llm)
        print(
            f"embedded default: {rate:.1f} tokens/s generated "
            f"(median of 3 runs, {prompt:.0f}-token prompt)"
        )
        llm.close()
        home.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
