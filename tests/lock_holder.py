"""A second, real process holding a home's writer lock: what "another writer" means."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from truehearth.store.lock import writer_lock\n"
    "with writer_lock(Path(sys.argv[1])):\n"
    "    print('held', flush=True); time.sleep(float(sys.argv[2]))"
)


@contextmanager
def another_writer(lock: Path, seconds: float = 60.0) -> Iterator[subprocess.Popen[bytes]]:
    """Hold ``lock`` in a child process from entry (once it says so) until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(lock), str(seconds)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        yield holder
    finally:
        holder.kill()
        holder.communicate()
