"""Recall's catch-up: every index brought up to date with the record feed at once.

The talk index, the vector index and the graph each follow the store's record
feed with a watermark of their own, and each can sync alone (retrieval syncs
the one it is about to read). Between turns, though, all three have the same
few new rows to read. Synced one after another, each read the feed and the
records again and took the index lock and a transaction of its own, which was
most of a proxy turn's catch-up time. Here, when the three watermarks agree
(the usual case), each batch of new rows is read once, each index makes its
part outside any transaction (documents, vectors, facts), and all three are
written, watermarks included, in one transaction: a process killed mid-way
leaves every index where it was, never one ahead of another.

Whenever the indexes do not agree (one was rebuilt or is rebuilding, a
concurrent sync moved one, the feed was trimmed past them), the indexes sync
one by one as before, and each handles its own case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from truehearth.recall import meaning_list
from truehearth.recall.db import RecallDB
from truehearth.recall.graph import Graph
from truehearth.recall.meaning import chosen, shared_model, unavailable
from truehearth.recall.meaning_list import MeaningList
from truehearth.recall.settings import index_of
from truehearth.recall.talk import TalkIndex
from truehearth.recall.vectors import COMMON, COMMON_SHARE, VectorIndex
from truehearth.store.connect import driver_errors

if TYPE_CHECKING:
    from truehearth.home import Home

BATCH = 4096
INLINE = 64
"""Rows behind at most that a retrieval on a turn's path indexes itself (about half a second).

Between turns the catch-up leaves a turn's own few rows, which the next
retrieval indexes before it searches, exactly as it always has. A large import
leaves thousands (5,000 passages took 40 s to index): a turn that waited for
them answered after any client's timeout. Beyond this many, the turn searches
the index as it stands, ``--explain`` says how far behind it is, and the
catch-up (a server's thread, or the CLI once the reply is shown) indexes them.
"""


class _Moved(Exception):
    """Another sync moved a watermark while this batch was being made."""


def sync_indexes(home: Home) -> int:
    """Bring every index hybrid recall reads up to date with the records; returns rows read.

    Retrieval does this itself before it searches; a server calls it between
    turns so the next retrieval finds nothing left to do (the work leaves the
    request's path, the answer does not change). Rows are counted once per
    index, as when the indexes synced one by one.
    """
    with driver_errors(), home.recall_index.held():
        done = catch_up(home.recall_index)
        # What the home's talk has in common (the second vector list's) is estimated again
        # each time the home grows by a thirty-second, tens of ms: here, between turns, not
        # on a question's path; kept in the index directory, where the request's own index
        # (another Home object, in the server) reads it in about 2 ms.
        index_of(home.recall_index).common(COMMON, COMMON_SHARE)
        return done + meaning_step(home.recall_index)


def meaning_step(db: RecallDB, seconds: float | None = -1.0) -> int:
    """One slice of the meaning list's catch-up (recall/meaning_list.py), when the home has
    meaning on and the extra is installed; returns the records it read or removed. Bounded
    (about ``seconds``; -1: :data:`~.meaning_list.STEP_SECONDS`, None: to the end), so a
    pass between turns stays short; :func:`meaning_behind` says
    whether another pass is due."""
    listed = _meaning_list(db)
    if listed is None:
        return 0
    caught = listed.catch_up(meaning_list.STEP_SECONDS if seconds == -1.0 else seconds)
    return caught.embedded + caught.removed


def meaning_behind(db: RecallDB) -> bool:
    """Whether the home's meaning list has journal changes left to read (a few reads)."""
    with driver_errors():
        listed = _meaning_list(db)
        return listed is not None and listed.behind()


def _meaning_list(db: RecallDB) -> MeaningList | None:
    if not chosen(db) or unavailable() is not None:
        return None
    return MeaningList(db, shared_model())


def behind(db: RecallDB) -> int:
    """How many record rows the index furthest behind has yet to read (0: up to date).

    A vector space that must be built from the records (new, rebuilding, or
    short of rows) counts every record, an upper bound: the rebuild reads them
    all. A few indexed reads, so a turn can ask before it decides to sync.
    """
    with driver_errors():
        talk, vectors, graph = TalkIndex(db), index_of(db), Graph(db)
        rebuild = vectors.rebuilding() or (vectors.count() == 0 and vectors.watermark() == 0)
        if rebuild or vectors.lost_rows():
            return db.count_records()
        return db.projection.feed_count_since(min(_marks(talk, vectors, graph)))


def catch_up(db: RecallDB) -> int:
    """:func:`sync_indexes` for one recall database."""
    talk, vectors, graph = TalkIndex(db), index_of(db), Graph(db)
    mark = _common_mark(talk, vectors, graph)
    if mark is None:
        return _one_by_one(talk, vectors, graph)
    done = 0
    while feed := db.feed_since(mark, BATCH):
        if feed[0][0] > mark + 1 and not done:
            return _one_by_one(talk, vectors, graph)  # trimmed past us: talk reads the records
        rids = [rid for _seq, rid in feed]
        records = db.records_by_rid(rids)
        seq = feed[-1][0]
        docs = talk.documents(records)
        embedded = vectors.embedded(records, rids)
        facts = graph.facts(records)
        try:
            with db.writing() as conn:
                if _marks(talk, vectors, graph) != (mark, mark, mark):
                    raise _Moved
                talk.write(conn, docs, seq)
                graph.write(conn, records, facts, seq)
                vectors.write(conn, embedded, seq)
        except _Moved:
            return 3 * done + _one_by_one(talk, vectors, graph)
        mark = seq
        done += len(feed)
        if len(feed) < BATCH:
            break  # the feed's end: rows added since are the next pass's
    if done:
        db.prune_feed()
        vectors.refresh_lists()
    return 3 * done


def _marks(talk: TalkIndex, vectors: VectorIndex, graph: Graph) -> tuple[int, int, int]:
    return talk.watermark(), vectors.watermark(), graph.watermark()


def _common_mark(talk: TalkIndex, vectors: VectorIndex, graph: Graph) -> int | None:
    """The feed position all three indexes have reached, if they agree and none is rebuilding
    (or must be: vector files that lost rows are rebuilt by the vector index's own sync)."""
    if vectors.rebuilding() or (vectors.count() == 0 and vectors.watermark() == 0):
        return None
    if vectors.lost_rows():
        return None
    marks = _marks(talk, vectors, graph)
    return marks[0] if len(set(marks)) == 1 else None


def _one_by_one(talk: TalkIndex, vectors: VectorIndex, graph: Graph) -> int:
    """Each index syncs alone, with its own rebuild and resume rules."""
    return talk.sync() + vectors.sync() + graph.sync()
