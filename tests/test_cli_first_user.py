"""A first-time user's mistakes, found by walking the README: one clear line, nothing changed."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliRunner
from truehearth.home import Home


def _journal(home: Path) -> bytes:
    with Home.open(home) as h:
        return b"".join(e.body for e in h.iter_events())


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def test_a_folder_given_as_a_pack_is_named_a_folder(
    tmp_path: Path, cli: CliRunner, home: Home
) -> None:
    folder = tmp_path / "packs"
    folder.mkdir()
    before = _journal(home.path)
    for args in (["packs", "verify", folder], ["audit", "x.jsonl", "--rules", folder]):
        (tmp_path / "x.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
        result = cli(*[str(tmp_path / a) if a == "x.jsonl" else a for a in args], "--home", home.path)
        line = _one_error_line(result.err)
        assert result.code == 2 and "is a directory" in line and "no pack" not in line, line
    assert _journal(home.path) == before
