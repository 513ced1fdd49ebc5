"""The writer lock: threads of one process wait on each other without polling."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from truehearth.core.errors import HomeLocked
from truehearth.store.lock import writer_lock


def test_a_thread_waiting_for_another_thread_is_woken_not_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's catch-up thread and a request meet on recall's lock: the request
    must get it as the catch-up lets go, not on the next 20 ms poll."""
    path = tmp_path / ".lock"
    naps: list[int] = []
    sleep = time.sleep

    def counted(seconds: float) -> None:
        naps.append(threading.get_ident())
        sleep(seconds)

    monkeypatch.setattr(time, "sleep", counted)  # the lock polls with time.sleep
    held = threading.Event()
    release = threading.Event()
    got: list[float] = []

    def holder() -> None:
        with writer_lock(path, wait=5.0):
            held.set()
            release.wait(5.0)

    def waiter() -> None:
        with writer_lock(path, wait=5.0):
            got.append(time.monotonic())

    first = threading.Thread(target=holder)
    first.start()
    assert held.wait(5.0)
    second = threading.Thread(target=waiter)
    second.start()
    sleep(0.1)  # the waiter is waiting: five polls' worth under the old scheme
    assert not got
    let_go = time.monotonic()
    release.set()
    first.join(5.0)
    second.join(5.0)
    assert got, "the waiter never got the lock"
    assert second.ident not in naps, "the waiting thread polled instead of being woken"
    assert got[0] >= let_go


def test_a_thread_waits_only_as_long_as_it_was_told(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with writer_lock(path, wait=5.0):
            held.set()
            release.wait(5.0)

    first = threading.Thread(target=holder)
    first.start()
    assert held.wait(5.0)
    started = time.monotonic()
    with pytest.raises(HomeLocked, match="locked by process"), writer_lock(path, wait=0.2):
        pass
    assert 0.15 <= time.monotonic() - started < 2.0
    release.set()
    first.join(5.0)
    with writer_lock(path, wait=0.2):  # free again once the holder let go
        pass


def test_another_process_is_still_waited_for(tmp_path: Path) -> None:
    """The in-process lock is only a queue in front of ``flock``: another process's hold
    still keeps this one out until it lets go."""
    path = tmp_path / ".lock"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\n"
            "from truehearth.store.lock import writer_lock\n"
            "with writer_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(0.6)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(HomeLocked), writer_lock(path, wait=0.1):
            pass
        started = time.monotonic()
        with writer_lock(path, wait=10.0):
            waited = time.monotonic() - started
        assert waited > 0.2
    finally:
        child.communicate(timeout=10)
