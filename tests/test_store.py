"""The SQLite store: migrations run forward only, and a newer home is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from truehearth.core.errors import HomeCorrupt
from truehearth.home import Home
from truehearth.homedir import DB_NAME
from truehearth.store.migrations import MIGRATIONS, Migration
from truehearth.store.projection import fts_query
from truehearth.store.sqlite import SQLiteStore


def test_every_migration_is_recorded_once(home: Home) -> None:
    with sqlite3.connect(home.path / DB_NAME) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY name")]
        modes = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert names == sorted(m.name for m in MIGRATIONS)
    assert modes == "wal"


def test_a_new_migration_runs_on_open_and_only_once(home: Home) -> None:
    home.close()
    extra = Migration("m999_test_extra", ["CREATE TABLE extra (x INTEGER)"])
    for _ in range(2):
        store = SQLiteStore(home.path / DB_NAME, migrations=(*MIGRATIONS, extra))
        store.close()
    with sqlite3.connect(home.path / DB_NAME) as conn:
        count = conn.execute("SELECT count(*) FROM _migrations WHERE name = ?", (extra.name,))
        assert count.fetchone()[0] == 1


def test_a_home_from_a_newer_version_is_refused(home: Home) -> None:
    home.close()
    with sqlite3.connect(home.path / DB_NAME) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('m900_from_the_future', 'now')")
    with pytest.raises(HomeCorrupt, match="newer truehearth"):
        Home.open(home.path)


def test_a_failed_migration_leaves_nothing_behind(home: Home) -> None:
    home.close()
    broken = Migration("m998_broken", ["CREATE TABLE half (x INTEGER)", "THIS IS NOT SQL"])
    with pytest.raises(HomeCorrupt):
        SQLiteStore(home.path / DB_NAME, migrations=(*MIGRATIONS, broken))
    with sqlite3.connect(home.path / DB_NAME) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "half" not in tables


def test_a_missing_database_is_not_created_silently(tmp_path: Path) -> None:
    with pytest.raises(HomeCorrupt, match="missing"):
        SQLiteStore(tmp_path / "nothing.db")
    assert not (tmp_path / "nothing.db").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rainy Tuesday", '"rainy" OR "Tuesday"'),
        ('NEAR("a" b) OR -x*', '"NEAR" OR "a" OR "b" OR "OR" OR "x"'),
    ],
)
def test_user_text_never_becomes_fts_syntax(text: str, expected: str) -> None:
    assert fts_query(text) == expected
