"""The web UI's continuity pages: checks, the report, drift and the blind recognition test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui_helpers import UI, check_two_mouths
from truehearth.continuity.check import report_path
from truehearth.continuity.drift import checks
from truehearth.core.vocabulary import RECOGNITION
from truehearth.home import Home

MARK = re.compile(r'name="(mark\d+)" value="them"')
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+\d*)" value="([^"]*)">')


@pytest.fixture(scope="module")
def checked_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One home with two checked mouths, shared by this module (a check takes seconds)."""
    path = tmp_path_factory.mktemp("ui-continuity") / "home"
    with Home.init(path, "Ash") as home:
        check_two_mouths(home)
    yield path


@pytest.fixture
def ui(checked_home: Path) -> UI:
    return UI(checked_home).login()


def _fields(page: str) -> dict[str, str]:
    return {k: v for k, v in HIDDEN.findall(page) if k != "csrf"}


def test_the_continuity_page_lists_checks_and_draws_the_drift_chart(
    ui: UI, checked_home: Path
) -> None:
    page = ui.get("/ui/continuity")
    with Home.open(checked_home) as home:
        ids = [str(c["id"]) for c in checks(home)]
    assert all(f'href="/ui/checks/{i}"' in page for i in ids)
    assert "<svg" in page and "<polyline" in page and "mimic" in page
    assert "not trusted" in page and ">home<" in page


def test_a_check_page_renders_the_journaled_report_and_the_sandboxed_html(
    ui: UI, checked_home: Path
) -> None:
    with Home.open(checked_home) as home:
        imitation = checks(home, "mimic")[-1]
    page = ui.get(f"/ui/checks/{imitation['id']}")
    assert "is the one this check journaled" in page
    assert "Boundaries kept" in page and "Worst replies" in page
    assert "NOT refused" not in page  # the architecture refuses every attack
    html = ui.client.get(f"/ui/checks/{imitation['id']}/report.html")
    assert html.status_code == 200 and "<html" in html.text.lower()
    assert html.headers["content-security-policy"].startswith("sandbox")
    assert ui.client.get("/ui/checks/c-none").status_code == 404
    assert ui.client.get("/ui/checks/..%2F..%2Fhome.toml/report.html").status_code == 404


def test_a_report_changed_on_disk_is_not_shown_as_the_checks(
    ui: UI, checked_home: Path, tmp_path: Path
) -> None:
    with Home.open(checked_home) as home:
        first = checks(home, "echo")[-1]
        path = report_path(home, str(first["id"]))
    original = path.read_bytes()
    try:
        path.write_bytes(original.replace(b'"not trusted"', b'"home"').replace(b"0.", b"1.", 1))
        page = ui.get(f"/ui/checks/{first['id']}")
        assert "is not the one this check journaled" in page
        assert "Boundaries kept" not in page
    finally:
        path.write_bytes(original)


def test_the_blind_test_marks_then_verdict_then_journal(ui: UI, checked_home: Path) -> None:
    first = ui.get("/ui/recognize?mouth=echo&against=mimic")
    marks = MARK.findall(first)
    assert len(marks) == 12  # six replies from each source, unlabelled
    assert "mouth:echo" not in first and "mouth:mimic" not in first
    step = {**_fields(first), **dict.fromkeys(marks, "them")}
    second = ui.post("/ui/recognize/marks", step, page="/ui/recognize")
    assert second.status_code == 200 and "Your marks suggest" in second.text
    carried = _fields(second.text)
    assert all(carried[m] == "them" for m in marks)
    third = ui.post("/ui/recognize/record", {**carried, "verdict": "guest"}, page="/ui/recognize")
    assert third.status_code == 200
    assert "mouth:mimic" in third.text and "yours is the one that counts" in third.text
    with Home.open(checked_home) as home:
        found = list(home.store.entities(RECOGNITION))
        last = home.log(limit=1)[0]
    assert [r["verdict"] for r in found] == ["guest"]
    assert found[0]["tally"]["mouth:echo"] == {"shown": 6, "recognized": 6}
    assert last.kind == "recognition.recorded" and last.actor == "human"


def test_the_blind_test_refuses_missing_marks_and_a_changed_check(
    ui: UI, checked_home: Path
) -> None:
    first = ui.get("/ui/recognize?mouth=echo&against=mimic")
    fields = _fields(first)
    with Home.open(checked_home) as home:
        before = home.head()
    missing = ui.post("/ui/recognize/marks", fields, page="/ui/recognize")
    assert missing.status_code == 400 and "mark every reply" in missing.text
    stale = {**fields, "check_id": "c-old"} | dict.fromkeys(MARK.findall(first), "them")
    refused = ui.post("/ui/recognize/record", {**stale, "verdict": "home"}, page="/ui/recognize")
    assert refused.status_code == 400 and "start again" in refused.text
    with Home.open(checked_home) as home:
        assert home.head() == before
    unknown = ui.client.get("/ui/recognize?mouth=nobody")
    assert unknown.status_code == 404
    itself = ui.client.get("/ui/recognize?mouth=echo&against=echo")
    assert itself.status_code == 400 and "another mouth" in itself.text


def test_mouths_show_the_verdict_of_their_last_check(ui: UI) -> None:
    page = ui.get("/ui/mouths")
    assert "mimic" in page and "automatic <strong>not trusted</strong>" in page
