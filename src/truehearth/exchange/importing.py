"""What every importer shares: limits, streaming, one transaction, idempotency.

A format module only turns bytes into a stream of :class:`Item` (an archive
record to be) and :class:`Suggestion` (a proposal for core or boundary). This
module does the rest, the same way for every format:

* the file is hashed first (SHA-256); a file whose hash is already recorded as
  an ``import`` entity is a no-op, so importing twice changes nothing;
* limits refuse multi-gigabyte files and zip bombs before any work is done;
* items are streamed into :meth:`Home.append_stream` in batches, so memory
  stays flat, and the whole import is one transaction: malformed input found
  at the last byte still writes nothing;
* every item lands as layer ``archive``, voice ``external``, trust
  ``untrusted`` -- or ``quarantined`` with the reason when
  :mod:`truehearth.core.injection` flags it -- carrying the file's SHA-256
  and a locator.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from truehearth.core import acts
from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.core.events import Draft, Effect
from truehearth.core.ids import new_id
from truehearth.core.injection import detect
from truehearth.core.policy import check_direct_write
from truehearth.core.records import (
    MAX_TEXT_CHARS,
    Layer,
    ProposalAction,
    Record,
    Source,
    Trust,
    Voice,
)
from truehearth.home import Home

IMPORT = "import"
BATCH = 500
Progress = Callable[[int], None]


# What reading a damaged or hostile zip can raise: zipfile signals an unsupported
# compression method with NotImplementedError and a bad password with RuntimeError.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much an import may read; generous for real archives, fatal for bombs."""

    max_file_bytes: int = 2 * 1024**3
    max_unpacked_bytes: int = 4 * 1024**3
    max_ratio: int = 200
    max_members: int = 10_000


@dataclass(frozen=True, slots=True)
class Item:
    """One archive record to be, in the words of its format."""

    text: str
    locator: str
    session: str | None = None
    valid_from: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Text that would change identity: it becomes a proposal, never a record."""

    layer: Layer
    text: str
    locator: str
    why: str


Parsed = Item | Suggestion
Parser = Callable[[IO[bytes], Limits], Iterator[Parsed]]


@dataclass(slots=True)
class ImportReport:
    """What one import did (or, for a file seen before, that it did nothing)."""

    format: str
    file: str
    sha256: str
    records: int = 0
    quarantined: int = 0
    proposals: int = 0
    skipped: int = 0
    already_imported: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "file": self.file,
            "sha256": self.sha256,
            "records": self.records,
            "quarantined": self.quarantined,
            "proposals": self.proposals,
            "skipped": self.skipped,
            "already_imported": self.already_imported,
        }


def file_sha256(path: Path, progress: Progress | None = None) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            h.update(chunk)
            if progress:
                progress(len(chunk))
    return h.hexdigest()


def check_file(path: Path, limits: Limits) -> int:
    """Refuse what is not a readable regular file or is too large; return its size."""
    if not path.is_file():
        raise InvalidInput(f"no file at {path}")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise InvalidInput(
            f"{path.name} is {size / 1024**3:.1f} GiB; imports are limited to "
            f"{limits.max_file_bytes / 1024**3:.1f} GiB"
        )
    if size == 0:
        raise InvalidInput(f"{path.name} is empty")
    return size


def import_file(
    home: Home,
    path: Path,
    fmt: str,
    parser: Parser,
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file in one transaction; a file already imported is a no-op."""
    limits = limits or Limits()
    check_file(path, limits)
    sha = file_sha256(path)
    report = ImportReport(fmt, path.name, sha)

    def build(now: str) -> Iterator[Draft]:
        if home.store.get(IMPORT, sha) is not None:
            report.already_imported = True
            return iter(())
        return _drafts(path, parser, limits, report, now, progress)

    home.append_stream(build)
    return report


def parse_bytes(data: bytes, parser: Parser, limits: Limits | None = None) -> list[Parsed]:
    """Parse in memory, with the same error translation as a real import (tests, fuzzing)."""
    return list(_guarded(parser(io.BytesIO(data), limits or Limits()), "input"))


def _drafts(
    path: Path,
    parser: Parser,
    limits: Limits,
    report: ImportReport,
    now: str,
    progress: Progress | None,
) -> Iterator[Draft]:
    source = Source(via="import", import_sha256=report.sha256)
    with path.open("rb") as raw:
        stream: IO[bytes] = io.BufferedReader(_Counting(raw, progress)) if progress else raw
        batch: list[Effect] = []
        for parsed in _guarded(parser(stream, limits), path.name):
            batch.extend(effects_for(parsed, source, now, report))
            if len(batch) >= BATCH:
                yield _batch_draft(batch, report)
                batch = []
        if batch:
            yield _batch_draft(batch, report)
    if not (report.records or report.proposals):
        raise InvalidInput(f"{path.name} holds nothing to import ({report.format})")
    if file_sha256(path) != report.sha256:
        raise InvalidInput(f"{path.name} changed while it was being imported; nothing was written")
    summary = {**report.to_json(), "imported_at": now}
    del summary["already_imported"]
    yield Draft(
        "import.completed",
        Voice.HUMAN.value,
        {"sha256": report.sha256, "format": report.format, "records": report.records},
        [Effect(IMPORT, report.sha256, summary)],
    )


def _batch_draft(effects: list[Effect], report: ImportReport) -> Draft:
    payload = {"sha256": report.sha256, "format": report.format, "count": len(effects)}
    return Draft("import.batch", Voice.HUMAN.value, payload, effects)


def effects_for(parsed: Parsed, base: Source, now: str, report: ImportReport) -> list[Effect]:
    """The journal effects one parsed item becomes (records, or one proposal)."""
    if isinstance(parsed, Suggestion):
        return [_suggestion_effect(parsed, base, now, report)]
    text = sanitize(parsed.text).strip()
    if not text:
        report.skipped += 1
        return []
    pieces = [text[i : i + MAX_TEXT_CHARS] for i in range(0, len(text), MAX_TEXT_CHARS)]
    effects = []
    for part, piece in enumerate(pieces):
        meta = {**parsed.meta, "format": report.format}
        if len(pieces) > 1:
            meta["part"] = part
        effects.append(acts.record_effect(_record(parsed, piece, base, now, meta, report)))
    return effects


def _record(
    item: Item, text: str, base: Source, now: str, meta: dict[str, Any], report: ImportReport
) -> Record:
    source = Source(
        via=base.via,
        import_sha256=base.import_sha256,
        locator=sanitize(item.locator),
        session=sanitize(item.session) if item.session else None,
    )
    check_direct_write(Layer.ARCHIVE, Voice.EXTERNAL, source)
    finding = detect(text)
    report.records += 1
    if finding:
        report.quarantined += 1
    return Record(
        id=new_id("r"),
        layer=Layer.ARCHIVE,
        text=text,
        voice=Voice.EXTERNAL,
        trust=Trust.QUARANTINED if finding else Trust.UNTRUSTED,
        source=source,
        recorded_at=now,
        valid_from=item.valid_from,
        reason=finding.reason if finding else None,
        meta=json_safe(meta),
    )


def _suggestion_effect(item: Suggestion, base: Source, now: str, report: ImportReport) -> Effect:
    text = sanitize(item.text).strip()[:MAX_TEXT_CHARS]
    finding = detect(text)
    why = item.why + (f"; warning: {finding.reason}" if finding else "")
    source = Source(via=base.via, import_sha256=base.import_sha256, locator=item.locator)
    draft = acts.propose(
        proposal_id=new_id("p"),
        layer=item.layer,
        action=ProposalAction.ADD,
        text=text,
        voice=Voice.EXTERNAL,
        actor=Voice.HUMAN,
        source=source,
        now=now,
        why=sanitize(why)[:2_000],
    )
    report.proposals += 1
    return draft.effects[0]


def sanitize(text: str) -> str:
    """Make any decoded string storable: no lone surrogates, no NUL bytes."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\x00", "\ufffd")


def json_safe(value: Any) -> Any:
    """Journal data takes no floats and no odd types: turn them into strings."""
    if isinstance(value, str):
        return sanitize(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, dict):
        return {sanitize(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return str(value)


def epoch_to_iso(value: object) -> str | None:
    """A Unix timestamp (int, float, Decimal or numeric string) as ISO 8601 UTC, if valid."""
    try:
        seconds = float(str(value))
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def text_of(value: object) -> str:
    """Text from a value that should be a string; anything else is rendered as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)


def open_zip_member(
    stream: IO[bytes], limits: Limits, choose: Callable[[str], bool], what: str
) -> IO[bytes]:
    """Open the first member ``choose`` accepts, refusing bombs and truncated archives."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise InvalidInput(f"not a readable zip archive (truncated or damaged): {exc}") from exc
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise InvalidInput(f"the zip holds {len(infos):,} files; the limit is {limits.max_members}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked_bytes:
        raise InvalidInput("the zip unpacks to more than the import limit (a zip bomb?)")
    for info in infos:
        if info.is_dir() or not choose(info.filename):
            continue
        if info.file_size > limits.max_ratio * max(info.compress_size, 1) + 1024:
            raise InvalidInput(f"{info.filename} in the zip is compressed suspiciously far")
        try:
            member = archive.open(info)
        except ZIP_ERRORS as exc:
            raise InvalidInput(f"cannot open {info.filename} in the zip: {exc}") from exc
        return io.BufferedReader(_Bounded(member, info.file_size))
    raise InvalidInput(f"the zip holds no {what}")


class _Counting(io.RawIOBase):
    """A read-through stream that reports how many bytes were read (progress bars)."""

    def __init__(self, inner: IO[bytes], progress: Progress) -> None:
        self._inner = inner
        self._progress = progress

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self._progress(len(data))
        return len(data)


class _Bounded(io.RawIOBase):
    """A zip member that may not unpack to more than it declared (headers can lie)."""

    def __init__(self, inner: IO[bytes], declared: int) -> None:
        self._inner = inner
        self._left = declared

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise InvalidInput("a zip member unpacks to more than it declares (a zip bomb?)")
        buffer[: len(data)] = data
        return len(data)


def _guarded(items: Iterable[Parsed], name: str) -> Iterator[Parsed]:
    """Turn every way a parser can fail on bad bytes into one clear line."""
    try:
        yield from items
    except TruehearthError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InvalidInput(f"{name}: the archive is truncated or damaged ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: not UTF-8 text (binary junk?) at byte {exc.start}") from exc
    except RecursionError as exc:
        raise InvalidInput(f"{name}: nested too deeply to be a real export") from exc
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        kind = type(exc).__name__
        detail = str(exc).splitlines()[0][:160] if str(exc) else kind
        raise InvalidInput(f"{name}: malformed or wrong format ({detail})") from exc
