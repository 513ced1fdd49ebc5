"""A blocking generator's output, handed to the event loop in batches: a streamed reply.

A reply is a blocking generator (the mouth, then the turn's journal write), so
it runs on a worker thread, and the server's event loop sends what it yields.
Asking a thread pool for every chunk costs two thread switches and anyio's
bookkeeping per chunk: with a fast mouth that was several milliseconds of CPU
a reply, more than the words themselves. Here one thread runs the whole
generator and puts chunks in a small buffer; the loop is woken only when the
buffer goes from empty to not empty, and sends everything waiting at once.

What the client sees does not change: the same bytes in the same order, each
chunk sent as soon as the loop is free (a slow mouth's words still go out one
by one, as they come). The generator runs at most :data:`AHEAD` chunks ahead
of what was sent; a client that leaves stops it at the next chunk, and the
generator is then closed on its own thread (so a turn journals what was said
before the request ends), exactly as a pull per chunk did.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import AsyncGenerator, Generator

import anyio

AHEAD = 64
"""Chunks the generator may run ahead of the client before it waits (memory bound)."""


class _Buffer:
    """Chunks passed from the worker thread to the loop, and how the worker ended."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.space = threading.Condition()
        self.chunks: list[bytes] = []
        self.stopping = False  # the client left: the worker stops at the next chunk
        self.finished = False
        self.error: BaseException | None = None
        self.ready = asyncio.Event()  # set on the loop: something to send, or the end
        self.closed = asyncio.Event()  # set on the loop: the generator is closed

    def put(self, chunk: bytes) -> bool:
        """Add a chunk (the worker); ``False`` when the client has left."""
        with self.space:
            self.space.wait_for(lambda: len(self.chunks) < AHEAD or self.stopping)
            if self.stopping:
                return False
            wake = not self.chunks
            self.chunks.append(chunk)
        if wake:
            self._wake(self.ready)
        return True

    def take(self) -> tuple[list[bytes], bool]:
        """Everything waiting, and whether the worker has finished (the loop)."""
        with self.space:
            taken, self.chunks = self.chunks, []
            self.space.notify_all()
            return taken, self.finished

    def stop(self) -> None:
        with self.space:
            self.stopping = True
            self.space.notify_all()

    def run(self, chunks: Generator[bytes, None, None]) -> None:
        """The worker: drive the generator to its end (or the client's leaving), then close it."""
        try:
            for chunk in chunks:
                if not self.put(chunk):
                    break
        except BaseException as exc:  # handed to the loop, raised where a pull would have
            self.error = exc
        finally:
            try:
                chunks.close()
            finally:
                with self.space:
                    self.finished = True
                self._wake(self.ready)
                self._wake(self.closed)

    def _wake(self, event: asyncio.Event) -> None:
        """Set ``event`` on the loop's thread (not at all once the loop has closed)."""
        with contextlib.suppress(RuntimeError):  # the server stopped: nobody is waiting
            self.loop.call_soon_threadsafe(event.set)


async def pumped(chunks: Generator[bytes, None, None]) -> AsyncGenerator[bytes, None]:
    """Yield what ``chunks`` yields, run on a thread of its own; always close it there.

    A client that leaves mid-reply cancels this generator: the worker stops at
    its next chunk and closes ``chunks``, and this waits for that, shielded
    from the cancellation, so the words already said are journaled before the
    request ends.
    """
    buffer = _Buffer(asyncio.get_running_loop())
    # The request's context variables go with it, as they did to a pool thread.
    context = contextvars.copy_context()
    worker = threading.Thread(
        target=context.run, args=(buffer.run, chunks), name="truehearth-reply", daemon=True
    )
    worker.start()
    try:
        while True:
            buffer.ready.clear()
            taken, finished = buffer.take()
            if taken:
                yield b"".join(taken)
            elif finished:
                break
            else:
                await buffer.ready.wait()
        if buffer.error is not None:
            raise buffer.error
    finally:
        buffer.stop()
        with anyio.CancelScope(shield=True):
            await buffer.closed.wait()
