"""The import index: imported records by name and text digest, kept with the journal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from truehearth.core.import_keys import keys_of
from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.homedir import DB_NAME

FIXTURE = Path(__file__).parent / "fixtures" / "exchange" / "chatgpt_conversations.json"


def _rows(home: Home) -> list[tuple[str, bytes, bytes]]:
    with sqlite3.connect(home.path / DB_NAME) as conn:
        rows = sorted((str(i), bytes(n), bytes(s)) for i, n, s in conn.execute(
            "SELECT id, name, said FROM import_index"))  # fmt: skip
    conn.close()
    return rows


def test_every_imported_record_is_indexed_and_nothing_else(home: Home) -> None:
    import_path(home, FIXTURE, "chatgpt")
    home.remember("a memory of the human's own")
    imported = [r for r in home.records(limit=100) if r.source.via == "import"]
    want = sorted((r.id, *(keys_of(r.to_json()) or (b"", b""))) for r in imported)
    assert len(want) == 8 and _rows(home) == want
    names = [name for _id, name, _said in want]
    held = home.store.imported_texts(names)
    assert {name: {said} for _id, name, said in want} == held


def test_verify_finds_an_import_index_that_differs_from_the_journal(home: Home) -> None:
    import_path(home, FIXTURE, "chatgpt")
    assert home.verify().ok
    first = "(SELECT min(id) FROM import_index)"
    for change in (f"UPDATE import_index SET said = zeroblob(16) WHERE id = {first}",
                   f"DELETE FROM import_index WHERE id = {first}"):  # fmt: skip
        with sqlite3.connect(home.path / DB_NAME) as conn:
            conn.execute(change)
        conn.close()
        report = home.verify()
        assert not report.ok and "import index" in (report.state_problem or ""), change


def test_a_home_from_before_the_index_gets_its_imports_indexed(home_dir: Path) -> None:
    with Home.init(home_dir, "Ash") as home:
        import_path(home, FIXTURE, "chatgpt")
        home.forget(home.records(limit=1)[0].id)  # a forgotten record keeps its keys
        head, rows = home.head(), _rows(home)
        values = sorted(json.dumps(v, sort_keys=True) for v in home.store.entities("record"))
    with sqlite3.connect(home_dir / DB_NAME) as conn:  # the file as m006 left it
        conn.execute("DROP TABLE import_index")
        conn.execute("DELETE FROM _migrations WHERE name = 'm007_import_index'")
    conn.close()
    with Home.open(home_dir) as home:
        assert home.head() == head and _rows(home) == rows
        after = sorted(json.dumps(v, sort_keys=True) for v in home.store.entities("record"))
        assert after == values  # nothing lost, nothing changed
        assert home.verify().ok
