"""Which embedder a home uses, and switching it without ever mixing vector spaces."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from truehearth.core.errors import InvalidInput
from truehearth.core.progress import Progress
from truehearth.recall.db import RecallDB
from truehearth.recall.embedders import DEFAULT_EMBEDDER, Embedder, factories, make_embedder
from truehearth.recall.vectors import VectorIndex, index_files

if TYPE_CHECKING:
    from truehearth.home import Home


def active_choice(db: RecallDB) -> tuple[str, dict[str, str]]:
    name = db.meta("embedder", DEFAULT_EMBEDDER) or DEFAULT_EMBEDDER
    options = json.loads(db.meta("embedder.options", "{}") or "{}")
    return name, {str(k): str(v) for k, v in options.items()}


def active_embedder(home: Home) -> Embedder:
    name, options = active_choice(home.recall_index)
    return make_embedder(name, options)


def index_of(db: RecallDB) -> VectorIndex:
    """The vector index of the embedder this home uses now.

    The same object is handed out for as long as the choice stands, so its
    mapped files and inverted lists stay open between queries instead of being
    opened again for each one (it checks them against the files itself).
    """
    name, options = active_choice(db)
    key = f"vector-index:{name}:{json.dumps(options, sort_keys=True)}"
    kept = db.kept.get(key)
    if isinstance(kept, VectorIndex):
        return kept
    index = VectorIndex(db, make_embedder(name, options))
    db.kept = {k: v for k, v in db.kept.items() if not k.startswith("vector-index:")}
    db.kept[key] = index
    return index


def active_index(home: Home) -> VectorIndex:
    return index_of(home.recall_index)


def parse_options(pairs: list[str]) -> dict[str, str]:
    """``key=value`` pairs from the command line."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"embedder options are key=value, not {pair!r}")
        options[key.strip()] = value.strip()
    return options


def use_embedder(
    home: Home, name: str, options: dict[str, str], progress: Progress | None = None
) -> VectorIndex:
    """Make ``name`` the home's embedder: embed everything with it, then drop other spaces.

    The new index is complete before the switch is recorded, so a search never
    sees a half-built space, and the old vectors are removed afterwards, so no
    two spaces ever sit side by side.
    """
    known = factories()
    if name not in known:
        raise InvalidInput(f"unknown embedder {name!r}; choose one of: {', '.join(known)}")
    db = home.recall_index
    index = VectorIndex(db, make_embedder(name, options))
    index.rebuild(progress)
    with db.writing() as conn:
        db.set_meta(conn, "embedder", name)
        db.set_meta(conn, "embedder.options", json.dumps(options, sort_keys=True))
        conn.execute("DELETE FROM recall_vectors WHERE embedder != ?", (index.eid,))
        conn.execute(
            "DELETE FROM recall_meta WHERE key LIKE 'vec.%' AND key NOT LIKE ?",
            (f"%:{index.eid}",),
        )
    keep = set(index.files())
    for path in index_files(db.index_dir):
        if path not in keep:
            path.unlink(missing_ok=True)
    return index


def spaces(home: Home) -> dict[str, int]:
    """How many vectors each embedder id holds in this home (one entry when healthy)."""
    rows = home.recall_index.fetch(
        "SELECT embedder, count(*) FROM recall_vectors GROUP BY embedder"
    )
    return {str(e): int(n) for e, n in rows}
