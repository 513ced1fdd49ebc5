"""Graph memory: entities and relations derived from records, with bi-temporal validity.

Graph facts are derived tables, rebuilt from records at any time, not journal
events: the records are already the journaled truth with full provenance, and
every edge names the one record it came from. Whether an edge still counts is
decided when it is read, from its source record's current flags, so forgetting
a record or rolling the home back removes its facts without any graph event.

Each edge has two times: ``valid_from`` (when it became true in the world: the
session date or the record's valid-from) and ``recorded_at`` (when the home
learned it). ``valid_until`` is derived on read, and supersession is narrow: a
newer edge ends an older one only for the same subject and the same
single-valued relation (a new city ends the old city, never the old job).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from truehearth.core.errors import InvalidInput, NotFound
from truehearth.core.records import Record, Trust
from truehearth.recall.db import RecallDB
from truehearth.recall.expand import default_expander
from truehearth.recall.extract import RELATIONS, Extractor, Fact, RuleExtractor
from truehearth.recall.indextext import record_date
from truehearth.recall.query import content_words, words

if TYPE_CHECKING:
    from truehearth.home import Home

BATCH = 4096
ALL_CUES = frozenset(cue for relation in RELATIONS.values() for cue in relation.cues)
_WATERMARK = "graph.feed"


@dataclass(frozen=True, slots=True)
class Edge:
    """One relation, with validity and the record it came from."""

    id: int
    subject: str
    relation: str
    object: str
    valid_from: str
    valid_until: str | None
    recorded_at: str
    record: Record
    extractor: str

    @property
    def current(self) -> bool:
        return self.valid_until is None

    def describe(self) -> str:
        until = f" until {self.valid_until}" if self.valid_until else ""
        return f"{self.subject} {self.relation} {self.object} (from {self.valid_from}{until})"


def _key(label: str) -> str:
    return " ".join(label.lower().split())


class Graph:
    """Reads and incrementally syncs the graph of one home."""

    def __init__(self, db: RecallDB, extractor: Extractor | None = None) -> None:
        self.db = db
        self.extractor = extractor or RuleExtractor()

    @classmethod
    def of(cls, home: Home, extractor: Extractor | None = None) -> Graph:
        return cls(home.recall_index, extractor)

    def watermark(self) -> int:
        return self.db.meta_int(_WATERMARK)

    # -- writing ------------------------------------------------------------------

    def sync(self) -> int:
        """Extract facts from record rows added since the last sync."""
        done = 0
        while True:
            since = self.db.meta_int(_WATERMARK)
            feed = self.db.feed_since(since, BATCH)
            if not feed:
                if done:
                    self.db.prune_feed()
                return done
            self._extract([rid for _seq, rid in feed], feed[-1][0])
            done += len(feed)

    def rebuild(self) -> int:
        """Forget every derived edge and extract again from all records."""
        head = self.db.feed_head()
        with self.db.writing() as conn:
            conn.execute("DELETE FROM graph_edges")
            conn.execute("DELETE FROM graph_entities")
            self.db.set_meta(conn, _WATERMARK, "0")
        done, after = 0, 0
        while rids := self.db.all_rids(after, BATCH):
            after = rids[-1]
            self._extract(rids, None)
            done += len(rids)
        with self.db.writing() as conn:
            self.db.set_meta(conn, _WATERMARK, str(head))
        return done + self.sync()

    def _extract(self, rids: list[int], feed_seq: int | None) -> None:
        """Add the facts of these record rows (once per record and extractor)."""
        records = self.db.records_by_rid(rids)
        facts = self.facts(records)
        with self.db.writing() as conn:
            self.write(conn, records, facts, feed_seq)

    def facts(self, records: dict[int, Record]) -> list[Fact]:
        """The facts these records state, found outside any transaction."""
        return self.extractor.extract(list(records.values()))

    def write(
        self,
        conn: sqlite3.Connection,
        records: dict[int, Record],
        facts: list[Fact],
        feed_seq: int | None,
    ) -> None:
        """Write the facts in the caller's transaction, skipping records already read."""
        # Only forward: a concurrent sync may already have gone further.
        if feed_seq is not None and feed_seq > self.db.meta_int(_WATERMARK):
            self.db.set_meta(conn, _WATERMARK, str(feed_seq))
        seen: set[str] = set()
        if records:
            marks = ",".join("?" * len(records))
            seen = {
                str(r[0])
                for r in conn.execute(
                    "SELECT DISTINCT record_id FROM graph_edges WHERE extractor = ? AND "
                    f"record_id IN ({marks})",
                    [self.extractor.name, *(r.id for r in records.values())],
                )
            }
        for fact in facts:
            if fact.record.id not in seen:
                self._insert(fact)

    def _entity(self, label: str) -> int:
        key = _key(label)
        self.db.conn.execute(
            "INSERT INTO graph_entities (key, label) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, label),
        )
        row = self.db.conn.execute("SELECT id FROM graph_entities WHERE key = ?", (key,))
        return int(row.fetchone()[0])

    def _insert(self, fact: Fact) -> None:
        self.db.conn.execute(
            "INSERT INTO graph_edges (subject, relation, object, valid_from, recorded_at, "
            "record_id, extractor) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self._entity(fact.subject),
                fact.relation,
                self._entity(fact.object),
                fact.record.valid_from or record_date(fact.record),
                fact.record.recorded_at,
                fact.record.id,
                self.extractor.name,
            ),
        )

    # -- reading ------------------------------------------------------------------

    def _edges(self, where: str, params: Sequence[object], include_untrusted: bool) -> list[Edge]:
        """Edges matching ``where`` whose source record is current and trusted enough.

        The source records are checked in a second step (by id) rather than in
        a join, so SQLite never walks the record table to answer a graph query.
        """
        rows = self.db.fetch(
            "SELECT e.id, s.label, e.relation, o.label, e.valid_from, e.recorded_at, "
            "e.extractor, e.record_id FROM graph_edges e "
            "JOIN graph_entities s ON s.id = e.subject JOIN graph_entities o ON o.id = e.object "
            f"WHERE {where} ORDER BY e.valid_from, e.recorded_at, e.id",
            params,
        )
        sources = self.db.records_by_id(sorted({str(row[7]) for row in rows}))
        trusts = {Trust.VERIFIED, Trust.UNTRUSTED} if include_untrusted else {Trust.VERIFIED}
        edges = []
        for eid, subj, rel, obj, vf, ra, ex, record_id in rows:
            record = sources.get(str(record_id))
            if record is None or not record.is_current or record.trust not in trusts:
                continue
            edges.append(
                Edge(
                    int(eid), str(subj), str(rel), str(obj), str(vf), None, str(ra), record, str(ex)
                )
            )
        return supersede(edges)

    def about(self, entity: str, *, include_untrusted: bool = True) -> list[Edge]:
        """Every current-source edge touching an entity, oldest first."""
        key = _key(entity)
        if not key:
            raise InvalidInput("the entity name is empty")
        found = self.db.fetch("SELECT id FROM graph_entities WHERE key = ?", (key,))
        if not found:
            raise NotFound(f"no entity {entity!r} in this home's graph")
        eid = int(found[0][0])
        subjects = {
            int(r[0])
            for r in self.db.fetch(
                "SELECT DISTINCT subject FROM graph_edges WHERE object = ?", (eid,)
            )
        }
        marks = ",".join("?" * (len(subjects) + 1))
        edges = self._edges(
            f"e.subject IN ({marks}) OR e.object = ?", [eid, *subjects, eid], include_untrusted
        )
        return [e for e in edges if _key(e.subject) == key or _key(e.object) == key]

    def lookup(self, query: str, *, include_untrusted: bool = True, limit: int = 20) -> list[Edge]:
        """Edges a question asks about: by relation cue words and by named entities."""
        asked = set(words(query))
        # A question's words and their nearest words in the embedding space:
        # "sibling" asks about sisters and brothers without a synonym list.
        asked.update(default_expander().near_any(query, ALL_CUES))
        relations = [r.name for r in RELATIONS.values() if r.cues & asked]
        names = [w for w in content_words(query) if len(w) > 2]
        clauses: list[str] = []
        params: list[object] = []
        if relations:
            clauses.append(f"e.relation IN ({','.join('?' * len(relations))})")
            params.extend(relations)
        if names:
            marks = ",".join("?" * len(names))
            clauses.append(f"e.object IN (SELECT id FROM graph_entities WHERE key IN ({marks}))")
            params.extend(names)
        if not clauses:
            return []
        edges = self._edges(" OR ".join(clauses), params, include_untrusted)
        # Newest-valid first, and the currently valid ones ahead of ended ones.
        edges.sort(key=lambda e: (not e.current, e.valid_from), reverse=False)
        edges.sort(key=lambda e: e.current, reverse=True)
        return edges[:limit]


def supersede(edges: list[Edge]) -> list[Edge]:
    """End each single-valued edge when the next one for the same subject and relation starts.

    ``edges`` must be sorted oldest first. Only the same (subject, relation) pair
    is ever compared: supersession never sweeps across the graph.
    """
    latest: dict[tuple[str, str], int] = {}
    out = list(edges)
    for i, edge in enumerate(out):
        relation = RELATIONS.get(edge.relation)
        if relation is None or not relation.single:
            continue
        pair = (_key(edge.subject), edge.relation)
        before = latest.get(pair)
        if before is not None and _key(out[before].object) != _key(edge.object):
            out[before] = replace(out[before], valid_until=edge.valid_from)
        latest[pair] = i
    return out
