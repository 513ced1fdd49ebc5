"""Re-validating structured output: what a mouth returns is checked, never trusted.

A grammar (llama.cpp) or a server's structured-output mode constrains the
sampler, but a reply cut off by ``max_tokens``, a server that ignores the
request, or a model that fills a field with the wrong type still reaches us.
Every caller of ``complete_json`` parses through :func:`parse`, which accepts
exactly what the schema describes and says in one line why anything else
was refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema

from truehearth.mouths.errors import MouthMisbehaved


def parse(text: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object in ``text`` if it fits ``schema``; :class:`MouthMisbehaved` otherwise."""
    try:
        value = json.loads(text)
    except ValueError:
        raise MouthMisbehaved(f"the mouth's structured reply is not JSON: {text[:60]!r}") from None
    try:
        jsonschema.validate(value, dict(schema))
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the reply"
        raise MouthMisbehaved(
            f"the mouth's structured reply does not fit ({where}: {exc.message})"
        ) from None
    if not isinstance(value, dict):
        raise MouthMisbehaved("the mouth's structured reply is not a JSON object")
    return value
