"""Export the companion as a Character Card V3, for use in other frontends.

The card is built from what the home holds as *instructions*: verified core
records become the description (a core record that came from a card's
personality or greeting goes back to that field), verified boundaries become
the card's system prompt. Nothing untrusted or archived is exported into a
card, because a card is read by a model as orders. Unknown ``extensions`` of
the most recently imported card are kept, and ours go under
``extensions.truehearth`` with the journal head the card was made from.

Written as JSON, or as a PNG carrying the card base64-encoded in a ``ccv3``
chunk plus a V2 copy in ``chara`` for older readers.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, Record
from truehearth.core.vocabulary import RECORD
from truehearth.exchange.png import tiny_png
from truehearth.home import Home

V2_FIELDS = (
    "name",
    "description",
    "personality",
    "scenario",
    "first_mes",
    "mes_example",
    "creator_notes",
    "system_prompt",
    "post_history_instructions",
    "alternate_greetings",
    "tags",
    "creator",
    "character_version",
    "extensions",
)


def build_card(home: Home) -> dict[str, Any]:
    """The CCv3 card of this home's verified identity."""
    identity = home.identity()
    core = [r for r in identity if r.layer is Layer.CORE]
    boundaries = [r for r in identity if r.layer is Layer.BOUNDARY]
    if not core:
        raise InvalidInput("the home has no verified core records; a card would be empty")
    personality = [r.text for r in core if _from_field(r, "personality")]
    greetings = [r.text for r in core if _from_field(r, "first_mes")]
    description = [
        r.text for r in core if not (_from_field(r, "personality") or _from_field(r, "first_mes"))
    ]
    head = home.head()
    extensions = dict(_last_card_extensions(home))
    extensions["truehearth"] = {
        "home_id": home.config.home_id,
        "journal_head": {"seq": head.seq, "digest": head.digest} if head else None,
        "records": [r.id for r in identity],
    }
    data: dict[str, Any] = {
        "name": home.config.name,
        "description": "\n\n".join(description),
        "personality": "\n\n".join(personality),
        "scenario": "",
        "first_mes": greetings[-1] if greetings else "",
        "mes_example": "",
        "creator_notes": "Exported from a truehearth home: verified core and boundaries only.",
        "system_prompt": "\n".join(f"- {r.text}" for r in boundaries),
        "post_history_instructions": "",
        "alternate_greetings": greetings[:-1],
        "group_only_greetings": [],
        "tags": [],
        "creator": "",
        "character_version": str(head.seq) if head else "0",
        "nickname": home.config.name,
        "creation_date": _epoch(home.config.created_at),
        "modification_date": _epoch(home.now()),
        "extensions": extensions,
    }
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}


def write_card(home: Home, out: Path) -> dict[str, Any]:
    """Write the card to ``out``: PNG if the name ends in ``.png``, JSON otherwise."""
    out = out.expanduser().absolute()
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose a new file name")
    card = build_card(home)
    v3 = orjson.dumps(card)
    if out.suffix.lower() == ".png":
        v2 = {
            "spec": "chara_card_v2",
            "spec_version": "2.0",
            "data": {k: card["data"][k] for k in V2_FIELDS},
        }
        payload = tiny_png(
            {"chara": base64.b64encode(orjson.dumps(v2)), "ccv3": base64.b64encode(v3)}
        )
    else:
        payload = orjson.dumps(card, option=orjson.OPT_INDENT_2) + b"\n"
    out.write_bytes(payload)
    return card


def _from_field(record: Record, field: str) -> bool:
    locator = record.source.locator or ""
    return record.source.via == "import" and locator.endswith(f"/{field}")


def _last_card_extensions(home: Home) -> dict[str, Any]:
    """Extensions of the newest imported card, so unknown ones travel on."""
    newest: tuple[str, dict[str, Any]] | None = None
    for value in home.store.entities(RECORD):
        meta = value.get("meta") or {}
        if meta.get("kind") != "card" or "part" in meta:
            continue
        try:
            card = orjson.loads(value["text"])
        except orjson.JSONDecodeError:
            continue
        data = card.get("data") if isinstance(card, dict) else None
        extensions = data.get("extensions") if isinstance(data, dict) else None
        if isinstance(extensions, dict) and (newest is None or value["recorded_at"] >= newest[0]):
            newest = (value["recorded_at"], extensions)
    return {k: v for k, v in (newest[1] if newest else {}).items() if k != "truehearth"}


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())
