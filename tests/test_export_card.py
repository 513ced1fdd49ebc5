"""``export card``: confirmed lore, attribution, the chosen avatar and V1 fields for old readers.

The card shape follows the Character Card V2/V3 specs (``character_book``
entries with ``keys``, ``secondary_keys``, ``content``, ``constant``,
``enabled``, ``insertion_order``); old readers (TavernAI, ``aichar``) read
``name``, ``description``, ``personality``, ``scenario``, ``first_mes`` and
``mes_example`` from the top level.
"""

from __future__ import annotations

import base64
import io
import json
import signal
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner
from tests.stalled import cut_off
from truehearth.core.records import Layer, Record
from truehearth.exchange import bundle, review
from truehearth.exchange.card_export import build_card, write_card
from truehearth.exchange.formats import import_path
from truehearth.exchange.png import SIGNATURE, chunk, chunks, size, text_chunks, with_texts
from truehearth.home import Home

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


def _card_with_book(tmp_path: Path) -> Path:
    card: dict[str, Any] = json.loads((FIXTURES / "card_v2.json").read_text())
    book = card["data"]["character_book"]
    book["entries"] += [
        {
            "id": 7,
            "keys": ["letters"],
            "content": "{{char}} answers every letter {{user}} writes.",
            "constant": True,
            "enabled": True,
            "insertion_order": 5,
        },
        {"id": 8, "keys": ["gulls"], "content": "The gulls nest on the north rocks."},
    ]
    path = tmp_path / "wren.json"
    path.write_text(json.dumps(card))
    return path


def _lore(home: Home) -> dict[str, Record]:
    return {
        r.source.locator or "": r
        for r in home.records(layers=[Layer.ARCHIVE], limit=1_000)
        if r.meta.get("kind") in ("lorebook", "card-field")
    }


def _confirmed_home(home: Home, tmp_path: Path) -> None:
    import_path(home, _card_with_book(tmp_path), "card")
    for proposal in home.proposals():
        home.accept(proposal.id)
    lore = _lore(home)
    review.decide(home, [lore["card:Wren/character_book/0"].id], review.Decision.PROMOTE)
    home.confirm(lore["card:Wren/scenario"].id)


def test_card_keeps_confirmed_lore_attribution_and_v1_fields(home: Home, tmp_path: Path) -> None:
    _confirmed_home(home, tmp_path)
    card = build_card(home)
    data = card["data"]
    assert card["name"] == data["name"] == "Ash"  # V1 readers see the name
    assert card["description"] == data["description"]
    assert "lighthouse keeper" in card["description"]
    assert card["scenario"].startswith("A lighthouse on a cold northern coast")  # confirmed
    assert card["mes_example"] == ""  # imported but never confirmed: stays home
    assert (data["creator"], data["character_version"]) == ("someone", "1.2")
    assert data["tags"] == ["gentle", "slice of life"]
    entries = {tuple(e["keys"]): e for e in data["character_book"]["entries"]}
    assert set(entries) == {("lamp", "lens"), ("letters",)}  # the gulls were never confirmed
    assert entries[("lamp", "lens")]["content"].startswith("The lens is a fourth-order")
    assert entries[("lamp", "lens")]["constant"] is False
    assert entries[("lamp", "lens")]["insertion_order"] == 10
    letters = entries[("letters",)]
    assert letters["constant"] is True and letters["content"] == (
        "Wren answers every letter the human writes."
    )
    assert "answers every letter" not in data["description"]  # once, in the book
    assert data["character_book"]["name"] == "Coast"


def _avatar(width: int = 400, height: int = 600) -> bytes:
    """A real RGB picture with varied pixels and an old card chunk of its own."""
    rows = b"".join(
        b"\x00" + bytes((x * 7 + y) % 256 for x in range(width * 3)) for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    old = b"chara\x00" + base64.b64encode(b'{"name": "Old"}')
    return b"".join(
        [
            SIGNATURE,
            chunk(b"IHDR", ihdr),
            chunk(b"tEXt", b"Software\x00paint"),
            chunk(b"tEXt", old),
            chunk(b"IDAT", zlib.compress(rows, 6)),
            chunk(b"IEND", b""),
        ]
    )


def test_png_card_keeps_the_chosen_avatar_byte_for_byte(home: Home, tmp_path: Path) -> None:
    _confirmed_home(home, tmp_path)
    picture = _avatar()
    avatar = tmp_path / "wren-avatar.png"
    avatar.write_bytes(picture)
    out = tmp_path / "ash.png"
    write_card(home, out, avatar=avatar)
    written = out.read_bytes()
    assert size(written) == (400, 600)
    image = [c for c in chunks(written) if c[0] in (b"IHDR", b"IDAT")]
    assert image == [c for c in chunks(picture) if c[0] in (b"IHDR", b"IDAT")]
    texts = text_chunks(io.BytesIO(written))
    assert texts["Software"] == b"paint"
    v2 = json.loads(base64.b64decode(texts["chara"]))
    assert v2["spec"] == "chara_card_v2" and v2["name"] == "Ash"  # not the old card
    assert v2["data"]["character_book"]["entries"]
    assert sum(1 for kind, data in chunks(written) if data.startswith(b"chara\x00")) == 1
    # old readers (aichar 1.0.5) read `chara` on until a chunk they know: it must come last
    last_text = [data for kind, data in chunks(written) if kind == b"tEXt"][-1]
    assert last_text.startswith(b"chara\x00")
    with Home.init(tmp_path / "other", "Other") as other:
        report = import_path(other, out, "card")
        assert report.proposals == 4  # description, personality, greeting, the constant entry
        keys = {tuple(r.meta["keys"]) for r in _lore(other).values() if "keys" in r.meta}
        assert keys == {("lamp", "lens"), ("letters",)}


@pytest.mark.parametrize(
    ("name", "body", "out", "needle"),
    [
        ("face.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "c.png", "not a PNG"),
        ("bad.png", _avatar(8, 8)[:-9] + b"\x00" * 9, "c.png", "PNG"),
        ("face.png", _avatar(8, 8), "c.json", "needs a PNG card"),
        ("missing.png", None, "c.png", "cannot read the avatar"),
    ],
    ids=["jpeg", "damaged-png", "json-card", "missing"],
)
def test_bad_avatar_one_line_and_no_file(
    cli: CliRunner,
    home_dir: Path,
    tmp_path: Path,
    name: str,
    body: bytes | None,
    out: str,
    needle: str,
) -> None:
    with Home.init(home_dir, "Ash") as home:
        home.accept(home.propose(Layer.CORE, "I keep the lamp lit.").id)
    avatar = tmp_path / name
    if body is not None:
        avatar.write_bytes(body)
    target = tmp_path / out
    result = cli("export", "card", str(target), "--avatar", str(avatar), "--home", str(home_dir))
    assert result.code != 0
    assert needle in result.err and len(result.err.strip().splitlines()) == 1
    assert not target.exists()


def test_the_same_entry_from_card_and_world_file_is_written_once(
    home: Home, tmp_path: Path
) -> None:
    _confirmed_home(home, tmp_path)
    world = tmp_path / "coast.json"
    content = "The lens is a fourth-order Fresnel lens from 1891."
    world.write_text(
        json.dumps({"entries": {"0": {"uid": 0, "key": ["lamp", "lens"], "content": content}}})
    )
    import_path(home, world, "lorebook")
    twin = next(r for r in _lore(home).values() if (r.source.locator or "").endswith("/entry/0"))
    review.decide(home, [twin.id], review.Decision.PROMOTE)
    entries = build_card(home)["data"]["character_book"]["entries"]
    assert [e["content"] for e in entries].count(content) == 1


def test_png_card_picture_is_kept_at_import_and_reused(home: Home, tmp_path: Path) -> None:
    v2 = (FIXTURES / "card_v2.json").read_bytes()
    picture = _avatar()  # carries an old `chara` chunk of its own, replaced below
    card_png = tmp_path / "wren.png"
    card_png.write_bytes(with_texts(picture, {"chara": base64.b64encode(v2)}))
    home.accept(home.propose(Layer.CORE, "I am Ash.").id)
    import_path(home, card_png, "card")
    assert home.verify().ok
    out = tmp_path / "unaccepted.png"
    assert write_card(home, out).picture == "placeholder"  # nothing accepted from that card
    assert size(out.read_bytes()) == (64, 64)
    for proposal in home.proposals():
        home.accept(proposal.id)
    out = tmp_path / "ash.png"
    assert write_card(home, out).picture == "imported card"
    written = out.read_bytes()
    image = [c for c in chunks(written) if c[0] in (b"IHDR", b"IDAT")]
    assert image == [c for c in chunks(picture) if c[0] in (b"IHDR", b"IDAT")]
    v2_out = json.loads(base64.b64decode(text_chunks(io.BytesIO(written))["chara"]))
    assert v2_out["name"] == "Ash"
    # the picture is part of the home: it travels in a bundle and comes out again
    packed = tmp_path / "ash.zip"
    bundle.export_bundle(home, packed)
    with bundle.restore_bundle(packed, tmp_path / "restored") as restored:
        again = tmp_path / "restored.png"
        assert write_card(restored, again).picture == "imported card"
    assert [c for c in chunks(again.read_bytes()) if c[0] == b"IDAT"] == image[1:]


_CUT_OFF_CARD = (
    "from truehearth.core.errors import TruehearthError\n"
    "from truehearth.exchange.card_export import write_card\n"
    "from truehearth.home import Home\n"
    "with Home.open(Path(sys.argv[1])) as h:\n"
    "    cut_off(int(sys.argv[3]), kill=sys.argv[4] == 'kill')\n"
    "    try:\n"
    "        write_card(h, Path(sys.argv[2]))\n"
    "    except TruehearthError as exc:\n"
    "        print(exc)\n"
)


@pytest.mark.parametrize("ending", ["kill", "disk-full"])
@pytest.mark.parametrize("name", ["ash.json", "ash.png"])
def test_a_card_cut_off_mid_write_leaves_no_torn_file(
    cli: CliRunner, home_dir: Path, tmp_path: Path, name: str, ending: str
) -> None:
    """A card export killed (or out of space) in the middle of writing leaves nothing at
    its name: only a pid-named temporary file when killed, which the next export removes."""
    with Home.init(home_dir, "Ash") as home:
        home.accept(home.propose(Layer.CORE, "I keep the lamp lit. " * 20).id)
    exports = tmp_path / "exports"
    exports.mkdir()
    target = exports / name
    ran = cut_off(_CUT_OFF_CARD, str(home_dir), str(target), "64", ending)
    assert not target.exists()
    left = list(exports.iterdir())
    if ending == "kill":
        assert ran.returncode == -signal.SIGXFSZ, ran.stderr
        assert [p.name.startswith(f".card-{ran.pid}-") for p in left] == [True]
        assert left[0].stat().st_size == 64  # killed in the middle of the card
    else:
        assert ran.returncode == 0, ran.stderr
        line = ran.stdout.strip()
        assert str(target) in line and "\n" not in line and ".tmp" not in line, line
        assert left == []
    again = cli("export", "card", str(target), "--home", str(home_dir))
    assert again.code == 0, again.err
    assert [p.name for p in exports.iterdir()] == [name]
