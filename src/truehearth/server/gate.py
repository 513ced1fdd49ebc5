"""One turn at a time through the proxy, from reading the journal to journaling the reply.

A frontend decides what a request means from the chat it sends (a new turn, a
regenerated reply, a reply the human stopped and deleted). That reading is only
right if the journal already holds the previous reply: a human who presses stop
and sends again at once would otherwise be matched against a journal that does
not yet know the stopped words, and the stopped reply would be recorded after
the new turn instead of being marked withdrawn. The gate makes each turn wait
until the one before it has journaled what it said.
"""

from __future__ import annotations

import threading
import weakref

from truehearth.core.errors import HomeLocked

WAIT_SECONDS = 120.0
"""How long a turn waits behind another before the client is told to retry (a 503)."""


class TurnGate:
    """A lock held by a turn from its first journal read until its reply is journaled."""

    def __init__(self, wait: float = WAIT_SECONDS) -> None:
        self._lock = threading.Lock()
        self.wait = wait

    def enter(self) -> Pass:
        """Wait for the turn before this one; a :class:`Pass` releases the gate once."""
        if not self._lock.acquire(timeout=self.wait):
            raise HomeLocked(
                f"another reply is still being written after {self.wait:.0f} s; try again"
            )
        return Pass(self._lock)


class Pass:
    """The right to run one turn; released explicitly, or when dropped unreleased.

    A streamed reply releases it when the stream ends or the client leaves. A
    response whose stream never started (the client left before the first byte)
    drops it, and the finalizer releases the gate, so no turn can leave it shut.
    """

    def __init__(self, lock: threading.Lock) -> None:
        self._release = weakref.finalize(self, lock.release)

    def release(self) -> None:
        self._release()
