"""truehearth.scratch on real files: whole or absent, and never over another's file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from truehearth import scratch


def _hidden(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_write_new_writes_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "card.json"
    scratch.write_new(out, b"the card\n", "card")
    assert out.read_bytes() == b"the card\n"
    assert _hidden(tmp_path) == []


def test_write_new_keeps_a_file_that_is_already_there(tmp_path: Path) -> None:
    out = tmp_path / "card.json"
    out.write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        scratch.write_new(out, b"ours", "card")
    assert out.read_bytes() == b"theirs" and _hidden(tmp_path) == []


def _written(directory: Path, data: bytes) -> Path:
    fd, tmp = scratch.scratch(directory, "bundle")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return tmp


def test_publishing_keeps_a_file_that_appeared_while_writing(tmp_path: Path) -> None:
    """The check that the name is free is the publishing step itself, not an earlier look."""
    out = tmp_path / "ash.zip"
    tmp = _written(tmp_path, b"ours")
    out.write_bytes(b"theirs, made meanwhile")
    with pytest.raises(FileExistsError):
        scratch.publish_new(tmp, out)
    assert out.read_bytes() == b"theirs, made meanwhile"
    assert tmp.read_bytes() == b"ours"  # the caller's to remove
    scratch.publish_new(tmp, tmp_path / "free.zip")
    assert (tmp_path / "free.zip").read_bytes() == b"ours" and not tmp.exists()


def test_publishing_on_a_filesystem_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAT (a USB stick) refuses ``link`` with EPERM: the name is claimed with O_EXCL instead."""

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    out = tmp_path / "ash.zip"
    tmp = _written(tmp_path, b"ours")
    scratch.publish_new(tmp, out)
    assert out.read_bytes() == b"ours" and not tmp.exists()
    again = _written(tmp_path, b"second")
    with pytest.raises(FileExistsError):
        scratch.publish_new(again, out)
    assert out.read_bytes() == b"ours"


def test_a_failed_write_names_the_destination_not_the_temporary_file(tmp_path: Path) -> None:
    """The user gave the destination: an error naming a ``.KIND-PID-….tmp`` would puzzle them."""
    a_file = tmp_path / "report.txt"
    a_file.write_text("mine")
    with pytest.raises(NotADirectoryError) as failed:
        scratch.write_atomically(a_file / "chart.svg", b"<svg/>", "chart")
    assert failed.value.filename == str(a_file / "chart.svg")
    (tmp_path / "a dir").mkdir()
    with pytest.raises(IsADirectoryError) as onto_dir:
        scratch.write_atomically(tmp_path / "a dir", b"<svg/>", "chart")
    assert onto_dir.value.filename == str(tmp_path / "a dir")
    assert _hidden(tmp_path) == [] and a_file.read_text() == "mine"
