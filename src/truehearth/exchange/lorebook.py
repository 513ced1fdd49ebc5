"""SillyTavern world info (lorebooks): standalone files and a card's ``character_book``.

A lorebook is a list of entries, each a piece of text with the keywords that
make a frontend insert it into the prompt. Two shapes carry the same thing:

* SillyTavern's own world-info file: ``entries`` is an object keyed by uid,
  each entry with ``key`` and ``keysecondary`` (lists), ``content``,
  ``comment``, ``disable`` and ``constant``;
* the card spec's ``character_book`` (V2/V3, embedded in a card or saved on
  its own): ``entries`` is a list, each with ``keys``, ``secondary_keys``,
  ``content``, ``comment`` or ``name``, ``enabled`` and ``constant``;
* and, mapped as SillyTavern maps them, NovelAI (``lorebookVersion``), Agnai
  (``kind: memory``) and RisuAI (``type: risu``) lorebooks.

Both become one :class:`Entry` and then archive items that keep their keys,
so recall can find them and ``export card`` can write them back as a
``character_book``. An entry the human *marked* -- ``constant`` (always in
the prompt) and enabled -- is something they wanted the character to carry
at all times, so it is also proposed for identity: as a boundary when its
title or keys say it is a rule, as core otherwise. It stays a proposal until
the human accepts it (the consent gate); an import never writes identity.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer
from truehearth.exchange import boundedjson
from truehearth.exchange.card_file import card_data, read_card
from truehearth.exchange.limits import Limits
from truehearth.exchange.macros import expand_macros
from truehearth.exchange.parsed import Item, Parsed, Suggestion
from truehearth.exchange.png import SIGNATURE
from truehearth.exchange.values import text_of

FORMAT = "lorebook"
KIND = "lorebook"
_RULE_WORDS = re.compile(r"\b(boundar(y|ies)|rules?|consent|limits?|never)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One lorebook entry in the terms both shapes share."""

    uid: str
    content: str
    keys: tuple[str, ...]
    secondary_keys: tuple[str, ...]
    comment: str
    enabled: bool
    constant: bool
    order: int | None

    @property
    def marked(self) -> bool:
        """The human asked for this entry to be present always: propose it for identity."""
        return self.constant and self.enabled and bool(self.content.strip())

    @property
    def layer(self) -> Layer:
        """A rule-like entry (by its title or keys) is a boundary; anything else core."""
        label = " ".join((self.comment, *self.keys))
        return Layer.BOUNDARY if _RULE_WORDS.search(label) else Layer.CORE

    def meta(self, book: str) -> dict[str, Any]:
        return {
            "kind": KIND,
            "book": book,
            "uid": self.uid,
            "keys": list(self.keys),
            "secondary_keys": list(self.secondary_keys),
            "comment": self.comment,
            "enabled": self.enabled,
            "constant": self.constant,
            **({"order": self.order} if self.order is not None else {}),
        }


def parse(stream: IO[bytes], limits: Limits) -> Iterator[Parsed]:
    if stream.read(8) == SIGNATURE:  # a card PNG: its embedded book
        stream.seek(0)
        data: object = card_data(read_card(stream, limits))[0]
    else:
        stream.seek(0)
        data = boundedjson.load(stream, limits, "the lorebook")
    if not isinstance(data, dict):
        raise InvalidInput("not a lorebook: expected a JSON object with entries")
    char = "the companion"
    if "entries" not in data:  # a card given as a lorebook: its embedded book
        inner = data.get("data")
        card = inner if isinstance(inner, dict) else data
        book = card.get("character_book")
        if isinstance(book, dict):
            data = book
            char = text_of(card.get("name")).strip() or char
    data = _other_shapes(data)
    if not isinstance(data.get("entries"), (dict, list)):
        raise InvalidInput("not a lorebook: it has no entries (a SillyTavern world-info file)")
    name = text_of(data.get("name")).strip()
    # SillyTavern names a world by its file, which the parser does not see: an
    # unnamed book is named by what it holds, so two books never share a session.
    session = f"lorebook:{name or _digest(entries(data))}"
    yield from book_items(data, session, f"{session}/entry", name or "lorebook", char=char)


def _digest(found: list[Entry]) -> str:
    h = hashlib.sha256()
    for entry in found:
        for part in (entry.uid, entry.content, *entry.keys):
            h.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    return h.hexdigest()[:12]


def _other_shapes(data: dict[str, Any]) -> dict[str, Any]:
    """NovelAI, Agnai and Risu lorebooks (which SillyTavern also imports) as card-spec books.

    The mapping follows SillyTavern's own converters: NovelAI and Agnai have
    no always-on flag (nothing is proposed from them); Risu's ``alwaysActive``
    is one.
    """
    if "lorebookVersion" in data and isinstance(data.get("entries"), list):  # NovelAI
        found = [
            {
                "keys": e.get("keys"),
                "content": e.get("text"),
                "comment": e.get("displayName"),
                "enabled": e.get("enabled") is not False,
                "insertion_order": (e.get("contextConfig") or {}).get("budgetPriority")
                if isinstance(e.get("contextConfig"), dict)
                else None,
            }
            for e in data["entries"]
            if isinstance(e, dict)
        ]
        return {"name": data.get("name"), "entries": found}
    if data.get("kind") == "memory" and isinstance(data.get("entries"), list):  # Agnai
        found = [
            {
                "keys": e.get("keywords"),
                "content": e.get("entry"),
                "comment": e.get("name"),
                "enabled": e.get("enabled") is not False,
                "insertion_order": e.get("weight"),
            }
            for e in data["entries"]
            if isinstance(e, dict)
        ]
        return {"name": data.get("name"), "entries": found}
    if data.get("type") == "risu" and isinstance(data.get("data"), list):  # RisuAI
        found = [
            {
                "keys": e.get("key"),
                "secondary_keys": e.get("secondkey"),
                "content": e.get("content"),
                "comment": e.get("comment"),
                "constant": e.get("alwaysActive") is True,
                "insertion_order": e.get("insertorder"),
            }
            for e in data["data"]
            if isinstance(e, dict)
        ]
        return {"name": data.get("name"), "entries": found}
    return data


def entries(book: dict[str, Any]) -> list[Entry]:
    """The entries of a world-info file or a ``character_book``, in file order."""
    raw = book.get("entries")
    if isinstance(raw, dict):
        pairs = [(str(uid), entry) for uid, entry in raw.items()]
    elif isinstance(raw, list):
        pairs = [(str(index), entry) for index, entry in enumerate(raw)]
    else:
        return []
    return [_entry(uid, entry) for uid, entry in pairs if isinstance(entry, dict)]


def _entry(fallback: str, entry: dict[str, Any]) -> Entry:
    uid = entry.get("uid", entry.get("id"))
    if "disable" in entry:  # SillyTavern's world info
        enabled = entry.get("disable") is not True
    else:  # the card spec
        enabled = entry.get("enabled") is not False
    order = entry.get("order", entry.get("insertion_order"))
    return Entry(
        uid=str(uid) if isinstance(uid, (int, str)) and not isinstance(uid, bool) else fallback,
        content=text_of(entry.get("content")),
        keys=_keys(entry.get("key", entry.get("keys"))),
        secondary_keys=_keys(entry.get("keysecondary", entry.get("secondary_keys"))),
        comment=text_of(entry.get("comment") or entry.get("name")),
        enabled=enabled,
        constant=entry.get("constant") is True,
        order=order if isinstance(order, int) and not isinstance(order, bool) else None,
    )


def _keys(value: object) -> tuple[str, ...]:
    """Keys as a list; some tools write one comma-separated string."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(k.strip() for k in value if isinstance(k, str) and k.strip())


def book_items(
    book: dict[str, Any], session: str, prefix: str, name: str, *, char: str
) -> Iterator[Parsed]:
    """Each entry as an archive item with its keys; marked entries also as proposals.

    The item and the proposal share the locator ``prefix/uid``, so an accepted
    core record can be traced back to its entry and its keys.
    """
    for entry in entries(book):
        locator = f"{prefix}/{entry.uid}"
        yield Item(entry.content, locator, session, meta=entry.meta(name))
        if entry.marked:
            title = entry.comment or ", ".join(entry.keys) or f"entry {entry.uid}"
            yield Suggestion(
                entry.layer,
                expand_macros(entry.content, char),
                locator,
                f"always-on (constant) lorebook entry {title!r} of {name!r}",
            )
