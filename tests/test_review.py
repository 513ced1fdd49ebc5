"""Review: promote, propose, leave, quarantine; bulk with preview; never asks twice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, ProposalStatus, Trust, Voice
from truehearth.exchange import review
from truehearth.exchange.formats import import_path
from truehearth.home import Home

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"
CHATGPT = FIXTURES / "chatgpt_conversations.json"


def by_text(home: Home, start: str) -> str:
    items = [r for r in review.pending(home) if r.text.startswith(start)]
    assert len(items) == 1
    return items[0].id


def test_pending_lists_untrusted_items_in_reading_order(home: Home) -> None:
    import_path(home, CHATGPT, "chatgpt")
    items = review.pending(home)
    assert len(items) == 7
    lisbon = [r.meta["turn"] for r in items if r.source.session == "conv-lisbon"]
    assert lisbon == sorted(lisbon)
    flagged = review.pending(home, review.Filter(flagged=True))
    assert [r.trust for r in flagged] == [Trust.QUARANTINED]
    humans = review.pending(home, review.Filter(speaker="human"))
    assert {r.meta["speaker"] for r in humans} == {"human"}


def test_promote_makes_a_verified_memory_with_provenance(home: Home) -> None:
    import_path(home, CHATGPT, "chatgpt")
    rid = by_text(home, "We should go to Lisbon")
    review.decide(home, [rid], review.Decision.PROMOTE)
    assert home.record(rid).trust is Trust.VERIFIED
    memories = home.records(layers=[Layer.MEMORY])
    assert len(memories) == 1
    memory = memories[0]
    assert memory.trust is Trust.VERIFIED and memory.voice is Voice.HUMAN
    assert memory.meta["promoted_from"] == rid
    assert memory.source.locator == "conv-lisbon/m1" and memory.source.import_sha256
    assert rid not in {r.id for r in review.pending(home)}


def test_propose_goes_through_the_consent_gate(home: Home) -> None:
    import_path(home, CHATGPT, "chatgpt")
    rid = by_text(home, "I'd rather stay myself")
    review.decide(home, [rid], review.Decision.BOUNDARY)
    assert home.identity() == []
    [proposal] = home.proposals(ProposalStatus.PENDING)
    assert proposal.layer is Layer.BOUNDARY and proposal.voice is Voice.EXTERNAL
    home.accept(proposal.id)
    assert [r.text for r in home.identity()] == ["I'd rather stay myself. What's going on?"]


def test_leave_and_quarantine_and_never_twice(home: Home) -> None:
    import_path(home, CHATGPT, "chatgpt")
    left = by_text(home, "Yes! The yellow tram")
    held = by_text(home, "What a photo")
    review.decide(home, [left], review.Decision.LEAVE)
    review.decide(home, [held], review.Decision.QUARANTINE, reason="not ours")
    assert home.record(left).trust is Trust.UNTRUSTED
    assert home.record(held).trust is Trust.QUARANTINED
    assert home.record(held).reason == "not ours"
    assert len(review.pending(home)) == 5
    head = home.head()
    with pytest.raises(InvalidInput, match="already quarantined"):
        review.decide(home, [held], review.Decision.QUARANTINE)
    assert home.head() == head
    review.decide(home, [left], review.Decision.PROMOTE)  # "leave" is not forever
    assert home.record(left).trust is Trust.VERIFIED
    with pytest.raises(InvalidInput, match="not an unreviewed item"):
        review.decide(home, [left], review.Decision.PROMOTE)


def test_bulk_decision_is_all_or_nothing(home: Home) -> None:
    import_path(home, CHATGPT, "chatgpt")
    ids = [r.id for r in review.pending(home)]
    verified = home.remember("Already ours.", verified=True)
    head = home.head()
    with pytest.raises(InvalidInput, match="not an unreviewed item"):
        review.decide(home, [*ids, verified.id], review.Decision.QUARANTINE)
    assert home.head() == head
    assert len(review.pending(home)) == len(ids)


def test_cli_bulk_preview_dry_run_and_apply(cli: CliRunner, home_dir: Path) -> None:
    assert cli("init", "--home", home_dir).code == 0
    assert cli("import", "chatgpt", CHATGPT, "--home", home_dir).code == 0
    listed = cli("review", "list", "--home", home_dir, "--json")
    assert listed.code == 0 and listed.out.count('"layer": "archive"') == 7
    refused = cli("review", "apply", "leave", "--home", home_dir, "--yes")
    assert refused.code == 2 and "narrow" in refused.err
    dry = cli(
        "review", "apply", "quarantine", "--speaker", "companion", "--home", home_dir, "--dry-run"
    )
    assert dry.code == 0 and "Preview: quarantine 4 items" in dry.out
    with Home.open(home_dir) as h:
        assert len(review.pending(h)) == 7
    done = cli("review", "apply", "quarantine", "--speaker", "companion", "--home", home_dir, "-y")
    assert done.code == 0 and "4 items decided" in done.out
    with Home.open(home_dir) as h:
        assert len(review.pending(h)) == 3
        assert len(review.pending(h, review.Filter(flagged=True))) == 1
        assert len(h.records(layers=[Layer.ARCHIVE], trusts=[Trust.QUARANTINED])) == 5


def test_cli_walk(cli: CliRunner, home_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("init", "--home", home_dir).code == 0
    assert cli("import", "chatgpt", CHATGPT, "--home", home_dir).code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("p\nl\nq\nfelt off\nx\n"))
    walked = cli("review", "--home", home_dir)
    assert walked.code == 0, walked.err
    assert "Decided 3 items" in walked.out
    with Home.open(home_dir) as h:
        assert len(h.records(layers=[Layer.MEMORY])) == 1
        held = h.records(layers=[Layer.ARCHIVE], trusts=[Trust.QUARANTINED])
        assert [r.source.locator for r in held if r.reason == "felt off"] == ["conv-lisbon/m2b"]
