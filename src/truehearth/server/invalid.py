"""Pydantic's validation errors, said in one line a person can act on.

Pydantic locates a failure by its path, and inside a union it adds the member
it tried (``function-after[_encodable(), str]``, ``list[ContentPart]``): words
of the validator, not of the request. A frontend shows the message to its
user and programs read ``param``, so both the proxy and the MCP tools name the
field as the request spells it, and a union says what it accepts
("must be a string or a list of content parts") instead of one line per member.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Members of a union pydantic names by their type; anything with brackets is one too.
_TYPE_TAGS = {"str", "int", "float", "bool", "none", "list", "dict"}
_WRAPPED = re.compile(r"^function-\w+\[[^,\]]*, (?P<inner>.*)\]$")
_KINDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "dict": "an object",
    "none": "null",
}


# Pydantic's wording by error type, for the MCP tools' one-line answers.
_MUST_BE = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "list_type": "a list",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """One field at fault: where (as the request spells it), what is wrong, whether missing."""

    where: str
    what: str
    missing: bool


def _is_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part in _TYPE_TAGS)


def kind(tag: str) -> str:
    """What a union member accepts, in words: ``list[ContentPart]`` is a list of content parts."""
    wrapped = _WRAPPED.match(tag)
    if wrapped:
        return kind(wrapped.group("inner"))
    if tag.startswith("list[") and tag.endswith("]"):
        inner = kind(tag[5:-1])
        return "a list of " + (inner.split(" ", 1)[1] + "s" if " " in inner else inner)
    if tag in _KINDS:
        return _KINDS[tag]
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", tag).lower()
    return "an " + words if words[:1] in "aeiou" else "a " + words


def _said(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def faults(errors: Iterable[Mapping[str, Any]], *, skip: Sequence[str] = ()) -> list[Fault]:
    """The fields at fault, in order, each once; a union's members folded into one."""
    groups: dict[str, list[tuple[str | None, Mapping[str, Any]]]] = {}
    for error in errors:
        loc = [p for p in error.get("loc", ()) if p not in skip]
        at = next((i for i, p in enumerate(loc) if _is_tag(p)), None)
        where = ".".join(str(p) for p in (loc if at is None else loc[:at]))
        groups.setdefault(where, []).append((None if at is None else str(loc[at]), error))
    found = []
    for where, members in groups.items():
        tags = [tag for tag, _ in members if tag is not None]
        said = [e for _, e in members if e.get("type") == "value_error"]
        if said or not tags:
            first = said[0] if said else members[0][1]
            found.append(Fault(where, _said(first), first.get("type") == "missing"))
            continue
        kinds = list(dict.fromkeys(kind(tag) for tag in tags))
        found.append(Fault(where, "must be " + " or ".join(kinds), False))
    return found


def in_a_line(errors: Iterable[Mapping[str, Any]]) -> str:
    """Every field at fault in one line, as an MCP tool's caller reads it.

    ``'query' is missing; 'limit' must be an integer``: pydantic's own text runs
    over several lines, with its error codes and a link to its website.
    """
    plain = []
    for error in errors:
        kind_of = _MUST_BE.get(str(error.get("type")))
        plain.append({**error, "msg": f"must be {kind_of}"} if kind_of else dict(error))
    return "; ".join(_said_of(fault) for fault in faults(plain))


def _said_of(fault: Fault) -> str:
    if fault.missing:
        return f"'{fault.where}' is missing"
    what = " ".join(fault.what.split())
    if what.startswith("Input should be "):
        what = "must be " + what.removeprefix("Input should be ")
    return f"'{fault.where}' {what}" if what.startswith("must be") else f"'{fault.where}': {what}"
