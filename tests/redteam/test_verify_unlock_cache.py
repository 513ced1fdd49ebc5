"""Red team: with no XDG_RUNTIME_DIR, `unlock` wrote the derived key under /tmp, on disk.

The key is cached only on a memory-backed filesystem, or not at all.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth.encryption import memory_backed
from truehearth.home import Home

PASSPHRASE = "correct horse battery staple"


def _named(root: Path, name: str) -> list[Path]:
    """Files called ``name`` under ``root`` (other programs' temporary files may vanish)."""
    return [
        Path(top) / name
        for top, _dirs, files in os.walk(root, onerror=lambda _e: None)
        if name in files
    ]


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_memory_backed_reads_the_mount_table(tmp_path: Path) -> None:
    assert not memory_backed(tmp_path) or Path("/proc/self/mountinfo").exists()
    if Path("/dev/shm").is_dir():
        assert memory_backed(Path("/dev/shm"))
    assert not memory_backed(Path("/"))


@pytest.mark.parametrize("runtime", ["unset", "on disk"])
def test_unlock_never_writes_the_key_to_disk(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, runtime: str
) -> None:
    disk = tmp_path / "runtime-on-disk"
    disk.mkdir(mode=0o700)
    if runtime == "unset":
        monkeypatch.delenv("XDG_RUNTIME_DIR")
    else:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(disk))
    path = tmp_path / "enc"
    with Home.init(path, "Ash", encryption="passphrase", passphrase=PASSPHRASE) as home:
        cache_name = f"{home.config.home_id}.key"
    monkeypatch.setenv("TRUEHEARTH_PASSPHRASE", PASSPHRASE)
    unlocked = cli("unlock", "--home", path)
    # Nowhere on a disk: not in the runtime dir given, not under /tmp (the old fallback).
    assert _files(disk) == []
    assert not [p for p in _named(Path("/tmp"), cache_name) if not memory_backed(p)]
    if memory_backed(Path("/dev/shm")):
        assert unlocked.code == 0, unlocked.err
        cached = list(Path("/dev/shm").rglob("*.key"))
        assert cached and all(memory_backed(p) for p in cached)
        assert cli("lock", "--home", path).code == 0
    else:
        assert unlocked.code != 0 and "nothing was written" in unlocked.err
