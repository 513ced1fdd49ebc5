"""truehearth.marks on real files: what a killed write of the anchors leaves is swept."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.stalled import cut_off
from truehearth import marks
from truehearth.core.journal import Anchor

# A child killed (SIGXFSZ) in the middle of writing the anchors' temporary file.
_KILLED_ANCHOR = (
    "from truehearth import marks\n"
    "from truehearth.core.journal import Anchor\n"
    "cut_off(16)\n"
    "marks.add_anchor('home-1', Anchor(7, 'b' * 64, 'bundle', '2026-01-01T00:00:00Z'))\n"
)


def _anchors_dir() -> Path:
    return marks._anchor_path("home-1").parent


def test_a_killed_anchor_write_leaves_a_file_the_next_write_removes() -> None:
    first = Anchor(3, "a" * 64, "bundle", "2026-01-01T00:00:00Z")
    marks.add_anchor("home-1", first)
    killed = cut_off(_KILLED_ANCHOR)
    assert killed.returncode == -signal.SIGXFSZ, killed.stderr
    left = [p.name for p in _anchors_dir().iterdir() if p.name.startswith(".")]
    assert len(left) == 1 and f"-{killed.pid}-" in left[0], left
    assert marks.anchors("home-1") == [first]  # the kept file is untouched
    second = Anchor(9, "c" * 64, "bundle", "2026-01-02T00:00:00Z")
    marks.add_anchor("home-1", second)
    assert marks.anchors("home-1") == [first, second]
    assert [p.name for p in _anchors_dir().iterdir() if p.name.startswith(".")] == []
