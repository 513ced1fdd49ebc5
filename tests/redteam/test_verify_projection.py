"""Red team: `verify` compared only each record's value; now every column of every projection."""

from __future__ import annotations

import pytest

from tests.redteam.forge import sql
from truehearth.core.records import Layer
from truehearth.home import Home


@pytest.fixture
def with_core(home: Home) -> Home:
    home.accept(home.propose(Layer.CORE, "My name is Ash. I keep my vows.").id)
    home.remember("We walk by the river on Sundays.", verified=True)
    assert home.verify().ok
    return home


@pytest.mark.parametrize(
    ("column", "value"),
    [("current", 0), ("trust", "untrusted"), ("layer", "memory"), ("voice", "external")],
)
def test_a_core_row_edited_in_any_column_fails_verify(
    with_core: Home, column: str, value: object
) -> None:
    core = with_core.identity()[0]
    sql(with_core.path, f"UPDATE records SET {column} = ? WHERE id = ?", (value, core.id))
    # The edit really hides the core from what a prompt is built from ...
    assert (with_core.identity() == []) is (column != "voice")
    report = with_core.verify()
    # ... and verify names the row and the column.
    assert not report.ok
    assert report.problem == f"stored record {core.id} differs from the journal (records.{column})"


def test_recorded_at_and_text_columns_are_compared_too(with_core: Home) -> None:
    memory = with_core.records(layers=(Layer.MEMORY,))[0]
    sql(with_core.path, "UPDATE records SET text = 'We never walk.' WHERE id = ?", (memory.id,))
    assert "records.text" in (with_core.verify().problem or "")


def test_a_proposal_entity_edited_fails_verify(home: Home) -> None:
    proposal = home.propose(Layer.BOUNDARY, "Never share her address.")
    sql(
        home.path,
        "UPDATE entities SET value = replace(value, 'pending', 'accepted') WHERE id = ?",
        (proposal.id,),
    )
    report = home.verify()
    assert not report.ok
    assert (
        report.problem == f"stored proposal {proposal.id} differs from the journal (entities.value)"
    )


def test_the_touches_index_is_compared(with_core: Home) -> None:
    sql(with_core.path, "DELETE FROM touches WHERE seq = (SELECT max(seq) FROM touches)")
    assert "touches index" in (with_core.verify().problem or "")


def test_the_full_text_index_is_compared(with_core: Home) -> None:
    memory = with_core.records(layers=(Layer.MEMORY,))[0]
    # Point the index entry at other words: search would find the record for text it lacks.
    sql(
        with_core.path,
        "INSERT INTO records_fts (records_fts, rowid, text) "
        "SELECT 'delete', rid, text FROM records WHERE id = ?",
        (memory.id,),
    )
    assert "records_fts" in (with_core.verify().problem or "")
