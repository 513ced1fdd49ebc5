"""Reading a real child process's output up to a marker, for tests that drive a CLI child."""

from __future__ import annotations

import os
import select
import subprocess
import time


def read_until(child: subprocess.Popen[bytes], needle: bytes, timeout: float = 30) -> bytes:
    """What ``child`` wrote to stdout up to and including ``needle``."""
    assert child.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"waited for {needle!r}; got {seen[-300:]!r}"
        ready, _, _ = select.select([child.stdout], [], [], left)
        if ready:
            chunk = os.read(child.stdout.fileno(), 4096)
            assert chunk, f"the child ended early: {seen[-300:]!r}"
            seen += chunk
    return seen
