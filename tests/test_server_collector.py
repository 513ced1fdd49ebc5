"""The cycle collector as `truehearth serve` sets it (in a process of its own: the
setting is the whole interpreter's)."""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import gc
before = gc.get_threshold()
from truehearth.server.collector import YOUNG, tune
tune()
after = gc.get_threshold()
assert after == (YOUNG, before[1], before[2]), (before, after)
assert gc.get_freeze_count() > 1000, gc.get_freeze_count()
class Ring:
    pass
ring = Ring()
ring.me = ring  # a cycle made after the start is still found and freed
import weakref
gone = weakref.ref(ring)
del ring
gc.collect()
assert gone() is None
print("ok")
"""


def test_serve_spaces_young_collections_and_freezes_what_is_loaded() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], check=False, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
