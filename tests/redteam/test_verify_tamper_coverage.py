"""Tamper coverage: edit every column of every table, and every file of the home, one at a time.

Each edit must be named by `verify` (or refused when the home is opened), or
belong to data that docs/SECURITY.md lists as derived and rebuilt; and for
those, nothing tampered may reach a prompt unnoticed: the turn either refuses
or its prompt carries none of the tampered text.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from truehearth.core.errors import TruehearthError
from truehearth.core.records import Layer
from truehearth.exchange import bundle
from truehearth.exchange.formats import import_path
from truehearth.home import Home
from truehearth.homedir import DB_NAME
from truehearth.mouths import registry
from truehearth.mouths.doubles import EchoMouth
from truehearth.turn import Conversation

MARK = "TAMPERED-Qz7"
SECURITY = Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md"
QUESTION = "do you remember the river and the herons?"
CHATGPT = (
    Path(__file__).resolve().parents[1] / "fixtures" / "exchange" / "chatgpt_conversations.json"
)


def _derived() -> set[str]:
    """Names listed in SECURITY.md's "Derived data" section, in backticks."""
    text = SECURITY.read_text()
    section = text.split("## Derived data", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([^`]+)`", section))


def _is_derived(table: str) -> bool:
    """Listed by name, or recall's own (``recall_*``: its migrations make them)."""
    derived = _derived()
    return table in derived or (table.startswith("recall_") and "recall_*" in derived)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with something in every table, built once (copies are tampered)."""
    root = tmp_path_factory.mktemp("coverage")
    path = root / "home"
    with pytest.MonkeyPatch.context() as env:
        # Module-scoped, so built before the per-test environment: give it its own.
        env.setenv("XDG_DATA_HOME", str(root / "xdg-data"))
        env.setenv("TRUEHEARTH_HOME", str(root / "default-home"))
        with Home.init(path, "Ash") as home:
            home.accept(home.propose(Layer.CORE, "My name is Ash. I keep my vows.").id)
            home.accept(home.propose(Layer.BOUNDARY, "Never share her address.").id)
            home.propose(Layer.CORE, "A pending vow about the lighthouse.")
            home.remember("We walk by the river on Sundays and name the herons.", verified=True)
            home.remember("My sister's name is Mira, she lives by the river.", verified=True)
            home.remember("Jonas is my best friend from school.")
            home.remember("Maybe the river walk was on Saturdays.")
            import_path(home, CHATGPT, "chatgpt")  # fills the import index and its keys
            registry.add(home, "echo", "echo")
            Conversation(home, EchoMouth(), "echo").say(QUESTION)
            bundle.export_bundle(home, root / "signed.zip")
            assert home.verify().ok
    return path


def _columns(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        found = []
        for table in tables:
            if table == "records_fts":
                continue  # the virtual table: its storage is the records_fts_* tables
            for column in conn.execute(f'PRAGMA table_info("{table}")'):
                found.append((table, str(column[1])))
        return found
    finally:
        conn.close()


def _columns_of_original() -> list[tuple[str, str]]:
    """Every (table, column) of a freshly made home, for parametrizing."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        with Home.init(Path(tmp) / "h", "Ash") as home:
            home.remember("A memory, so recall builds its tables.")
            home.recall("memory")
        return _columns(Path(tmp) / "h" / DB_NAME)


def _changed(value: Any) -> Any:
    if isinstance(value, int):
        return value + 1_000_003  # far enough not to collide with another row
    if value is None:
        return MARK
    raw = bytes(value) if isinstance(value, bytes | memoryview) else None
    text = raw.decode("utf-8", "replace") if raw is not None else str(value)
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        if isinstance(parsed.get("text"), str):
            parsed["text"] = MARK + " " + parsed["text"]
        else:
            parsed[MARK] = True
        out = orjson.dumps(parsed, option=orjson.OPT_SORT_KEYS)
        return out if raw is not None else out.decode()
    if raw is not None:
        return raw[:-1] + bytes([raw[-1] ^ 1]) if raw else MARK.encode()
    return MARK + " " + text


def _tamper(db: Path, table: str, column: str) -> str:
    """Change ``column`` in one row of ``table``; returns what happened."""
    conn = sqlite3.connect(db)
    try:
        names = [str(c[1]) for c in conn.execute(f'PRAGMA table_info("{table}")')]
        rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
        if not rows:
            return "empty"
        # Prefer the row about the river, so a derived edit has a chance to reach the prompt.
        row = next((r for r in rows if "river" in repr(r)), rows[0])
        where = " AND ".join(f'"{n}" IS ?' for n in names)
        new = _changed(row[names.index(column)])
        try:
            with conn:
                conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE {where}', (new, *row))
        except sqlite3.IntegrityError:
            return "refused by a constraint"
        return "changed"
    finally:
        conn.close()


def _verdict(path: Path) -> str | None:
    """What verify (or opening) says about the home; None when it says ok."""
    try:
        with Home.open(path) as home:
            report = home.verify()
            return None if report.ok else report.problem
    except TruehearthError as exc:
        return f"refused at open: {exc}"


def _prompt_is_clean(path: Path) -> bool:
    """A turn either refuses, or its prompt carries nothing tampered."""
    try:
        with Home.open(path) as home:
            context = Conversation(home, EchoMouth(), "echo").prepare(QUESTION)
    except TruehearthError:
        return True
    return all(MARK not in m.content for m in context.messages)


@pytest.mark.parametrize(("table", "column"), _columns_of_original())
def test_every_column_of_every_table(
    original: Path, tmp_path: Path, table: str, column: str
) -> None:
    copy = tmp_path / "home"
    shutil.copytree(original, copy)
    what = _tamper(copy / DB_NAME, table, column)
    if what in ("empty", "refused by a constraint"):
        assert _is_derived(table) or what == "refused by a constraint" or table == "home_secrets"
        return
    problem = _verdict(copy)
    if problem is None:
        assert _is_derived(table), f"{table}.{column} was edited and verify said ok"
        assert _prompt_is_clean(copy), f"a tampered {table}.{column} reached a prompt"


HOME_FILES = {
    "home.toml name": ("home.toml", 'name = "Ash"', 'name = "Max"'),
    "home.toml home_id": ("home.toml", 'home_id = "h', 'home_id = "hX'),
    "home.toml public_key": ("home.toml", 'public_key = "', 'public_key = "AAAA'),
    "signing.key": ("keys/signing.key", "-----\n", "-----\nMC4CAQAwBQYDK2VwBCIEIP"),
}


@pytest.mark.parametrize("edit", sorted(HOME_FILES))
def test_every_file_of_the_home(original: Path, tmp_path: Path, edit: str) -> None:
    copy = tmp_path / "home"
    shutil.copytree(original, copy)
    name, old, new = HOME_FILES[edit]
    target = copy / name
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    assert _verdict(copy) is not None, f"{edit} was edited and verify said ok"


def test_files_that_are_not_checked_are_documented(original: Path) -> None:
    derived = _derived()
    unchecked = {"home.toml: created_at", "keys/signing.pub", "keys/server.token", "index/"}
    assert unchecked <= derived
