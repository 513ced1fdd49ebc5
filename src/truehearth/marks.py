"""What this machine remembers about a home, kept outside it.

Two things, both under the user's data directory (``.../truehearth/integrity``),
never inside the home directory:

* the **mark**: the last head a check found sound, and the identity records
  there, so the pre-turn check re-hashes only what came after it;
* the **anchors**: the head of every signed export.

They live outside the home on purpose. Someone who swaps in a rebuilt database,
restores a doctored backup or edits a synced copy changes the home directory,
not this machine's memory of it: a journal cut or rewritten below a mark or an
anchor is caught. Someone with the user's own account can edit these files
too; the fingerprint the human keeps elsewhere (``verify --expect``) is the
defence left against that (see docs/SECURITY.md).

Losing these files is harmless: the next check verifies the whole journal once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from truehearth.core.journal import Anchor, Mark
from truehearth.paths import APP_NAME
from truehearth.scratch import write_atomically

INTEGRITY_DIR = "integrity"
ANCHORS_KIND = "anchors"


def _base() -> Path:
    return _base_for(os.environ.get("XDG_DATA_HOME"), str(Path.home()))


@functools.lru_cache(maxsize=8)
def _base_for(_data_home: str | None, _user_home: str) -> Path:
    """The directory, computed once per environment (it is asked before every turn)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / INTEGRITY_DIR


def _mark_path(home_path: Path, home_id: str) -> Path:
    # By place and id: a restored copy keeps its origin's id but not its place.
    key = f"{home_id}\x00{home_path.expanduser().absolute()}".encode("utf-8", "surrogatepass")
    return _base() / "marks" / (hashlib.blake2b(key, digest_size=16).hexdigest() + ".json")


def _anchor_path(home_id: str) -> Path:
    safe = hashlib.blake2b(home_id.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return _base() / "anchors" / f"{safe}.json"


def load_mark(home_path: Path, home_id: str) -> Mark | None:
    data = _read(_mark_path(home_path, home_id))
    try:
        return Mark(
            int(data["seq"]),
            str(data["digest"]),
            tuple(str(i) for i in data["identity"]),
            str(data["at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def save_mark(home_path: Path, home_id: str, mark: Mark) -> None:
    """Remember a sound head; a failure to write only means re-hashing more next time.

    Written in place, not by rename: it runs before every turn, and a rename
    costs a directory update (milliseconds on a busy disk). A torn or garbled
    mark reads as no mark, which costs one full verification, nothing else.
    """
    value = {"seq": mark.seq, "digest": mark.digest, "identity": list(mark.identity), "at": mark.at}
    path = _mark_path(home_path, home_id)
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            data = orjson.dumps(value)
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)


def anchors(home_id: str) -> list[Anchor]:
    data = _read(_anchor_path(home_id))
    found: list[Anchor] = []
    for item in data.get("anchors", []) if isinstance(data, dict) else []:
        try:
            found.append(
                Anchor(int(item["seq"]), str(item["digest"]), str(item["what"]), str(item["at"]))
            )
        except (KeyError, TypeError, ValueError):
            continue
    return found


def add_anchor(home_id: str, anchor: Anchor) -> None:
    """Remember the head of a signed export (kept even if the export file is deleted)."""
    known = anchors(home_id)
    if any(a.seq == anchor.seq and a.digest == anchor.digest for a in known):
        return
    known.append(anchor)
    items = [{"seq": a.seq, "digest": a.digest, "what": a.what, "at": a.at} for a in known]
    _write(_anchor_path(home_id), {"home_id": home_id, "anchors": items})


def _read(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}


def _write(path: Path, value: Any) -> None:
    """Replace ``path`` whole; its temporary name carries the pid, so a killed write's is swept.

    Not fsynced: losing the file is harmless (see the module's docstring).
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(path, orjson.dumps(value), ANCHORS_KIND, 0o600, durable=False)
