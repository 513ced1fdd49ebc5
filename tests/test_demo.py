"""`make demo` on a fresh machine: a real home, the real model, a verified journal."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from truehearth.core.records import Layer, Voice
from truehearth.demo import MARKER, SCRIPT
from truehearth.home import Home


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    where = tmp_path / "demo-home"
    env = {**os.environ, "TRUEHEARTH_DEMO_HOME": str(where), "COLUMNS": "120"}
    for _run in range(2):  # a second run starts the demo home over
        child = subprocess.run(
            [sys.executable, "-m", "truehearth.demo"],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
            check=False,
        )
        assert child.returncode == 0, child.stdout + child.stderr
    out = child.stdout
    assert "verify: ok" in out and str(where) in out and "truehearth chat" in out
    assert "--explain for turn 2" in out and "identity (instruction)" in out
    assert (where / MARKER).is_file()
    with contextlib.closing(Home.open(where)) as home:
        replies = [r for r in home.records(layers=[Layer.ARCHIVE]) if r.voice is Voice.COMPANION]
        assert len(replies) == len(SCRIPT)
        assert all(r.source.mouth == "smollm2" for r in replies)
        assert home.verify().ok


def test_demo_refuses_a_directory_it_did_not_make(tmp_path: Path) -> None:
    where = tmp_path / "precious"
    where.mkdir()
    (where / "diary.txt").write_text("mine")
    env = {**os.environ, "TRUEHEARTH_DEMO_HOME": str(where)}
    child = subprocess.run(
        [sys.executable, "-m", "truehearth.demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert child.returncode == 2 and "not a demo home" in child.stdout
    assert (where / "diary.txt").read_text() == "mine"
