"""Every journal commit reaches the disk before it returns: the fsyncs are really made.

The kill -9 test (``test_crash.py``) shows that a killed writer leaves whole
transactions, but a killed *process* keeps the kernel's page cache: it cannot tell a
commit that was synced from one that only sits in memory and would be lost with the
power. This test watches the system calls instead. A child process opens a real home
and writes through the public API under ``strace``; each commit must be followed by an
``fdatasync``/``fsync`` of the home's write-ahead log (``synchronous=FULL`` in WAL
mode), and an exported bundle must be synced before it takes its name.

``strace`` is a Debian package on the machines this project is built on; where it is
missing, or where the kernel refuses ``ptrace``, the test says so and skips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from truehearth.core import acts
from truehearth.core.events import Draft
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice
from truehearth.home import Home

COMMITS = 6

_WRITER = """
import sys
from pathlib import Path
from truehearth.home import Home

with Home.open(Path(sys.argv[1])) as home:
    for i in range(int(sys.argv[2])):
        home.remember(f"a memory written under strace, number {i}")
"""

_SYNC = re.compile(r"^\d+\s+(fsync|fdatasync)\(\d+<(?P<path>[^>]*)>\)\s+=\s+0", re.MULTILINE)


def _synced_paths(tmp_path: Path, argv: list[str]) -> list[str]:
    """Run ``argv`` under strace and return the path of every successful sync, in order."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (Debian package 'strace'): cannot watch fsyncs")
    trace = tmp_path / "trace.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [
            strace,
            "-f",
            "--seccomp-bpf",
            "-y",
            "-e",
            "trace=fsync,fdatasync",
            "-o",
            str(trace),
            *argv,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if "ptrace" in done.stderr and done.returncode != 0:
        pytest.skip(f"the kernel refuses ptrace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr[-800:]
    return [m.group("path") for m in _SYNC.finditer(trace.read_text(encoding="utf-8"))]


def test_each_commit_syncs_the_write_ahead_log(home_dir: Path, tmp_path: Path) -> None:
    Home.init(home_dir, "Ash").close()
    synced = _synced_paths(tmp_path, [sys.executable, "-c", _WRITER, str(home_dir), str(COMMITS)])
    home = str(home_dir.resolve())
    wal = [p for p in synced if p.startswith(home) and p.endswith("-wal")]
    # One sync of the log per commit at least (SQLite may add more: checkpoints, the header).
    assert len(wal) >= COMMITS, synced
    with Home.open(home_dir) as reopened:
        texts = {r.text for r in reopened.records()}
    assert {f"a memory written under strace, number {i}" for i in range(COMMITS)} <= texts


def test_an_exported_bundle_is_synced_before_it_takes_its_name(
    home_dir: Path, tmp_path: Path
) -> None:
    with Home.init(home_dir, "Ash") as home:
        home.remember("the blue kettle on the windowsill")
    out = tmp_path / "bundles" / "exported.zip"
    out.parent.mkdir()
    synced = _synced_paths(
        tmp_path,
        [sys.executable, "-m", "truehearth", "export", "bundle", str(out), "--home", str(home_dir)],
    )
    assert out.is_file()
    folder = str(out.parent.resolve())
    # The bundle's bytes (under a temporary name in the same folder) and then the folder
    # itself, so the rename that publishes it survives a power cut.
    assert any(p.startswith(folder + os.sep) for p in synced), synced
    assert folder in synced, synced


_UNSYNCED = """
import os, signal, sys
from pathlib import Path
from truehearth.home import Home
from truehearth.core import acts
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice

home = Home.open(Path(sys.argv[1]))
def build(now):
    return [acts.remember(record_id=new_id("r"), layer=Layer.ARCHIVE, text=sys.argv[2],
            voice=Voice.HUMAN, actor=Voice.HUMAN, source=Source(via="proxy"), now=now)]
home.commit(build, synced=False)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_an_unsynced_commit_survives_a_killed_process(home_dir: Path) -> None:
    """Group commit's premise: a commit not yet synced is in the kernel's page cache,
    so SIGKILL of the writer (no clean close, no checkpoint) loses nothing."""
    Home.init(home_dir, "Ash").close()
    text = "the human's words, committed and then the process killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _UNSYNCED, str(home_dir), text],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == -9, done.stderr[-800:]
    with Home.open(home_dir) as home:
        assert home.verify().ok
        assert text in {r.text for r in home.records()}


def test_sync_log_syncs_only_what_an_unsynced_commit_left(home: Home) -> None:
    home.remember("a synced commit")
    assert home.sync_journal() is False  # synchronous=FULL synced it already
    home.commit(home_drafts, synced=False)
    assert home.sync_journal() is True
    assert home.sync_journal() is False
    home.commit(home_drafts, synced=False)
    home.remember("a synced commit after it covers it")
    assert home.sync_journal() is False
    assert home.verify().ok


def home_drafts(now: str) -> list[Draft]:
    return [
        acts.remember(
            record_id=new_id("r"),
            layer=Layer.ARCHIVE,
            text="an unsynced commit",
            voice=Voice.HUMAN,
            actor=Voice.HUMAN,
            source=Source(via="proxy"),
            now=now,
        )
    ]
