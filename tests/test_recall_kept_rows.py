"""Projection rows kept between questions: dropped as soon as the store changes them.

Real SQLite homes, the real default embedder and hybrid recall. A home that has
answered questions keeps the rows it read; after every kind of change (a
correction, a forget, a quarantine, a rollback, a hand edit of the table), made by
another connection or another process, its next answer must be exactly what a
home that kept nothing answers: the same records, scores and reasons.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.redteam.forge import sql
from truehearth.home import Home
from truehearth.recall import HybridRetriever
from truehearth.recall.kept_rows import KeptRows

FACTS = [
    "The violin lesson moved to Thursday evenings {i}.",
    "My sister Maya {i} lives in Porto now.",
    "We planted basil and tomatoes by the fence {i}.",
    "Ash likes the smell of rain on the garden path {i}.",
]
QUESTIONS = ("violin lesson", "where does my sister live", "what did we plant", "the garden")


def _answers(home: Home, question: str) -> list[tuple[str, float, str, str]]:
    found = HybridRetriever().retrieve(home, question, limit=8)
    return [(r.record.id, r.score, r.why, r.record.text) for r in found]


def _same_as_fresh(home: Home) -> list[list[tuple[str, float, str, str]]]:
    """Every question's answer from ``home`` (rows kept) equals a fresh home's."""
    kept = [_answers(home, q) for q in QUESTIONS]
    with Home.open(home.path) as fresh:
        assert fresh.recall_index.kept_rows.rows == {}
        assert kept == [_answers(fresh, q) for q in QUESTIONS]
    return kept


def _home(path: Path) -> tuple[Home, list[str]]:
    home = Home.init(path, "Ash")
    ids = [home.remember(FACTS[i % len(FACTS)].format(i=i)).id for i in range(12)]
    home.sync_recall()
    return home, ids


def _in_another_process(path: Path, code: str) -> None:
    script = "from pathlib import Path\nfrom truehearth.home import Home\n"
    script += f"with Home.open(Path({str(path)!r})) as home:\n"
    script += "".join(f"    {line}\n" for line in code.splitlines())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_rows_are_kept_between_questions(tmp_path: Path) -> None:
    home, _ids = _home(tmp_path / "home")
    with home:
        first = _answers(home, "the garden")
        kept = dict(home.recall_index.kept_rows.rows)
        assert kept
        assert _answers(home, "the garden") == first
        now = home.recall_index.kept_rows.rows
        assert all(now[rid] is row for rid, row in kept.items())  # not read again


def test_a_correction_and_a_forget_in_another_process_are_seen(tmp_path: Path) -> None:
    home, ids = _home(tmp_path / "home")
    with home:
        before = _same_as_fresh(home)
        assert any(ids[2] == hit[0] for answer in before for hit in answer)
        _in_another_process(
            home.path,
            f"home.forget({ids[2]!r})\n"
            f"home.correct({ids[1]!r}, 'My sister Maya lives in Lisbon now.')",
        )
        after = _same_as_fresh(home)
        assert not any(ids[2] == hit[0] for answer in after for hit in answer)
        assert home.recall_index.kept_rows.dropped >= 2


def test_a_quarantine_and_a_rollback_by_another_connection_are_seen(tmp_path: Path) -> None:
    home, ids = _home(tmp_path / "home")
    with home:
        head = home.head()
        assert head is not None
        _same_as_fresh(home)
        with Home.open(home.path) as other:
            other.quarantine(ids[0], "a test")
            other.forget(ids[3])
        quarantined = _same_as_fresh(home)
        assert not any(hit[0] in (ids[0], ids[3]) for answer in quarantined for hit in answer)
        with Home.open(home.path) as other:
            other.rollback(head.seq)
        rolled_back = _same_as_fresh(home)
        assert any(ids[3] == hit[0] for answer in rolled_back for hit in answer)


def test_a_hand_edit_of_a_row_is_read_again(tmp_path: Path) -> None:
    """Behind the library's back (the pre-turn checks must see what is stored)."""
    home, ids = _home(tmp_path / "home")
    with home:
        _same_as_fresh(home)
        changed = sql(home.path, "UPDATE records SET current = 0 WHERE id = ?", (ids[2],)) + sql(
            home.path, "UPDATE records SET value = replace(value, 'basil', 'mint')"
        )
        assert changed >= 4
        after = _same_as_fresh(home)
        texts = [hit[3] for answer in after for hit in answer]
        assert not any("basil" in text for text in texts)
        assert not any(ids[2] == hit[0] for answer in after for hit in answer)


def test_a_gap_in_the_change_log_drops_every_row(tmp_path: Path) -> None:
    home, ids = _home(tmp_path / "home")
    with home:
        _same_as_fresh(home)
        kept: KeptRows = home.recall_index.kept_rows
        with Home.open(home.path) as other:
            other.forget(ids[5])
            other.forget(ids[6])
        sql(
            home.path,
            "DELETE FROM record_changes WHERE seq = (SELECT min(seq) FROM record_changes"
            f" WHERE seq > {kept.mark})",
        )
        held = len(kept.rows)
        kept.refresh()
        assert kept.rows == {} and kept.dropped >= held
        _same_as_fresh(home)
