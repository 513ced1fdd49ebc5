"""Projection rows kept between questions, dropped the moment the store changes them.

A question reads the projection rows of its ~150 candidates, and mostly the same
rows as the question before (the home's common turns and memories). Every turn
commits to the home's database, and a commit by another connection empties each
connection's page cache: reading the same rows again took ~0.5 ms a question, for
rows that had not changed.

The store logs every record row updated or deleted, by a trigger, in
``record_changes`` (a row inserted has a row id never read before, and a row id
freed by a delete is logged when it is freed). So rows are kept across questions
and, before each question, the rows changed since the last look are dropped:
one indexed read of a few log entries instead of ~150 rows. A correction, a
forget, a rollback, a hand edit of the table, from this connection or any other
process, is in the log once committed, and the next question reads that row
anew. A gap in the log (entries removed) drops everything.

The check is done before the rows are read, each in its own read: a change
committed between the two is read with the row and logged after the position
taken, so the next question drops the row once more (never keeps a stale one).
"""

from __future__ import annotations

from collections.abc import Sequence

from truehearth.store.base import ProjectionReader, ProjectionRow

KEEP = 4096
"""Rows kept at most (a few MB); all are dropped when it fills."""


class KeptRows:
    """One connection's projection rows by row id, valid as of :meth:`refresh`."""

    def __init__(self, projection: ProjectionReader) -> None:
        self.projection = projection
        self.rows: dict[int, ProjectionRow] = {}
        self.mark: int | None = None  # the change log's position the rows are valid at
        self.dropped = 0  # rows dropped because the store changed them (tests)

    def refresh(self) -> None:
        """Drop the rows changed since the last refresh (all of them the first time)."""
        if self.mark is None:
            self.rows.clear()
            self.mark = self.projection.changes_head()
            return
        changes = self.projection.changes_since(self.mark)
        if not changes:
            return
        if changes[0][0] != self.mark + 1:  # entries were removed: nothing can be trusted
            self.dropped += len(self.rows)
            self.rows.clear()
        for _seq, rid in changes:
            if self.rows.pop(rid, None) is not None:
                self.dropped += 1
        self.mark = changes[-1][0]

    def read(self, rids: Sequence[int]) -> dict[int, ProjectionRow]:
        """The rows at ``rids`` (those the table does not hold are left out): kept ones
        as they are, the others read from the store and kept."""
        rows = self.rows
        missing = [rid for rid in rids if rid not in rows]
        if missing:
            found = self.projection.rows_by_rid(missing)
            if len(rows) + len(found) > KEEP:
                rows.clear()
            rows.update(found)
        return {rid: rows[rid] for rid in rids if rid in rows}
