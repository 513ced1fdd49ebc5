"""The structure a human confirms with a boundary, checked before it is journaled.

A boundary's text is what the human wrote; its structure says how the check
should read it: the words it forbids, the topic it keeps out (checked by
meaning), the specific markers of that topic, whether it applies only until
the human raises the subject, and whether it is a consent rule ("ask first").
Reading the structure from the text is a guess; giving it with the proposal
lets the human confirm the reading, and the check then uses exactly what was
confirmed. This module only checks the shape (it is part of the consent act,
so every way in, CLI, API or MCP, is held to it); what the check does with it
lives in :mod:`truehearth.continuity.identity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from truehearth.core.errors import InvalidInput

STRUCTURE = "structure"
"""The key of a proposal's (and so its record's) ``meta`` that holds the structure."""

FIELDS = ("words", "topic", "anchors", "unless_raised", "ask_first")
MAX_ITEMS = 50
MAX_CHARS = 200

_TEXTS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": MAX_CHARS},
    "maxItems": MAX_ITEMS,
}
JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "How the continuity check reads the boundary; it must forbid words, a topic or "
        "markers. The human sees it and confirms it by accepting."
    ),
    "properties": {
        "words": {**_TEXTS, "description": "Words or names the boundary forbids."},
        "topic": {
            "type": "string",
            "maxLength": MAX_CHARS,
            "description": "The topic it keeps out, in its own words (checked by meaning).",
        },
        "anchors": {
            **_TEXTS,
            "description": "Specific markers of the topic (names, things); each raises it.",
        },
        "unless_raised": {
            "type": "boolean",
            "description": "It holds only until the human raises the topic first.",
        },
        "ask_first": {
            "type": "boolean",
            "description": "A consent rule: ask before acting on the topic.",
        },
    },
    "additionalProperties": False,
}
"""The shape :func:`checked_structure` accepts, as JSON Schema, for clients to read (the MCP
tool documents its ``structure`` argument with it); the check itself stays the function's."""


def checked_structure(data: object, where: str = "boundary structure") -> dict[str, Any]:
    """``data`` as a normalised structure, or :class:`InvalidInput` in one line.

    Lists hold short non-empty texts, ``topic`` is text, the flags are booleans,
    and a structure must forbid something (words, a topic or markers).
    """
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: expected a mapping of {', '.join(FIELDS)}")
    unknown = sorted(str(k) for k in data if k not in FIELDS)
    if unknown:
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}; allowed: {list(FIELDS)}")
    out: dict[str, Any] = {}
    for key in ("words", "anchors"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v.strip() and len(v) <= MAX_CHARS for v in value
        ):
            raise InvalidInput(
                f"{where}: {key!r} must be a list of non-empty texts (≤ {MAX_CHARS} characters)"
            )
        if len(value) > MAX_ITEMS:
            raise InvalidInput(f"{where}: {key!r} holds more than {MAX_ITEMS} items")
        if value:
            out[key] = [v.strip() for v in value]
    topic = data.get("topic", "")
    if not isinstance(topic, str) or len(topic) > MAX_CHARS:
        raise InvalidInput(f"{where}: 'topic' must be text of at most {MAX_CHARS} characters")
    if topic.strip():
        out["topic"] = topic.strip()
    for key in ("unless_raised", "ask_first"):
        flag = data.get(key, False)
        if not isinstance(flag, bool):
            raise InvalidInput(f"{where}: {key!r} must be true or false")
        if flag:
            out[key] = True
    if not (out.get("words") or out.get("topic") or out.get("anchors")):
        raise InvalidInput(f"{where}: a boundary must forbid words, a topic or markers")
    return out
