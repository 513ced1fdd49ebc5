"""A turn behind a large import still finds the import's rare words: recall's backlog pass.

A real home, a real `import text` of more passages than a turn indexes itself,
the real default embedder: the first turn does not wait for the index, and the
one passage that says who the lighthouse keeper's cat is can still enter its
context, through the keyword pass over the rows the index has not read. It is
fenced as the same passage is once indexed, and ``--explain`` (and the
server's ``truehearth`` block, in tests/test_first_turn.py) names the pass and
the words that matched. Once the catch-up has run, the ordinary path finds it
and the context is the one a retriever without the pass builds.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner
from tests.test_first_turn import _imported, _the_cat
from truehearth.context.model import Context
from truehearth.context.router import assemble
from truehearth.home import Home
from truehearth.mouths.doubles import EchoMouth
from truehearth.recall import HybridRetriever, default_retriever
from truehearth.recall.backlog import BACKLOG
from truehearth.recall.catchup import INLINE, behind

ASKED = "What is the lighthouse keeper's cat called?"
NONCE = "0123456789abcdef" * 2  # one fence tag for every prompt compared here


def _item(context: Context, record_id: str) -> tuple[str, str] | None:
    """The section a record went into and why, or None if it is not in the prompt."""
    for section in context.sections:
        for item in section.items:
            if item.record_id == record_id:
                return section.name, item.why
    return None


def _line(context: Context, word: str) -> str:
    """The one line of the system message that holds ``word``."""
    lines = [x for x in context.messages[0].content.splitlines() if word in x]
    assert len(lines) == 1
    return lines[0]


def _without_pass() -> HybridRetriever:
    """A turn's retriever as it was before the backlog pass."""
    return HybridRetriever(inline=INLINE, backlog=False)


def test_a_turn_behind_an_import_finds_its_rare_words_and_the_catch_up_changes_nothing_else(
    cli: CliRunner, home: Home, tmp_path: Path
) -> None:
    _imported(cli, home, tmp_path, 2 * INLINE, 1000)
    assert behind(home.recall_index) > INLINE  # a turn will not wait for these
    cat = _the_cat(home)
    mouth = EchoMouth()

    first = assemble(home, mouth, ASKED, nonce=NONCE)
    assert first.recall_behind > INLINE
    placed = _item(first, cat)
    assert placed is not None, first.notes
    section, why = placed
    assert section == "data"  # imported text: untrusted, fenced as data
    assert why.startswith(f"{BACKLOG}: ")
    assert "'lighthouse'" in why and "'cat'" in why
    assert cat in first.recall_backlog and "lighthouse" in first.recall_backlog[cat]
    explained = first.explain()
    assert explained["recall_backlog"][0]["record_id"] == cat
    assert any("backlog pass looked for" in note and cat in note for note in first.notes)
    # Without the pass the same turn cannot find it: the index has not read it.
    assert _item(assemble(home, mouth, ASKED, retriever=_without_pass(), nonce=NONCE), cat) is None

    home.sync_recall()  # the catch-up (a server's thread, or the CLI after the reply)
    assert behind(home.recall_index) == 0
    after = assemble(home, mouth, ASKED, nonce=NONCE)
    assert after.recall_behind == 0 and after.recall_backlog == {}
    placed = _item(after, cat)
    assert placed is not None and placed[0] == "data"
    assert placed[1].startswith("keyword match") and BACKLOG not in placed[1]
    assert not any("backlog" in note for note in after.notes)
    # Fenced exactly as the indexed passage is: the same line, the same labels.
    assert _line(first, "Marmalade") == _line(after, "Marmalade")
    # Caught up, the context is the one the retriever without the pass builds.
    same = assemble(home, mouth, ASKED, retriever=_without_pass(), nonce=NONCE)
    assert after.explain() == same.explain()


def test_say_explain_names_the_backlog_pass_and_the_words_that_matched(
    cli: CliRunner, home: Home, tmp_path: Path
) -> None:
    _imported(cli, home, tmp_path, 2 * INLINE, 1000)
    cat = _the_cat(home)
    done = cli("say", ASKED, "--json", "--explain", "--home", home.path)
    assert done.code == 0, done.err
    explained = json.loads(done.out)["explain"]
    assert explained["recall_behind"] > INLINE
    assert [x["record_id"] for x in explained["recall_backlog"]] == [cat]
    assert {"lighthouse", "cat"} <= set(explained["recall_backlog"][0]["matched"])
    data = next(s for s in explained["sections"] if s["name"] == "data")
    assert any(i["record_id"] == cat and BACKLOG in i["why"] for i in data["items"])
    assert "Marmalade" in explained["messages"][0]["content"]
    with Home.open(home.path) as fresh:  # say indexed the rest after the reply
        assert behind(fresh.recall_index) == 0
        found = {f.record.id: f.why for f in default_retriever().retrieve(fresh, ASKED)}
        assert found[cat].startswith("keyword match") and BACKLOG not in found[cat]
