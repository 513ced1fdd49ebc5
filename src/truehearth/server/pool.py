"""Loaded mouths, shared across requests.

Loading a model costs far more than a turn, so the server keeps each mouth it
has loaded. A mouth that is not safe to call from several threads at once (the
embedded llama.cpp model) is wrapped so that its calls take turns; mouths that
declare ``thread_safe = True`` (HTTP clients, the test doubles) run in parallel.
A mouth whose registered fingerprint changes is loaded again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from truehearth.mouths import registry
from truehearth.mouths.base import Completion, Fingerprint, GenerationParams, Message, Mouth
from truehearth.mouths.counting import TokenCounting, counting_of
from truehearth.mouths.registry import MouthEntry
from truehearth.mouths.structured import JsonMouth


class SerializedMouth:
    """A mouth whose calls take turns behind one lock."""

    thread_safe = True

    def __init__(self, inner: Mouth) -> None:
        self._inner = inner
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> Fingerprint:
        return self._inner.fingerprint

    @property
    def context_window(self) -> int:
        return self._inner.context_window

    @property
    def token_counting(self) -> TokenCounting:
        with self._lock:
            return counting_of(self._inner)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._inner.count_tokens(text)

    def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        with self._lock:
            return self._inner.complete(messages, params)

    def stream(self, messages: Sequence[Message], params: GenerationParams) -> Iterator[str]:
        with self._lock:
            yield from self._inner.stream(messages, params)

    def close(self) -> None:
        self._inner.close()


class SerializedJsonMouth(SerializedMouth):
    """A serialized mouth that keeps its inner mouth's structured output."""

    def __init__(self, inner: Mouth) -> None:
        if not isinstance(inner, JsonMouth):
            raise TypeError("this mouth has no structured output")
        super().__init__(inner)
        self._json = inner

    def complete_json(
        self, messages: Sequence[Message], schema: Mapping[str, Any], params: GenerationParams
    ) -> Completion:
        with self._lock:
            return self._json.complete_json(messages, schema, params)


def serialized(mouth: Mouth) -> Mouth:
    """``mouth`` behind a lock, with structured output if it had it."""
    if isinstance(mouth, JsonMouth):
        return SerializedJsonMouth(mouth)
    return SerializedMouth(mouth)


class MouthPool:
    """One loaded mouth per registered name, reloaded when its fingerprint changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[str, Mouth]] = {}

    def get(self, entry: MouthEntry) -> Mouth:
        key = f"{entry.backend}:{entry.fingerprint.digest}"
        with self._lock:
            found = self._loaded.get(entry.name)
            if found is not None and found[0] == key:
                return found[1]
            mouth = registry.load(entry)
            if not getattr(mouth, "thread_safe", False):
                mouth = serialized(mouth)
            if found is not None:
                found[1].close()
            self._loaded[entry.name] = (key, mouth)
            return mouth

    def provide(self, entry: MouthEntry, mouth: Mouth) -> None:
        """Serve ``mouth`` under ``entry``'s name (a demo's or a test's scripted double)."""
        key = f"{entry.backend}:{entry.fingerprint.digest}"
        with self._lock:
            self._loaded[entry.name] = (key, mouth)

    def close(self) -> None:
        with self._lock:
            for _key, mouth in self._loaded.values():
                mouth.close()
            self._loaded.clear()
