"""Real, deterministic mouths shipped with the library for tests and demos.

They implement the whole Mouth protocol, so tests exercise the same code paths
as a real model without mocking anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from itertools import cycle

from truehearth.core.turn_note import human_words
from truehearth.mouths.base import Completion, Fingerprint, GenerationParams, Message
from truehearth.mouths.counting import Method, TokenCounting

DOUBLE_COUNTING = TokenCounting(
    Method.ESTIMATE, "~4 characters a token (a test double has no tokenizer)"
)


def _approx_tokens(text: str) -> int:
    """A stable token estimate for mouths without a tokenizer: ~4 characters a token."""
    return max(1, (len(text) + 3) // 4) if text else 0


class _DoubleBase(ABC):
    backend = "double"
    thread_safe = True  # no shared state between calls: a server may call it in parallel

    def __init__(self, name: str, context_window: int) -> None:
        self.name = name
        self._window = context_window
        self.closed = False

    @property
    def context_window(self) -> int:
        return self._window

    @property
    def token_counting(self) -> TokenCounting:
        return DOUBLE_COUNTING

    def count_tokens(self, text: str) -> int:
        return _approx_tokens(text)

    @abstractmethod
    def _reply(self, messages: Sequence[Message]) -> str:
        """The whole reply to ``messages``."""

    def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        text = self._reply(messages)
        prompt = sum(self.count_tokens(m.content) for m in messages)
        return Completion(text, prompt, self.count_tokens(text))

    def stream(self, messages: Sequence[Message], params: GenerationParams) -> Iterator[str]:
        text = self._reply(messages)
        for i, word in enumerate(text.split(" ")):
            yield word if i == 0 else " " + word

    def close(self) -> None:
        self.closed = True  # nothing to release; tests check that the owner closed it


class EchoMouth(_DoubleBase):
    """Replies with the human's last message (without the home's note after it):
    proves plumbing, claims nothing."""

    backend = "echo"

    def __init__(self, name: str = "echo", context_window: int = 8192) -> None:
        super().__init__(name, context_window)

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint(self.backend, "echo-1", {})

    def _reply(self, messages: Sequence[Message]) -> str:
        return f"echo: {last_human(messages)}"


def last_human(messages: Sequence[Message]) -> str:
    """The human's newest words in a prompt: the last user message, without the
    note the home may add after it (core/turn_note.py). Doubles that answer
    "what the human said" read it here, so the note never changes their replies."""
    return human_words(next((m.content for m in reversed(messages) if m.role == "user"), ""))


Script = Sequence[str] | Callable[[Sequence[Message]], str]


class ScriptedMouth(_DoubleBase):
    """Speaks from a script: a list of replies in turn, or a function of the messages."""

    backend = "scripted"

    def __init__(self, script: Script, name: str = "scripted", context_window: int = 8192) -> None:
        super().__init__(name, context_window)
        if callable(script):
            self._fn: Callable[[Sequence[Message]], str] = script
            self._model = f"scripted-fn:{getattr(script, '__qualname__', 'fn')}"
        else:
            replies = list(script)
            if not replies:
                raise ValueError("a scripted mouth needs at least one reply")
            turns = cycle(replies)
            self._fn = lambda _messages: next(turns)
            self._model = f"scripted:{len(replies)}"

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint(self.backend, self._model, {})

    def _reply(self, messages: Sequence[Message]) -> str:
        return self._fn(messages)


Weigh = Callable[[Sequence[Message], str], float]


class WeighingMouth(ScriptedMouth):
    """A scripted mouth that also weighs replies it did not write, as the embedded model
    does through its logits: ``weigh(messages, continuation)`` is the continuation's
    total log-probability after the prompt, one token a word. Preference probes and
    what reads them run on it without loading a model."""

    backend = "weighing"

    def __init__(
        self, script: Script, weigh: Weigh, name: str = "weighing", context_window: int = 8192
    ) -> None:
        super().__init__(script, name, context_window)
        self._weigh = weigh

    def logprob(self, messages: Sequence[Message], continuation: str) -> tuple[float, int]:
        words = continuation.split()
        if not words:
            return 0.0, 0
        return self._weigh(messages, continuation), len(words)
