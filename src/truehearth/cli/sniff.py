"""Whether any installed package may declare a ``truehearth`` plugin, found cheaply.

Loading plugins (:func:`truehearth.plugins.manager`) goes through
:mod:`importlib.metadata`, which costs more to import and run than printing the
root help. The root help only needs to know whether a plugin *could* add a
command, so this reads each distribution's ``entry_points.txt`` on
``sys.path`` as text and looks for the group's section header.

It may say yes when the full scan would find nothing (then the full scan
runs); it never says no when there is a plugin, because a path entry it cannot
read as a directory (a zip, an egg) counts as a yes.
"""

from __future__ import annotations

import os
import sys

GROUP = "truehearth"  # the entry-point group: truehearth.plugins.GROUP, which imports pluggy


def declared() -> bool:
    """True when some distribution on ``sys.path`` may declare a ``truehearth`` entry point."""
    for entry in sys.path:
        folder = entry or os.curdir
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip or an egg: let the full scan decide
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")) and _declares(folder, name):
                return True
    return False


def _declares(folder: str, dist: str) -> bool:
    try:
        with open(os.path.join(folder, dist, "entry_points.txt"), encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return False
    return any(
        line.strip().startswith("[") and line.strip()[1:-1].strip() == GROUP
        for line in text.splitlines()
    )
