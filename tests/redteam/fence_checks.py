"""What every red-team fence test asserts about a prompt.

A model reads a prompt as lines. So the checks split the prompt the way a
tokenizer might (``str.splitlines`` also breaks at U+2028, U+2029, U+0085 and
the other separators) and then demand that

- outside the fences, no line carries the attacker's payload;
- inside a fence, every line is exactly one well-formed item: a label built
  from enumerated values and a parsed date, then one quoted JSON string;
- no invisible or line-breaking character appears raw anywhere.
"""

from __future__ import annotations

import json
import re
import unicodedata

from truehearth.context import Context

_LABEL = (
    r"\[(?:memory|reflection|note|archive) \| voice (?:human|companion|system|external)"
    r'(?: via (?:"[A-Za-z0-9][A-Za-z0-9._:/@+-]*"|an unnamed mouth))?'
    r" \| (?:verified|untrusted|quarantined) \| (?:\d{4}-\d{2}-\d{2}|undated)\]"
)
_QUOTED = r'"(?:[^"\\]|\\.)*"'
ITEM_LINE = re.compile(
    _LABEL
    + rf"(?: ({_QUOTED})(?: \(cut: first [\d,]+ of [\d,]+ characters; record {_QUOTED}\))?"
    + r"| \(withheld: \d+ words held in quarantine, not shown\))"
)
UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def prompt_text(ctx: Context) -> str:
    """Everything the mouth is given except the human's own new message."""
    return "\n".join(m.content for m in ctx.messages[:-1])


def raw_unsafe(text: str) -> list[str]:
    return [f"U+{ord(ch):04X}" for ch in text if ch != "\n" and unicodedata.category(ch) in UNSAFE]


def assert_fenced(ctx: Context, payload: str) -> list[str]:
    """Assert the checks above; return the texts quoted inside the fences."""
    text = prompt_text(ctx)
    assert raw_unsafe(text) == []
    quoted: list[str] = []
    inside: str | None = None
    for line in text.splitlines():
        if inside is None:
            assert payload not in line, f"payload outside every fence: {line!r}"
            if line.startswith("<<<"):
                inside = line[3:]
            continue
        if line == f"{inside}>>>":
            inside = None
            continue
        match = ITEM_LINE.fullmatch(line)
        assert match is not None, f"not one well-formed item: {line!r}"
        if match.group(1) is not None:
            quoted.append(json.loads(match.group(1)))
    assert inside is None, "a fence was left open"
    return quoted
