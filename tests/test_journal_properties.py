"""Property tests of the journal: rollback restores exactly, and tampering is always caught."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truehearth.core.errors import TruehearthError
from truehearth.core.records import Layer, ProposalAction, Voice
from truehearth.home import Home
from truehearth.homedir import DB_NAME

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "remember",
                "confirm",
                "correct",
                "forget",
                "propose",
                "accept",
                "reject",
                "retire",
                "rollback",
                "refused",
            ]
        ),
        st.integers(min_value=0, max_value=10_000),
        st.text(min_size=1, max_size=30),
    ),
    min_size=1,
    max_size=25,
)


def _apply(home: Home, op: str, pick: int, text: str) -> None:
    """Run one random act; acts the rules refuse are part of the sequence too."""
    records = home.records(limit=1000)
    pending = home.proposals()
    identity = home.identity()
    try:
        if op == "remember":
            home.remember(text, verified=pick % 2 == 0)
        elif op == "confirm" and records:
            home.confirm(records[pick % len(records)].id)
        elif op == "correct" and records:
            home.correct(records[pick % len(records)].id, text + " (corrected)")
        elif op == "forget" and records:
            home.forget(records[pick % len(records)].id, reason=text)
        elif op == "propose":
            home.propose(Layer.CORE if pick % 2 else Layer.BOUNDARY, text)
        elif op == "accept" and pending:
            home.accept(pending[pick % len(pending)].id)
        elif op == "reject" and pending:
            home.reject(pending[pick % len(pending)].id)
        elif op == "retire" and identity:
            target = identity[pick % len(identity)]
            home.propose(target.layer, None, action=ProposalAction.RETIRE, target=target.id)
        elif op == "rollback":
            head = home.head()
            assert head is not None
            home.rollback(1 + pick % head.seq)
        elif op == "refused":
            home.remember(text, layer=Layer.CORE, voice=Voice.SYSTEM)
    except TruehearthError:
        pass


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS, target=st.integers(min_value=0, max_value=10_000))
def test_rollback_to_any_event_restores_exactly_that_state(
    tmp_path: Path, ops: list[tuple[str, int, str]], target: int
) -> None:
    path = tmp_path / f"h{abs(hash((tuple(ops), target)))}"
    with Home.init(path, "Ash") as home:
        snapshots = {1: home.state().fingerprint()}
        for op, pick, text in ops:
            _apply(home, op, pick, text)
            head = home.head()
            assert head is not None
            snapshots[head.seq] = home.state().fingerprint()
        seqs = sorted(snapshots)
        to = seqs[target % len(seqs)]
        home.rollback(to)
        assert home.state().fingerprint() == snapshots[to]
        assert home.state_at(to).fingerprint() == snapshots[to]
        assert home.verify().ok
    shutil.rmtree(path)


def _build_home(path: Path, events: int) -> None:
    with Home.init(path, "Ash") as home:
        for i in range(events - 1):
            if i % 3 == 2:
                home.propose(Layer.CORE, f"vow {i}")
            else:
                home.remember(f"memory number {i}")


def _rows(path: Path) -> list[tuple[int, bytes, str]]:
    with sqlite3.connect(path / DB_NAME) as conn:
        return [
            (s, bytes(b), d)
            for s, b, d in conn.execute("SELECT seq, body, digest FROM journal ORDER BY seq")
        ]


def _verify(path: Path) -> tuple[bool, int | None]:
    with Home.open(path) as home:
        report = home.verify()
    return report.ok, report.chain.broken_at


def _tamper(path: Path, sql: str, params: tuple[object, ...]) -> None:
    conn = sqlite3.connect(path / DB_NAME)
    with conn:
        conn.execute(sql, params)
    conn.close()


EVENTS = 12


def _fresh_copy(tmp_path: Path) -> Path:
    """A copy of one pristine home (built once per test), for one example to tamper with."""
    pristine = tmp_path / "pristine"
    if not pristine.exists():
        _build_home(pristine, EVENTS)
    work = tmp_path / "work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pristine, work)
    return work


def test_a_pristine_journal_verifies(tmp_path: Path) -> None:
    _build_home(tmp_path / "h", EVENTS)
    assert _verify(tmp_path / "h") == (True, None)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_byte_change_is_caught(tmp_path: Path, data: st.DataObject) -> None:
    work = _fresh_copy(tmp_path)
    rows = _rows(work)
    seq, body, digest = rows[data.draw(st.integers(0, len(rows) - 1))]
    in_body = data.draw(st.booleans())
    if in_body:
        pos = data.draw(st.integers(0, len(body) - 1))
        new = data.draw(st.integers(0, 255).filter(lambda b: b != body[pos]))
        _tamper(
            work,
            "UPDATE journal SET body = ? WHERE seq = ?",
            (body[:pos] + bytes([new]) + body[pos + 1 :], seq),
        )
    else:
        pos = data.draw(st.integers(0, len(digest) - 1))
        new_char = data.draw(
            st.sampled_from("0123456789abcdef:b").filter(lambda c: c != digest[pos])
        )
        _tamper(
            work,
            "UPDATE journal SET digest = ? WHERE seq = ?",
            (digest[:pos] + new_char + digest[pos + 1 :], seq),
        )
    ok, broken_at = _verify(work)
    assert not ok
    assert broken_at == seq


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_deleted_swapped_or_inserted_events_are_caught(tmp_path: Path, data: st.DataObject) -> None:
    work = _fresh_copy(tmp_path)
    rows = _rows(work)
    how = data.draw(st.sampled_from(["delete", "swap", "insert"]))
    i = data.draw(st.integers(0, len(rows) - 1))
    if how == "delete":
        _tamper(work, "DELETE FROM journal WHERE seq = ?", (rows[i][0],))
        expected = rows[i][0]
    elif how == "swap":
        j = data.draw(st.integers(0, len(rows) - 1).filter(lambda j: j != i))
        a, b = sorted((i, j))
        conn = sqlite3.connect(work / DB_NAME)
        with conn:
            conn.execute(
                "UPDATE journal SET body = ?, digest = ? WHERE seq = ?",
                (rows[b][1], rows[b][2], rows[a][0]),
            )
            conn.execute(
                "UPDATE journal SET body = ?, digest = ? WHERE seq = ?",
                (rows[a][1], rows[a][2], rows[b][0]),
            )
        conn.close()
        expected = rows[a][0]
    else:
        # Insert a copy of event i as a new event at the end, after the recorded head.
        _tamper(
            work,
            "INSERT INTO journal (seq, body, digest) VALUES (?, ?, ?)",
            (len(rows) + 1, rows[i][1], rows[i][2]),
        )
        expected = len(rows) + 1
    ok, broken_at = _verify(work)
    assert not ok
    assert broken_at == expected


def test_a_cut_off_tail_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "h"
    _build_home(path, EVENTS)
    _tamper(path, "DELETE FROM journal WHERE seq = ?", (EVENTS,))
    assert _verify(path) == (False, EVENTS)


def test_an_edited_projection_is_caught_by_the_deep_check(tmp_path: Path) -> None:
    path = tmp_path / "h"
    _build_home(path, EVENTS)
    _tamper(
        path, "UPDATE records SET value = replace(value, 'memory number 1', 'memory number X')", ()
    )
    with Home.open(path) as home:
        quick = home.verify(deep=False)
        deep = home.verify()
    assert quick.ok
    assert not deep.ok and deep.state_problem
