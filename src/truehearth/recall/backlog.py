"""Recall's backlog pass: a keyword search over the records its indexes have not read yet.

After a large import a turn does not wait for recall's indexes (see
:data:`~truehearth.recall.catchup.INLINE`): it searches them as they stand, and
the catch-up indexes the import off the turn's path, some 45-60 s for 5,000
passages. Until then nothing of the import could be recalled, so a user who
imported their chats and asked at once about something in them got nothing.

The store's own full-text index is written with the records, in the import's
transaction, so it already holds them. While the talk index is behind, this
pass asks it (:meth:`~truehearth.store.base.ProjectionReader.feed_matches`)
for the question's words among the rows past the talk index's watermark: one
BM25 query bounded to the feed's tail, with the words the common-word filter
kept (so at most :data:`~truehearth.recall.keywords.PASS_BUDGET` rows scored),
a few milliseconds on 5,000 rows. Its hits join fusion as one more keyword
list, through the same admission (current, layer, trust), so what it finds is
ranked, fenced and budgeted exactly as indexed text is. Once the indexes have
caught up the pass finds no row and is not run: a turn's answer is then what
it was without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from truehearth.recall.db import RecallDB
from truehearth.recall.glance import Glance
from truehearth.recall.keyword_passes import Asked, standout
from truehearth.recall.question_rows import QuestionRows
from truehearth.recall.talk import TalkIndex

if TYPE_CHECKING:
    from truehearth.recall.hybrid import Fusion

BACKLOG = "backlog keyword match"
# One hit as fusion adds it: rank, the record, raw bm25, its reason, the list's fusion weights.
Listed = tuple[int, Glance, float, str, tuple[float, int]]


@dataclass(frozen=True, slots=True)
class BacklogHit:
    """A record the indexes have not read yet that has some of the question's words."""

    seen: Glance
    score: float  # bm25 in the store's full-text index, higher is better
    words: tuple[str, ...]  # the question's words it holds


@dataclass(frozen=True, slots=True)
class BacklogPass:
    """What one retrieval's backlog pass did, for ``--explain`` and the reply's provenance."""

    searched: tuple[str, ...]  # the question's words it looked for (none: it did not run)
    found: dict[str, tuple[str, ...]]  # record id -> the question's words it holds
    skipped: str = ""  # why it did not run, when the index was behind


def backlog_hits(
    db: RecallDB,
    since: int,
    terms: Sequence[str],
    rows: QuestionRows,
    admit: Callable[[Glance], bool],
    limit: int,
) -> list[BacklogHit]:
    """The best ``limit`` records past feed position ``since`` with any of ``terms`` that
    recall may return, best first. Twice as many are asked for, as the talk index's
    passes do, because some are filtered out here (forgotten, quarantined, another layer)."""
    found = db.projection.feed_matches(terms, since, limit * 2)
    out: list[BacklogHit] = []
    for match, row in zip(found, rows([m.rid for m in found], limit), strict=True):
        if row is None or not row.current:
            continue  # cheap column checks before the record is read
        seen = rows.glance(row)
        if admit(seen):
            out.append(BacklogHit(seen, match.score, match.words))
            if len(out) >= limit:
                break
    return out


def backlog_list(
    db: RecallDB,
    talk: TalkIndex,
    asked: Asked,
    rows: QuestionRows,
    admit: Callable[[Glance], bool],
    limit: int,
    fusion: Fusion,
    *,
    bm25: bool,
) -> tuple[BacklogPass, list[Listed]]:
    """The pass of a retrieval whose index is behind, and what it did: the question's kept
    words among the records past the talk index's watermark, as one more keyword list,
    each hit with its rank, raw score, reason and the list's fusion weights (a clear first
    is fused as the talk index's is, so a rare word found here is not outvoted either).

    Only the words the common-word filter kept: a question made only of common words
    would score every imported row for little, so then the pass does not run."""
    if not bm25 or not asked.terms or asked.newest is not None:
        why = "the question has no word rare enough to search the unindexed records for"
        return BacklogPass((), {}, why), []
    hits = backlog_hits(db, talk.watermark(), asked.terms, rows, admit, limit)
    done = BacklogPass(tuple(asked.terms), {h.seen.id: h.words for h in hits})
    sure = standout([h.score for h in hits])
    given = fusion.keyword
    weights = (given[0], min(given[1], fusion.sure_k)) if sure else given
    out: list[Listed] = []
    for rank, hit in enumerate(hits, 1):
        clear = ", a clear first" if sure and rank == 1 else ""
        reason = (
            f"{BACKLOG}: {quoted(hit.words)} in a record recall has not indexed yet "
            f"(bm25 rank {rank}{clear})"
        )
        out.append((rank, hit.seen, hit.score, reason, weights))
    return done, out


def quoted(words: Sequence[str]) -> str:
    """Words for a reason or a note: 'lighthouse', 'marmalade'."""
    return ", ".join(f"'{w}'" for w in words)
