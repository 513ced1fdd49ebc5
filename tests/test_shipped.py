"""Models shipped in wheels: the parts join in order, a wrong hash is refused, and
the real Qwen parts join to the upstream file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from truehearth.mouths import shipped
from truehearth.mouths.errors import ModelFileError


def _parts(tmp_path: Path) -> list[Path]:
    parts = []
    for n, data in enumerate((b"GGUF-one-", b"two-", b"three")):
        p = tmp_path / f"part{n}.bin"
        p.write_bytes(data)
        parts.append(p)
    return parts


def test_parts_join_in_order_and_the_hash_is_stamped(tmp_path: Path) -> None:
    want = hashlib.sha256(b"GGUF-one-two-three").hexdigest()
    target = tmp_path / "cache" / "m.gguf"
    target.parent.mkdir()
    joined = shipped.join_verified(_parts(tmp_path), target, want)
    assert joined.read_bytes() == b"GGUF-one-two-three"
    assert shipped._still_verified(joined, want)


def test_a_wrong_hash_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    target = tmp_path / "m.gguf"
    with pytest.raises(ModelFileError, match="refusing it"):
        shipped.join_verified(_parts(tmp_path), target, "0" * 64)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_changed_cache_file_is_no_longer_verified(tmp_path: Path) -> None:
    want = hashlib.sha256(b"GGUF-one-two-three").hexdigest()
    joined = shipped.join_verified(_parts(tmp_path), tmp_path / "m.gguf", want)
    joined.write_bytes(b"GGUF-one-two-threX")
    assert not shipped._still_verified(joined, want)


@pytest.mark.slow
def test_the_qwen_parts_join_to_the_upstream_file() -> None:
    try:
        parts = shipped.qwen_part_paths()
    except ModelFileError as exc:
        pytest.skip(f"the judge extra is not installed: {exc}")
    assert len(parts) == shipped.QWEN_PARTS
    path = shipped.qwen_coder_path()
    assert path.stat().st_size == sum(p.stat().st_size for p in parts)
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"
    assert shipped._still_verified(path, shipped.QWEN_SHA256)
