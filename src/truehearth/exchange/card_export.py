"""Export the companion as a Character Card V3, for use in other frontends.

The card is built from what the human has confirmed, and nothing else,
because a card is read by a model as orders:

* verified core records become the description (a core record that came from
  a card's personality or greeting goes back to that field; one that came
  from an always-on lorebook entry goes back into the lorebook, constant);
* verified boundaries become the card's system prompt;
* lorebook entries the human confirmed (in review) become the card's
  ``character_book``, with the keys they were imported with;
* a scenario or example dialogue the human confirmed fills those fields;
* ``creator``, ``character_version`` and ``tags`` come from the card the
  verified identity was accepted from (attribution travels with the words).

Unknown ``extensions`` of the most recently imported card are kept, and ours
go under ``extensions.truehearth`` with the journal head the card was made
from. The V1 fields (name, description, personality, scenario, first_mes,
mes_example) are also written at the top level, so readers that predate V2
see the character.

Written as JSON, or as a PNG carrying the card base64-encoded in a ``ccv3``
chunk plus a V2 copy in ``chara`` for older readers. The picture is the
avatar the human gives (``avatar``), or else the picture of the card the
human accepted the identity from (kept at import as a ``picture`` entity):
its image is kept byte for byte, only the card chunks are replaced. Only
when the home has neither is a plain placeholder drawn.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, Record, Trust
from truehearth.core.vocabulary import PICTURE, RECORD
from truehearth.exchange.png import SIGNATURE, tiny_png, with_texts
from truehearth.home import Home
from truehearth.scratch import new_file, write_new

V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
V2_FIELDS = (
    *V1_FIELDS,
    "creator_notes",
    "system_prompt",
    "post_history_instructions",
    "alternate_greetings",
    "character_book",
    "tags",
    "creator",
    "character_version",
    "extensions",
)
CONFIRMABLE_FIELDS = ("scenario", "mes_example")
MAX_AVATAR_BYTES = 64 * 1024 * 1024


@dataclass
class _Found:
    """What one pass over the home's records finds for a card."""

    cards: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    lore: dict[tuple[str | None, str], Record] = field(default_factory=dict)
    confirmed_lore: dict[tuple[str | None, str], Record] = field(default_factory=dict)
    fields: dict[str, Record] = field(default_factory=dict)


def build_card(home: Home) -> dict[str, Any]:
    """The CCv3 card of this home's confirmed identity, with V1 fields at the top."""
    identity = home.identity()
    core = [r for r in identity if r.layer is Layer.CORE]
    boundaries = [r for r in identity if r.layer is Layer.BOUNDARY]
    if not core:
        raise InvalidInput("the home has no verified core records; a card would be empty")
    found = _scan(home)
    from_book = [r for r in core if _key(r) in found.lore]
    rest = [r for r in core if _key(r) not in found.lore]
    personality = [r.text for r in rest if _from_field(r, "personality")]
    greetings = [r.text for r in rest if _from_field(r, "first_mes")]
    description = [
        r.text for r in rest if not (_from_field(r, "personality") or _from_field(r, "first_mes"))
    ]
    source = _source_card(found, identity)
    head = home.head()
    extensions = dict(_newest_extensions(found))
    extensions["truehearth"] = {
        "home_id": home.config.home_id,
        "journal_head": {"seq": head.seq, "digest": head.digest} if head else None,
        "records": [r.id for r in identity],
    }
    data: dict[str, Any] = {
        "name": home.config.name,
        "description": "\n\n".join(description),
        "personality": "\n\n".join(personality),
        "scenario": _confirmed_text(found, "scenario"),
        "first_mes": greetings[-1] if greetings else "",
        "mes_example": _confirmed_text(found, "mes_example"),
        "creator_notes": "Exported from a truehearth home: confirmed identity and lore only.",
        "system_prompt": "\n".join(f"- {r.text}" for r in boundaries),
        "post_history_instructions": "",
        "alternate_greetings": greetings[:-1],
        "group_only_greetings": [],
        "tags": _strings(source.get("tags")),
        "creator": _text(source.get("creator")),
        "character_version": _text(source.get("character_version"))
        or (str(head.seq) if head else "0"),
        "nickname": home.config.name,
        "creation_date": _epoch(home.config.created_at),
        "modification_date": _epoch(home.now()),
        "extensions": extensions,
    }
    book = _character_book(found, from_book, home.config.name)
    if book is not None:
        data["character_book"] = book
    return {
        **{k: data[k] for k in V1_FIELDS},
        "spec": "chara_card_v3",
        "spec_version": "3.0",
        "data": data,
    }


@dataclass(frozen=True, slots=True)
class Written:
    """What ``write_card`` wrote: the card, and where its picture came from."""

    card: dict[str, Any]
    picture: str  # "avatar" (given), "imported card", "placeholder" or "none" (JSON)


def write_card(home: Home, out: Path, *, avatar: Path | None = None) -> Written:
    """Write the card to ``out``: PNG if the name ends in ``.png``, JSON if in ``.json``.

    The picture of a PNG card is ``avatar`` (a PNG) when given; else the
    picture of the card the verified identity was accepted from, as imported;
    else a plain placeholder. A given avatar is read and checked before
    anything is written, so a bad one leaves no file behind.
    """
    out = new_file(out)
    if out.suffix.lower() not in (".png", ".json"):
        # A JSON card quietly written under `ash.webp` would look like a picture and be none.
        raise InvalidInput(
            "a card is written as PNG or JSON: end the file name in .png or .json, "
            f"not {out.name!r}"
        )
    as_png = out.suffix.lower() == ".png"
    if avatar is not None and not as_png:
        raise InvalidInput("an avatar needs a PNG card: name the output file *.png")
    picture = _read_avatar(avatar) if avatar is not None else None
    origin = "avatar" if picture is not None else "none"
    card = build_card(home)
    if as_png:
        if picture is None:
            picture = _imported_picture(home)
            origin = "imported card" if picture is not None else "placeholder"
        data = card["data"]
        v2 = {
            **{k: data[k] for k in V1_FIELDS},
            "spec": "chara_card_v2",
            "spec_version": "2.0",
            "data": {k: data[k] for k in V2_FIELDS if k in data},
        }
        # `chara` last: aichar reads a chara chunk on to the next chunk it knows, and a
        # tEXt right after it (ccv3, as SillyTavern orders them) breaks its base64.
        texts = {
            "ccv3": base64.b64encode(orjson.dumps(card)),
            "chara": base64.b64encode(orjson.dumps(v2)),
        }
        payload = with_texts(picture, texts) if picture is not None else tiny_png(texts)
    else:
        payload = orjson.dumps(card, option=orjson.OPT_INDENT_2) + b"\n"
    try:
        write_new(out, payload, "card")  # whole or absent, and never over a file made meanwhile
    except FileExistsError:
        raise InvalidInput(f"{out} already exists; choose a new file name") from None
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from exc
    return Written(card, origin)


def _imported_picture(home: Home) -> bytes | None:
    """The picture of the newest card the human accepted identity from, if it came as a PNG."""
    accepted = {r.source.import_sha256 for r in home.identity() if r.source.import_sha256}
    newest: tuple[str, bytes] | None = None
    for value in home.store.entities(PICTURE):
        if value.get("import_sha256") not in accepted:
            continue
        try:
            png = base64.b64decode(value["png"], validate=True)
            with_texts(png, {})  # still a whole PNG
        except (KeyError, TypeError, ValueError, InvalidInput):
            continue
        if newest is None or str(value.get("imported_at")) >= newest[0]:
            newest = (str(value.get("imported_at")), png)
    return newest[1] if newest else None


def _read_avatar(path: Path) -> bytes:
    path = path.expanduser()
    if path.exists() and not path.is_dir() and not path.is_file():
        # a device or a pipe has no size to check and may never end
        raise InvalidInput(f"the avatar {path} is not a regular file; save the picture first")
    try:
        if path.stat().st_size > MAX_AVATAR_BYTES:
            raise InvalidInput(f"the avatar {path.name} is larger than 64 MiB")
        picture = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the avatar {path}: {exc.strerror or exc}") from exc
    if picture[:8] != SIGNATURE:
        raise InvalidInput(f"the avatar {path.name} is not a PNG; convert it to PNG first")
    with_texts(picture, {})  # checks every chunk's CRC and the IHDR now, before any write
    return picture


def _scan(home: Home) -> _Found:
    """Imported cards, lorebook entries and confirmed card fields, in one pass."""
    found = _Found()
    for value in home.store.entities(RECORD):
        meta = value.get("meta") or {}
        kind = meta.get("kind")
        if kind == "card" and "part" not in meta:
            source = value.get("source") or {}
            found.cards.append((value["recorded_at"], source.get("import_sha256"), value))
            continue
        if kind not in ("lorebook", "card-field"):
            continue
        record = Record.from_json(value)
        if not record.is_current:
            continue
        if kind == "lorebook":  # keys are looked up for accepted core whatever the entry's trust
            found.lore.setdefault(_key(record), record)
            if record.trust is Trust.VERIFIED:
                found.confirmed_lore[_key(record)] = record
        elif record.trust is Trust.VERIFIED and meta.get("field") in CONFIRMABLE_FIELDS:
            found.fields[meta["field"]] = record
    found.cards.sort(key=lambda c: c[0])
    return found


def _key(record: Record) -> tuple[str | None, str]:
    """An imported entry's identity: the file it came from and its place in the file."""
    return record.source.import_sha256, record.source.locator or record.id


def _card_data(value: dict[str, Any]) -> dict[str, Any]:
    try:
        card = orjson.loads(value["text"])
    except orjson.JSONDecodeError:
        return {}
    data = card.get("data") if isinstance(card, dict) else None
    if isinstance(data, dict):
        return data
    return card if isinstance(card, dict) else {}


def _source_card(found: _Found, identity: list[Record]) -> dict[str, Any]:
    """The newest imported card the human accepted identity from, if any."""
    accepted = {r.source.import_sha256 for r in identity if r.source.import_sha256}
    for _at, sha, value in reversed(found.cards):
        if sha in accepted:
            return _card_data(value)
    return {}


def _newest_extensions(found: _Found) -> dict[str, Any]:
    """Extensions of the newest imported card, so unknown ones travel on."""
    for _at, _sha, value in reversed(found.cards):
        extensions = _card_data(value).get("extensions")
        if isinstance(extensions, dict):
            return {k: v for k, v in extensions.items() if k != "truehearth"}
    return {}


def _character_book(found: _Found, from_book: list[Record], name: str) -> dict[str, Any] | None:
    """Confirmed lorebook entries, and core that came from always-on entries, as a book."""
    entries: list[dict[str, Any]] = []
    books: list[str] = []
    taken: set[tuple[str | None, str]] = set()
    for record in from_book:  # accepted identity: always on, in the words accepted
        origin = found.lore[_key(record)]
        entries.append(_entry(record.text, origin.meta, len(entries), constant=True))
        books.append(str(origin.meta.get("book") or ""))
        taken.add(_key(record))
    same: set[tuple[str, tuple[str, ...]]] = {(e["content"], tuple(e["keys"])) for e in entries}
    for key, record in sorted(found.confirmed_lore.items(), key=lambda kv: kv[1].recorded_at):
        # A card's embedded book and the world file it was made from hold the same entries.
        twin = (record.text, tuple(_strings(record.meta.get("keys"))))
        if key in taken or twin in same:
            continue
        same.add(twin)
        entries.append(_entry(record.text, record.meta, len(entries)))
        books.append(str(record.meta.get("book") or ""))
    if not entries:
        return None
    return {
        "name": next((b for b in books if b), name),
        "description": "",
        "recursive_scanning": False,
        "extensions": {},
        "entries": entries,
    }


def _entry(
    text: str, meta: dict[str, Any], index: int, *, constant: bool = False
) -> dict[str, Any]:
    """One ``character_book`` entry in the card spec's terms."""
    keys = _strings(meta.get("keys"))
    secondary = _strings(meta.get("secondary_keys"))
    order = meta.get("order")
    return {
        "id": index,
        "keys": keys,
        "secondary_keys": secondary,
        "comment": _text(meta.get("comment")),
        "content": text,
        "constant": constant or meta.get("constant") is True,
        "selective": bool(secondary),
        "insertion_order": order if isinstance(order, int) else 100,
        "enabled": True,
        "position": "before_char",
        "use_regex": False,
        "extensions": {},
    }


def _confirmed_text(found: _Found, field_name: str) -> str:
    record = found.fields.get(field_name)
    return record.text if record is not None else ""


def _from_field(record: Record, name: str) -> bool:
    locator = record.source.locator or ""
    return record.source.via == "import" and locator.endswith(f"/{name}")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):  # older imports kept keys as one comma-separated string
        value = value.split(",")
    return (
        [v.strip() for v in value if isinstance(v, str) and v.strip()]
        if isinstance(value, list)
        else []
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())
