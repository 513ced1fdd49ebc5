"""SillyTavern character cards, V1/V2/V3, as JSON or as PNG with a ``chara``/``ccv3`` chunk.

Older shapes SillyTavern still reads (Pygmalion ``char_name`` JSON and
text-generation-webui YAML) are recognised by their shape and read as V1
fields (:mod:`truehearth.exchange.legacy_cards`).

A card describes who a character is. Here that is exactly what must not be
written straight into the home: the description, the personality and the
greeting become *proposals* for core, which the human accepts or rejects.
Everything else (scenario, example dialogue, alternate greetings, the card's
own system prompt) lands as archive items, the embedded ``character_book`` as
lorebook entries with their keys (:mod:`truehearth.exchange.lorebook`; its
always-on entries are proposed too), and the whole
card is kept as one archive item too, so unknown ``extensions`` survive and
can travel on when the companion is exported as a card.

Cards are written with SillyTavern's macros: ``{{char}}`` is the character's
name and ``{{user}}`` the person talking to it. A proposal for core must read
as a sentence the human can accept, so in proposals ``{{char}}`` becomes the
card's name and ``{{user}}`` "the human" (the archive keeps the card as written).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer
from truehearth.exchange import lorebook
from truehearth.exchange.card_file import CARD_CHUNKS, card_data, read_card
from truehearth.exchange.limits import Limits
from truehearth.exchange.macros import expand_macros
from truehearth.exchange.parsed import Item, Parsed, Picture, Suggestion
from truehearth.exchange.png import SIGNATURE, encode, without_texts
from truehearth.exchange.values import clean_strings, text_of

FORMAT = "card"
MAX_PICTURE_BYTES = 16 * 1024 * 1024
IDENTITY_FIELDS = ("description", "personality", "first_mes")
ARCHIVE_FIELDS = (
    "scenario",
    "mes_example",
    "creator_notes",
    "system_prompt",
    "post_history_instructions",
)


def parse(stream: IO[bytes], limits: Limits) -> Iterator[Parsed]:
    card = read_card(stream, limits)
    yield from card_items(card)
    picture = card_picture(stream)
    if picture is not None:
        name = str(card_data(card)[0].get("name", "")).strip()
        yield Picture(picture, f"card:{name}/avatar")


def card_picture(stream: IO[bytes]) -> bytes | None:
    """The picture of a PNG card without its card chunks, so ``export card`` can reuse it.

    A picture larger than :data:`MAX_PICTURE_BYTES` is not kept (the card still
    is); ``export card --avatar`` can give it again.
    """
    stream.seek(0)
    if stream.read(8) != SIGNATURE:
        return None
    stream.seek(0)
    raw = stream.read(MAX_PICTURE_BYTES + 1)
    if len(raw) > MAX_PICTURE_BYTES:
        return None
    return encode(without_texts(raw, CARD_CHUNKS))


def card_items(card: dict[str, Any]) -> Iterator[Parsed]:
    data, spec = card_data(card)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("not a character card: it has no name")
    session = f"card:{name}"
    for key in IDENTITY_FIELDS:
        text = text_of(data.get(key))
        if text.strip():
            what = "greeting" if key == "first_mes" else key
            yield Suggestion(
                Layer.CORE,
                expand_macros(text, name.strip()),
                f"{session}/{key}",
                f"{what} of card {name!r} ({spec})",
            )
    for key in ARCHIVE_FIELDS:
        yield _field(session, key, text_of(data.get(key)), spec)
    greetings = data.get("alternate_greetings")
    if isinstance(greetings, list):
        for index, greeting in enumerate(greetings):
            yield _field(session, f"alternate_greetings/{index}", text_of(greeting), spec)
    book = data.get("character_book")
    if isinstance(book, dict):
        book_name = text_of(book.get("name")).strip() or name
        prefix = f"{session}/character_book"
        yield from lorebook.book_items(book, session, prefix, book_name, char=name.strip())
    options = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
    whole = orjson.dumps(clean_strings(card), option=options).decode()
    yield Item(whole, f"{session}/card", session, meta={"kind": "card", "spec": spec, "name": name})


def _field(session: str, key: str, text: str, spec: str) -> Item:
    return Item(
        text, f"{session}/{key}", session, meta={"kind": "card-field", "field": key, "spec": spec}
    )
