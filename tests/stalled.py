"""A real child process stopped in the middle of a write, so a test can kill it there."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Prefix for a child's script: ``stall`` is a progress callback that announces that
# the write has begun, then waits until the test kills the process.
STALL = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "def stall(done, total, what):\n"
    "    print('writing', flush=True); time.sleep(600)\n"
)


@contextmanager
def stalled(script: str, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``STALL + script`` with ``args`` until it says it is writing; kill it at the end."""
    child = subprocess.Popen(
        [sys.executable, "-c", STALL + script, *args],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"writing"
        yield child
    finally:
        child.kill()
        child.communicate()
