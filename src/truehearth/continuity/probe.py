"""The probe format: what a continuity probe states, and its loader.

A probe is one situation put to a mouth. It says which home it needs (the
bundled fixture companion, or the user's own home), the conversation so far,
the message under test with its adversarial variants, and the checks to apply
to the reply. Probes live in YAML files, one file per dimension; the built-in
suite ships in ``continuity/probes/``. The format is documented in
docs/CONTINUITY.md. A malformed probe file is refused with one line naming the
file and the probe, never half-loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from truehearth.continuity.dimensions import DEFAULT_CHECKS, DIMENSIONS, canonical_dimension
from truehearth.continuity.identity import rule_from_mapping
from truehearth.core.errors import InvalidInput
from truehearth.mouths.base import Message

BUILTIN_PROBES = Path(__file__).parent / "probes"
HOMES = ("fixture", "own")
_ROLES = ("user", "assistant")


class ProbeFormatError(InvalidInput):
    """A probe file that does not follow the documented format."""


@dataclass(frozen=True, slots=True)
class Check:
    """One scorer to apply to the reply, with the scorer's parameters."""

    scorer: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Probe:
    id: str
    dimension: str
    message: str
    checks: tuple[Check, ...]
    history: tuple[Message, ...] = ()
    variants: tuple[str, ...] = ()
    home: str = "fixture"
    reference: str | None = None

    @property
    def messages_under_test(self) -> tuple[str, ...]:
        """The message itself, then each adversarial variant."""
        return (self.message, *self.variants)


@dataclass(frozen=True, slots=True)
class Suite:
    probes: tuple[Probe, ...]
    source: str

    def by_id(self) -> dict[str, Probe]:
        return {p.id: p for p in self.probes}

    def dimensions(self) -> list[str]:
        present = {p.dimension for p in self.probes}
        return [d for d in DIMENSIONS if d in present]


def load_suite(path: Path | None = None, *, known_scorers: Sequence[str] = ()) -> Suite:
    """Load every ``*.yaml`` probe file in ``path`` (default: the built-in suite)."""
    root = path or BUILTIN_PROBES
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted(root.glob("*.yaml"))
    else:
        raise ProbeFormatError(f"no probe file or directory at {root}")
    if not files:
        raise ProbeFormatError(f"no *.yaml probe files in {root}")
    probes: list[Probe] = []
    for file in files:
        probes.extend(load_file(file, known_scorers=known_scorers))
    return _suite(probes, str(root))


def suite_from_data(
    files: Sequence[tuple[str, Any]], source: str, *, known_scorers: Sequence[str] = ()
) -> Suite:
    """A suite from already-parsed probe files (``(name, data)``), e.g. from a signed pack."""
    if not files:
        raise ProbeFormatError(f"no probe files in {source}")
    probes = [p for name, data in files for p in parse_file(name, data, known_scorers)]
    return _suite(probes, source)


def _suite(probes: list[Probe], source: str) -> Suite:
    seen: set[str] = set()
    for probe in probes:
        if probe.id in seen:
            raise ProbeFormatError(f"probe id {probe.id!r} appears twice in {source}")
        seen.add(probe.id)
    return Suite(tuple(probes), source)


def load_file(file: Path, *, known_scorers: Sequence[str] = ()) -> list[Probe]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ProbeFormatError(f"{file.name}: not readable YAML ({first})") from None
    return parse_file(file.name, data, known_scorers)


def parse_file(name: str, data: Any, known_scorers: Sequence[str] = ()) -> list[Probe]:
    """The probes of one parsed probe file, refused whole if any part is malformed."""
    if not isinstance(data, dict):
        raise ProbeFormatError(f"{name}: expected a mapping with 'dimension' and 'probes'")
    dimension = data.get("dimension")
    if isinstance(dimension, str):
        dimension = canonical_dimension(dimension)
    if dimension not in DIMENSIONS:
        raise ProbeFormatError(
            f"{name}: unknown dimension {dimension!r}; choose one of: {', '.join(DIMENSIONS)}"
        )
    raw = data.get("probes")
    if not isinstance(raw, list) or not raw:
        raise ProbeFormatError(f"{name}: 'probes' must be a non-empty list")
    return [_probe(name, str(dimension), item, known_scorers) for item in raw]


def _probe(where: str, dimension: str, item: Any, known: Sequence[str]) -> Probe:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise ProbeFormatError(f"{where}: every probe needs a string 'id'")
    pid = item["id"]
    here = f"{where}: probe {pid!r}"
    message = item.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ProbeFormatError(f"{here}: 'message' must be non-empty text")
    variants = item.get("variants", [])
    if not isinstance(variants, list) or not all(isinstance(v, str) and v for v in variants):
        raise ProbeFormatError(f"{here}: 'variants' must be a list of non-empty texts")
    home = item.get("home", "fixture")
    if home not in HOMES:
        raise ProbeFormatError(f"{here}: 'home' must be one of: {', '.join(HOMES)}")
    reference = item.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise ProbeFormatError(f"{here}: 'reference' must be text")
    return Probe(
        id=pid,
        dimension=dimension,
        message=message.strip(),
        checks=_checks(here, item.get("checks", _defaults(dimension)), known),
        history=_history(here, item.get("history", [])),
        variants=tuple(v.strip() for v in variants),
        home=home,
        reference=reference,
    )


def _defaults(dimension: str) -> list[dict[str, str]]:
    """A probe that names no checks gets its dimension's default checks."""
    return [{"scorer": name} for name in DEFAULT_CHECKS.get(dimension, ())]


def _checks(here: str, raw: Any, known: Sequence[str]) -> tuple[Check, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProbeFormatError(f"{here}: 'checks' must be a non-empty list")
    checks: list[Check] = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("scorer"), str):
            raise ProbeFormatError(f"{here}: each check needs a 'scorer' name")
        name = entry["scorer"]
        if known and name not in known:
            raise ProbeFormatError(f"{here}: unknown scorer {name!r}")
        params = {k: v for k, v in entry.items() if k != "scorer"}
        if "structure" in params:
            params["structure"] = _structure(here, params["structure"])
        for key, value in params.items():
            if key == "structure":
                continue
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise ProbeFormatError(f"{here}: check parameter {key!r} must list texts")
        checks.append(Check(name, params))
    return tuple(checks)


def _structure(here: str, raw: Any) -> list[dict[str, Any]]:
    """A hand-written boundary structure, validated now so a bad one never runs."""
    if not isinstance(raw, list) or not raw:
        raise ProbeFormatError(f"{here}: 'structure' must be a non-empty list of boundaries")
    for number, item in enumerate(raw, 1):
        try:
            rule_from_mapping(item, f"structure #{number}")
        except InvalidInput as exc:
            raise ProbeFormatError(f"{here}: {exc}") from None
    return [dict(item) for item in raw]


def _history(here: str, raw: Any) -> tuple[Message, ...]:
    if not isinstance(raw, list):
        raise ProbeFormatError(f"{here}: 'history' must be a list of {{role, content}}")
    turns: list[Message] = []
    for turn in raw:
        role = turn.get("role") if isinstance(turn, dict) else None
        content = turn.get("content") if isinstance(turn, dict) else None
        if role not in _ROLES or not isinstance(content, str) or not content.strip():
            raise ProbeFormatError(
                f"{here}: each history turn needs role user|assistant and non-empty content"
            )
        turns.append(Message("user" if role == "user" else "assistant", content))
    return tuple(turns)
