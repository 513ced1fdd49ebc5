"""Python's cycle collector, set for a long-running server: rarer young collections, and
what the server loaded before it listens kept out of every full collection.

A proxy turn allocates and frees thousands of small objects (candidates, glances,
rows, reasons), nearly all freed by their reference counts. At the interpreter's
default (a young collection every 700 net allocations) a turn ran about one young
collection (~0.25 ms) and, every few hundred turns, a full one that walked every
object the process holds (~160,000 here: ~95 ms, on one request's time). In process,
1,000 memories and 4,000 earlier turns, 300 requests each: 0.58-0.63 ms a request
spent collecting at the default, 0.01 ms with these settings.

A young collection every :data:`YOUNG` allocations instead, and the objects that
exist when the server starts (its modules, its routes and models) frozen: never
walked again, never freed (they live as long as the process anyway). Cycles made
later are still found and freed, only less often. Only ``truehearth serve`` calls
:func:`tune`; a library user's process keeps the interpreter's defaults.
"""

from __future__ import annotations

import gc

YOUNG = 10_000
"""Net allocations between young collections (the interpreter's default is 700)."""


def tune() -> None:
    """Freeze what is loaded now and space the young collections out (once, at start)."""
    gc.collect()  # garbage made while loading is freed, not frozen
    gc.freeze()
    _young, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, oldest)
