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
