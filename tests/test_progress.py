"""Long work reports progress in one shape: (done so far, total, what), done never going down."""

from __future__ import annotations

from pathlib import Path

from truehearth.core.progress import Progress
from truehearth.exchange import bundle
from truehearth.exchange.formats import import_path
from truehearth.home import Home

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


class Recorder:
    """A real Progress callback that keeps every report."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None, str]] = []

    def __call__(self, done: int, total: int | None, what: str) -> None:
        self.calls.append((done, total, what))

    def check(self) -> tuple[int, int | None, str]:
        """Reports grow and end at the total; returns the last one."""
        assert self.calls, "no progress was reported"
        dones = [done for done, _total, _what in self.calls]
        assert dones == sorted(dones)
        return self.calls[-1]


def test_an_import_counts_the_bytes_of_its_file(home: Home) -> None:
    source = FIXTURES / "chatgpt_conversations.json"
    seen = Recorder()
    tick: Progress = seen
    import_path(home, source, "chatgpt", progress=tick)
    size = source.stat().st_size
    assert seen.check() == (size, size, source.name)


def test_a_bundle_export_counts_the_journal_events(home: Home, tmp_path: Path) -> None:
    home.remember("The kettle is blue.")
    home.remember("Saturday walks by the river.")
    seen = Recorder()
    manifest = bundle.export_bundle(home, tmp_path / "home.zip", progress=seen)
    events = manifest["journal"]["events"]
    assert seen.check() == (events, events, "journal")
    assert len(seen.calls) == events


def test_verify_counts_the_journal_events(home: Home) -> None:
    """A full verify of a million events takes minutes: it reports as it goes."""
    for n in range(5000):  # more than one report's worth (integrity.PROGRESS_EVERY)
        home.remember(f"note {n}")
    head = home.head()
    assert head is not None
    for deep in (True, False):
        seen = Recorder()
        assert home.verify(deep=deep, progress=seen).chain.ok
        assert seen.check() == (head.seq, head.seq, "")
        assert len(seen.calls) >= 3


def test_verify_draws_a_bar_in_a_terminal(home: Home) -> None:
    """In a terminal the command shows the bar; piped, it draws nothing (see tests of bars)."""
    import os
    import subprocess
    import sys

    main, child = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "truehearth", "verify", "--home", str(home.path)],
            stdin=subprocess.DEVNULL,
            stdout=child,
            stderr=child,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "100"},
            timeout=120,
            check=False,
        )
    finally:
        os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child's side is closed: everything was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert done.returncode == 0
    assert b"verifying" in shown and b"event verifies" in shown  # the home's one event
