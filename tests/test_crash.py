"""kill -9 at random moments loses nothing that was reported committed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from truehearth.home import Home

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 50


@pytest.mark.slow
def test_sigkill_at_random_moments_keeps_every_committed_event(home_dir: Path) -> None:
    Home.init(home_dir, "Ash").close()
    rng = random.Random(20261122)
    committed: dict[int, str] = {}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(home_dir)],
            stdout=subprocess.PIPE,
            env=env,
        )
        # Wait for the first commit so the kill lands while the writer is busy.
        assert child.stdout is not None
        first = child.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
        for line in (first + rest).decode().splitlines():
            number, digest = line.split()
            committed[int(number)] = digest

        with Home.open(home_dir) as home:
            report = home.verify()
            assert report.ok, (report.chain.broken_at, report.chain.problem, report.state_problem)
            for seq, digest in committed.items():
                assert home.event(seq).digest == digest
    assert len(committed) > KILLS
