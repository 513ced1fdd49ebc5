"""Older character formats SillyTavern still imports, read as V1 card fields.

* Pygmalion / early text-generation-webui JSON: ``char_name``,
  ``char_persona``, ``char_greeting``, ``world_scenario``, ``example_dialogue``;
* text-generation-webui's YAML character: ``name`` (or ``bot``), ``context``,
  ``greeting`` and optionally ``example_dialogue`` (``your_name``/``user`` name
  the human and are kept only in the archived card).

Both are recognised by their shape, not their file name, and mapped to the
fields a V1 card has, so the card importer treats them like any other card:
the persona becomes a proposal for core, the rest archive.

YAML is parsed with the safe loader after a pass over its events that
refuses anchors and aliases (an alias bomb expands to billions of values
once walked) and nesting deeper than the JSON limit.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from truehearth.core.errors import InvalidInput
from truehearth.exchange.limits import VALUE_COST, Limits
from truehearth.exchange.values import text_of

PYGMALION = {
    "char_name": "name",
    "char_persona": "description",
    "char_greeting": "first_mes",
    "world_scenario": "scenario",
    "example_dialogue": "mes_example",
}
OOBA_YAML = {
    "context": "description",
    "greeting": "first_mes",
    "example_dialogue": "mes_example",
}
MAX_YAML_BYTES = 4 * 1024 * 1024  # a YAML character is a few kilobytes; YAML parsing is slow
_YAML_KEY = re.compile(rb"^(name|bot|context|greeting)\s*:", re.MULTILINE)


def is_pygmalion(card: dict[str, Any]) -> bool:
    return "spec" not in card and "char_name" in card


def from_pygmalion(card: dict[str, Any]) -> dict[str, Any]:
    """A Pygmalion card's fields under their V1 names."""
    return {v1: text_of(card.get(old)) for old, v1 in PYGMALION.items() if old in card}


def looks_like_yaml(raw: bytes) -> bool:
    """Not JSON, and a top-level key an ooba character has."""
    return raw.lstrip()[:1] not in (b"{", b"[") and _YAML_KEY.search(raw[:65_536]) is not None


def from_yaml(raw: bytes, limits: Limits) -> dict[str, Any]:
    """An ooba YAML character as a V1 card (the original kept under ``ooba``)."""
    if len(raw) > MAX_YAML_BYTES:
        raise InvalidInput("a YAML character larger than 4 MiB is not a character")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the character card: not UTF-8 text") from exc
    try:
        _check_events(text, limits)
        data = yaml.load(text, Loader=_loader())  # a safe loader: see _loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InvalidInput(f"the character card: malformed YAML{where}") from exc
    if not isinstance(data, dict):
        raise InvalidInput("not a character card: the YAML is not a mapping")
    data = {str(k): v for k, v in data.items()}
    name = _scalar(data.get("name") or data.get("bot")).strip()
    if not name or not ({"context", "greeting"} & set(data)):
        raise InvalidInput("not a character card: the YAML has no name and context or greeting")
    card: dict[str, Any] = {"name": name}
    card.update({v1: _scalar(data[old]) for old, v1 in OOBA_YAML.items() if old in data})
    card["ooba"] = {k: _scalar(v) for k, v in data.items()}
    return card


def _scalar(value: object) -> str:
    """YAML reads ``2020-01-01`` as a date and ``12`` as a number; a card means the text."""
    if isinstance(value, (dict, list)) or value is None:
        return text_of(value)
    return str(value)


def _loader() -> type[yaml.SafeLoader]:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_events(text: str, limits: Limits) -> None:
    depth = 0
    budget = limits.max_item_bytes - len(text)
    for event in yaml.parse(text, Loader=_loader()):
        budget -= VALUE_COST
        if budget < 0:
            raise InvalidInput("the character card: the YAML holds too many values")
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise InvalidInput("the character card: YAML anchors and aliases are not accepted")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > limits.max_depth:
                raise InvalidInput(
                    f"the character card: YAML nested deeper than {limits.max_depth} levels"
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
