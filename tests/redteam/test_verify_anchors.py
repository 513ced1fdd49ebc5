"""Red team: `export bundle` signed a forged journal, and nothing remembered what it had signed.

Each signed export's head is now remembered outside the home; a rewrite or cut
below it fails `verify`, even when the whole database was rebuilt consistently.
"""

from __future__ import annotations

from pathlib import Path

from tests.redteam.forge import rewrite, truncate
from truehearth.core.records import Layer
from truehearth.exchange import bundle
from truehearth.home import Home


def _exported(home: Home, tmp_path: Path) -> int:
    home.accept(home.propose(Layer.CORE, "My name is Ash. I keep my vows.").id)
    home.remember("We walk by the river on Sundays.", verified=True)
    manifest = bundle.export_bundle(home, tmp_path / "signed.zip")
    home.remember("A memory after the export.")
    return int(manifest["journal"]["head"]["seq"])


def test_a_rewrite_below_a_signed_export_fails_verify(home: Home, tmp_path: Path) -> None:
    signed = _exported(home, tmp_path)
    home.close()

    def other_vow(event: dict[str, object]) -> dict[str, object]:
        payload = event["payload"]
        assert isinstance(payload, dict)
        payload["name"] = "Ash"  # the same words, a different byte: the reason is immaterial
        payload["forged"] = True
        return event

    rewrite(Path(home.path), 1, other_vow)
    with Home.open(home.path) as forged:
        assert forged.verify(deep=False).chain.ok  # the chain alone is consistent
        report = forged.verify()
    assert not report.ok
    assert report.problem is not None
    assert report.problem == (
        f"event {signed}, the head of the bundle signed on "
        f"{report.problem.split('signed on ')[1][:19]}, has changed: the journal was rewritten"
    )


def test_a_cut_below_a_signed_export_fails_verify(home: Home, tmp_path: Path) -> None:
    signed = _exported(home, tmp_path)
    home.close()
    truncate(home.path, signed - 1)
    with Home.open(home.path) as cut:
        problem = cut.verify().problem or ""
    assert "before the head of the bundle" in problem and f"(event {signed})" in problem
    assert "cut short" in problem


def test_a_bundle_manifest_carries_its_fingerprint(home: Home, tmp_path: Path) -> None:
    _exported(home, tmp_path)
    report = bundle.verify_bundle(tmp_path / "signed.zip")
    assert report.ok
    head = report.manifest["journal"]["head"]
    assert head["fingerprint"].startswith(f"{head['seq']}:")
