"""Lorebooks (standalone world info and a card's character_book) and older card formats.

The samples are built from each format's published shape (see
``tests/fixtures/exchange/SOURCES.md``): SillyTavern's world-info file, whose
``entries`` are keyed by uid with ``key``/``keysecondary``/``content``/
``comment``/``constant``/``disable``; the card spec's ``character_book``;
Pygmalion's ``char_name`` JSON; text-generation-webui's YAML character; and the
NovelAI, Agnai and RisuAI lorebook fields that SillyTavern's own converters read
(``public/scripts/world-info.js``).
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CliRunner
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, Record, Trust
from truehearth.exchange import sillytavern_card
from truehearth.exchange.formats import import_path
from truehearth.exchange.limits import Limits
from truehearth.exchange.parsed import Item, Suggestion
from truehearth.exchange.png import tiny_png
from truehearth.home import Home

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


def _archive(home: Home) -> dict[str, Record]:
    return {r.source.locator or "": r for r in home.records(layers=[Layer.ARCHIVE], limit=1_000)}


def test_world_info_entries_keep_their_keys_and_marked_ones_are_proposed(home: Home) -> None:
    report = import_path(home, FIXTURES / "world_info_harbour.json", "lorebook")
    assert (report.records, report.proposals) == (4, 2)
    (book,) = {r.source.session for r in _archive(home).values()}
    assert book is not None and len(book) == len("lorebook:") + 12  # named by what it holds
    found = {loc.removeprefix(f"{book}/entry/"): r for loc, r in _archive(home).items()}
    lamp = found["0"]
    assert lamp.meta["keys"] == ["lamp", "lens"] and lamp.meta["secondary_keys"] == ["light"]
    assert lamp.meta["comment"] == "The lamp" and lamp.meta["constant"] is False
    assert lamp.text.endswith("{{char}} polishes it every Sunday.")  # archive keeps it as written
    assert lamp.trust is Trust.UNTRUSTED
    assert found["5"].meta["enabled"] is False
    assert home.identity() == []  # nothing written to identity
    by_layer = {p.layer: p for p in home.proposals()}
    assert by_layer[Layer.CORE].text == (
        "the companion keeps every promise made to the human, even small ones."
    )
    assert by_layer[Layer.CORE].source.locator == f"{book}/entry/1"
    assert by_layer[Layer.BOUNDARY].text.startswith("the companion never pretends")
    assert "Boundaries" in (by_layer[Layer.BOUNDARY].why or "")
    # the disabled constant entry (uid 5) is kept as archive but not proposed
    assert all("1952" not in p.text for p in home.proposals())


def test_unnamed_books_never_share_a_session(home: Home, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"entries": {"0": {"uid": 0, "key": ["x"], "content": "Fog."}}}))
    import_path(home, FIXTURES / "world_info_harbour.json", "lorebook")
    import_path(home, other, "lorebook")
    named = tmp_path / "named.json"
    named.write_text(json.dumps({"name": "Coast", "entries": [{"keys": ["y"], "content": "Ice."}]}))
    import_path(home, named, "lorebook")
    sessions = {r.source.session for r in _archive(home).values()}
    assert len(sessions) == 3 and "lorebook:Coast" in sessions


@pytest.mark.parametrize(
    ("book", "constant"),
    [
        (
            {
                "lorebookVersion": 5,
                "entries": [
                    {
                        "text": "The ferry leaves at six.",
                        "keys": ["ferry"],
                        "displayName": "Ferry",
                        "enabled": True,
                        "contextConfig": {"budgetPriority": 400},
                    }
                ],
            },
            False,
        ),
        (
            {
                "kind": "memory",
                "name": "Harbour",
                "entries": [
                    {
                        "name": "Ferry",
                        "entry": "The ferry leaves at six.",
                        "keywords": ["ferry"],
                        "priority": 0,
                        "weight": 400,
                        "enabled": True,
                    }
                ],
            },
            False,
        ),
        (
            {
                "type": "risu",
                "data": [
                    {
                        "key": "ferry, boat",
                        "secondkey": "",
                        "comment": "Ferry",
                        "content": "The ferry leaves at six.",
                        "mode": "normal",
                        "insertorder": 400,
                        "alwaysActive": True,
                        "selective": False,
                    }
                ],
            },
            True,
        ),
    ],
    ids=["novelai", "agnai", "risu"],
)
def test_other_lorebook_shapes(
    home: Home, tmp_path: Path, book: dict[str, Any], constant: bool
) -> None:
    path = tmp_path / "book.json"
    path.write_text(json.dumps(book))
    report = import_path(home, path, "lorebook")
    (entry,) = _archive(home).values()
    assert entry.text == "The ferry leaves at six." and entry.meta["keys"][0] == "ferry"
    assert entry.meta["comment"] == "Ferry" and entry.meta["order"] == 400
    assert entry.meta["constant"] is constant and report.proposals == int(constant)


def _card_with_book(tmp_path: Path) -> Path:
    card: dict[str, Any] = json.loads((FIXTURES / "card_v2.json").read_text())
    card["spec"], card["spec_version"] = "chara_card_v3", "3.0"
    card["data"]["character_book"]["entries"].append(
        {
            "id": 7,
            "keys": ["letters"],
            "secondary_keys": [],
            "comment": "Core: the letters",
            "content": "{{char}} answers every letter {{user}} writes.",
            "constant": True,
            "enabled": True,
            "insertion_order": 5,
            "extensions": {},
            "use_regex": False,
        }
    )
    path = tmp_path / "wren_v3.json"
    path.write_text(json.dumps(card))
    return path


def test_embedded_character_book_entries_and_constant_proposal(home: Home, tmp_path: Path) -> None:
    report = import_path(home, _card_with_book(tmp_path), "card")
    found = _archive(home)
    fresnel = found["card:Wren/character_book/0"]
    assert fresnel.meta["kind"] == "lorebook" and fresnel.meta["keys"] == ["lamp", "lens"]
    assert fresnel.meta["book"] == "Coast" and fresnel.meta["order"] == 10
    letters = found["card:Wren/character_book/7"]
    assert letters.meta["constant"] is True
    assert report.proposals == 4  # description, personality, greeting, the constant entry
    (marked,) = [p for p in home.proposals() if p.source.locator == "card:Wren/character_book/7"]
    assert marked.layer is Layer.CORE
    assert marked.text == "Wren answers every letter the human writes."


def test_pygmalion_card_is_read_like_a_v1_card(home: Home) -> None:
    report = import_path(home, FIXTURES / "card_pygmalion.json", "card")
    texts = {p.text for p in home.proposals()}
    assert report.proposals == 2
    assert "Juniper is a patient gardener who talks to the human about seeds and weather." in texts
    assert "*brushes soil off her hands* Oh, hello the human!" in texts
    found = _archive(home)
    assert found["card:Juniper/scenario"].text.startswith("A small allotment")
    assert found["card:Juniper/mes_example"].text.startswith("<START>")
    assert found["card:Juniper/card"].meta["spec"] == "pygmalion"


def test_ooba_yaml_character(home: Home) -> None:
    report = import_path(home, FIXTURES / "card_ooba.yaml", "card")
    assert report.proposals == 2
    (context,) = [p for p in home.proposals() if "description" in (p.source.locator or "")]
    assert "never lets the human win on purpose" in context.text
    whole = _archive(home)["card:Sable/card"]
    assert whole.meta["spec"] == "ooba_yaml" and '"your_name": "Noor"' in whole.text


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"name: A\ncontext: &x [1]\ngreeting: *x\n", "anchors and aliases"),
        (b"name: A\ncontext: [unclosed\n", "malformed YAML"),
        (b"name: A\nyour_name: B\n", "no name and context or greeting"),
        (b"name: A\ncontext: " + b"[" * 100 + b"]" * 100 + b"\n", "nested deeper"),
        (b"name: A\ncontext: " + b"x" * (4 * 1024 * 1024) + b"\n", "larger than 4 MiB"),
    ],
    ids=["alias", "malformed", "no-context", "deep", "huge"],
)
def test_bad_yaml_cards_write_nothing(home: Home, tmp_path: Path, body: bytes, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(body)
    head = home.head()
    with pytest.raises(InvalidInput, match=needle):
        import_path(home, path, "card")
    assert home.head() == head


@settings(max_examples=150, deadline=None)
@given(tail=st.text(max_size=200))
def test_any_yaml_card_imports_or_refuses_cleanly(tail: str) -> None:
    """Whatever follows a YAML character's first key, the parser ends in cards or one error."""
    raw = ("name: A\ncontext: " + tail).encode("utf-8", "surrogatepass")
    try:
        items = list(sillytavern_card.parse(io.BytesIO(raw), Limits()))
    except InvalidInput:
        return
    assert items and all(isinstance(item, (Item, Suggestion)) for item in items)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"name": "no entries"}', "no entries"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"entries": {"0": {"key": ["a"], "content": "x"}', "malformed"),
    ],
)
def test_bad_lorebooks_get_one_line(
    cli: CliRunner, home_dir: Path, tmp_path: Path, body: bytes, needle: str
) -> None:
    assert cli("init", "--home", str(home_dir), "--name", "Ash").code == 0
    path = tmp_path / "bad.json"
    path.write_bytes(body)
    before = cli("log", "--home", str(home_dir), "--json").out
    result = cli("import", "lorebook", str(path), "--home", str(home_dir))
    assert result.code != 0
    assert needle in result.err and len(result.err.strip().splitlines()) == 1
    assert cli("log", "--home", str(home_dir), "--json").out == before


def test_lorebook_cli_imports(cli: CliRunner, home_dir: Path) -> None:
    assert cli("init", "--home", str(home_dir), "--name", "Ash").code == 0
    path = FIXTURES / "world_info_harbour.json"
    result = cli("import", "lorebook", str(path), "--home", str(home_dir), "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert (report["records"], report["proposals"]) == (4, 2)


def test_a_card_png_given_as_a_lorebook_yields_its_book(home: Home, tmp_path: Path) -> None:
    card = _card_with_book(tmp_path).read_bytes()
    png = tmp_path / "wren.png"
    png.write_bytes(tiny_png({"chara": base64.b64encode(card)}))
    report = import_path(home, png, "lorebook")
    assert (report.records, report.proposals) == (2, 1)  # the book only, not the card
    keys = sorted(tuple(r.meta["keys"]) for r in _archive(home).values())
    assert keys == [("lamp", "lens"), ("letters",)]
    (proposal,) = home.proposals()
    assert proposal.text == "Wren answers every letter the human writes."  # the card's name
