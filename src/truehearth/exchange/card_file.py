"""A character card's JSON object, from whichever file it came in.

A card arrives as JSON, as a PNG carrying it base64-encoded in a ``ccv3``
(V3) or ``chara`` (V2) text chunk, or in an older shape (Pygmalion JSON,
text-generation-webui YAML: :mod:`truehearth.exchange.legacy_cards`). Reading
it is shared by the card importer and the lorebook importer (a card's
embedded ``character_book``), so it lives here, apart from both.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import IO, Any

from truehearth.core.errors import InvalidInput
from truehearth.exchange import boundedjson, legacy_cards
from truehearth.exchange.limits import Limits
from truehearth.exchange.png import SIGNATURE, text_chunks

CARD_CHUNKS = frozenset({"ccv3", "chara"})
MAX_CARD_BYTES = 32 * 1024 * 1024


def read_card(stream: IO[bytes], limits: Limits | None = None) -> dict[str, Any]:
    """The card's JSON object, from a PNG (``ccv3`` preferred over ``chara``) or plain JSON."""
    head = stream.read(8)
    stream.seek(0)
    if head == SIGNATURE:
        chunks = text_chunks(stream, CARD_CHUNKS)
        encoded = chunks.get("ccv3") or chunks.get("chara")
        if encoded is None:
            raise InvalidInput("the PNG carries no character card (no ccv3 or chara chunk)")
        try:
            raw = base64.b64decode(encoded, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput("the card chunk in the PNG is not valid base64") from exc
    else:
        raw = stream.read(MAX_CARD_BYTES + 1)
        if len(raw) > MAX_CARD_BYTES:
            raise InvalidInput("a character card larger than 32 MiB is not a card")
    if legacy_cards.looks_like_yaml(raw):
        return legacy_cards.from_yaml(raw, limits or Limits())
    card = boundedjson.load(io.BytesIO(raw), limits or Limits(), "the character card")
    if not isinstance(card, dict):
        raise InvalidInput("not a character card: expected a JSON object")
    return card


def card_data(card: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The fields of a card and its spec name; V1 cards keep their fields at the top."""
    spec = card.get("spec")
    if spec in ("chara_card_v2", "chara_card_v3"):
        data = card.get("data")
        if not isinstance(data, dict):
            raise InvalidInput(f"not a character card: {spec} without a data object")
        return data, str(spec)
    if isinstance(spec, str):
        raise InvalidInput(f"unknown character card spec {spec!r}")
    if legacy_cards.is_pygmalion(card):
        return legacy_cards.from_pygmalion(card), "pygmalion"
    if "ooba" in card and "spec" not in card:
        return card, "ooba_yaml"
    return card, "chara_card_v1"
