"""Foreign values made storable: text cleaned, JSON made canonical-safe, dates parsed.

Whatever a format hands over -- a lone surrogate, a NUL byte, a float, a
number too large for the journal, a timestamp in some unit -- leaves here as
something the journal's canonical JSON accepts, or as nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from truehearth.core.canonical import INT_MAX, INT_MIN


def sanitize(text: str) -> str:
    """Make any decoded string storable: no lone surrogates, no NUL bytes."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\x00", "\ufffd")


def json_safe(value: Any) -> Any:
    """Journal data takes no floats, no odd types, no huge integers: turn them into strings."""
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if INT_MIN <= value <= INT_MAX else str(value)
    if isinstance(value, dict):
        return {sanitize(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return str(value)


def clean_strings(value: Any) -> Any:
    """``value`` with every string (and key) made storable, everything else untouched.

    For JSON kept whole as text (a card's own JSON), where floats must stay
    floats so the card can travel on unchanged.
    """
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, dict):
        return {sanitize(str(k)): clean_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    return value


def iso_time(value: object) -> str | None:
    """An ISO 8601 date or date-time (``Z`` accepted) parsed and rendered anew, if valid.

    Dates from an imported file are never copied: a field that starts with four
    digits may carry anything after them, and dates reach a prompt's labels.
    """
    if not isinstance(value, str) or not 8 <= len(value.strip()) <= 40:
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None and len(text) <= 10:
        return parsed.date().isoformat()
    return parsed.isoformat()


def epoch_to_iso(value: object) -> str | None:
    """A Unix timestamp (int, float, Decimal or numeric string) as ISO 8601 UTC, if valid."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value) if isinstance(value, (int, float)) else float(str(value)[:64])
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return None


def text_of(value: object) -> str:
    """Text from a value that should be a string; anything else is rendered as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)
