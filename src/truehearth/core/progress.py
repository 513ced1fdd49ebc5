"""How long work reports its progress: one callback shape for the whole library.

Indexing, importing, exporting, auditing and the continuity check all take an
optional ``progress`` callback of this one type, so an interface draws every
bar the same way (the command line's are in :mod:`truehearth.cli.bars`) and a
caller embedding the home writes one adapter, not one per subsystem.

``progress(done, total, what)``:

- ``done``: units finished so far; it never goes down (bytes read, records
  written, probes asked: the function's docstring says which);
- ``total``: how many units there will be, or ``None`` when that is not
  known in advance;
- ``what``: the item in hand (a probe's id, a file's name), or ``""``.

It is called from the working thread, often, so it should be quick and must
not raise.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int | None, str], None]

__all__ = ["Progress"]
