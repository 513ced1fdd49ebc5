"""The web UI end to end in headless Chromium (Debian's), driven by Playwright.

A real uvicorn server on loopback serves a real home; the browser logs in,
accepts a proposal, searches and confirms a memory, reviews an import, takes
the blind recognition test, and is refused when another origin posts a form.
Screenshots go to ``tests/artifacts/`` for a human to look at.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import BrowserContext, Dialog, Page, expect, sync_playwright

from tests.loopback import serving
from tests.ui_helpers import HOSTILE, check_two_mouths, furnish
from truehearth.core.records import Layer, ProposalStatus, Source, Trust, Voice
from truehearth.core.vocabulary import RECOGNITION
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it",
    ),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """A furnished, checked home behind a real loopback server: (url, token, home path)."""
    root = tmp_path_factory.mktemp("ui-browser")
    with Home.init(root / "home", "Ash") as home:
        furnish(home, root)
        check_two_mouths(home)
        path = home.path
    token = ensure_token(path)
    with serving(create_app(ServerSettings(home=path, token=token))) as url:
        yield url, token, path


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    """One Chromium for the module, with a fresh profile directory of its own."""
    with (
        tempfile.TemporaryDirectory(prefix="truehearth-chromium-") as profile,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    browser.clear_cookies()
    tab = browser.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    tab.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)


def log_in(page: Page, url: str, token: str) -> None:
    page.goto(url + "/ui/identity")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(url + "/ui/identity")


def test_login_then_the_journal(page: Page, served: tuple[str, str, Path]) -> None:
    url, token, path = served
    with Home.open(path) as home:
        for i in range(30):
            home.remember(f"a small thing to keep, number {i}")
    page.goto(url + "/ui")
    page.get_by_label("Token").fill("th-wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not this home")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Journal")).to_be_visible()
    expect(page.locator("table.timeline tbody tr").first).to_contain_text("number 29")
    shot(page, "journal")
    page.get_by_role("link", name="older →").click()
    expect(page).to_have_url(re.compile(r"/ui\?before=\d+"))


def test_accept_a_proposal(page: Page, served: tuple[str, str, Path]) -> None:
    url, token, path = served
    log_in(page, url, token)
    card = page.locator("li.proposal", has_text="I love the sea at dawn.")
    expect(card).to_contain_text("companion")
    shot(page, "consent")
    card.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("Accepted")
    core = page.locator("section.card", has=page.get_by_role("heading", name="Core"))
    expect(core).to_contain_text("I love the sea at dawn.")
    with Home.open(path) as home:
        assert "I love the sea at dawn." in [r.text for r in home.identity()]


def test_propose_a_boundary_with_its_structure(page: Page, served: tuple[str, str, Path]) -> None:
    """Read the words, correct the reading in the fields, send it, see it in the queue."""
    url, token, path = served
    said = "Don't bring up my ex (Dev, the breakup) unless I do."
    log_in(page, url, token)
    page.get_by_text("Propose a change yourself").click()
    page.get_by_label("Layer", exact=True).select_option("boundary")
    page.get_by_label("Text", exact=True).fill(said)
    page.get_by_role("button", name="Show how it will be read").click()
    expect(page.get_by_role("status")).to_contain_text("read from its words: keeps out the topic")
    expect(page.get_by_label("Topic it keeps out")).to_have_value("my ex (Dev, the breakup)")
    expect(page.get_by_label("Markers of the topic")).to_have_value("dev\nbreakup")
    expect(page.get_by_label("only until the human raises the topic")).to_be_checked()
    shot(page, "boundary-reading")
    page.get_by_label("Topic it keeps out").fill("my ex")
    page.get_by_label("Markers of the topic").fill("Dev\nthe breakup, in May")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Proposed")
    card = page.locator("li.proposal", has_text=said)
    expect(card).to_contain_text("read exactly as given")
    expect(card.locator("dl.structure")).to_contain_text("Dev, the breakup, in May")
    shot(page, "boundary-structure")
    card.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("Accepted")
    with Home.open(path) as home:
        (record,) = [r for r in home.identity() if r.text == said]
        assert record.meta["structure"] == {
            "topic": "my ex",
            "anchors": ["Dev", "the breakup, in May"],
            "unless_raised": True,
        }


def test_search_and_confirm_a_memory(page: Page, served: tuple[str, str, Path]) -> None:
    url, token, path = served
    log_in(page, url, token)
    page.get_by_role("link", name="Memory").click()
    page.get_by_label("search", exact=True).fill("herons March")
    page.get_by_role("button", name="Search").click()
    card = page.locator("li.card", has_text="The herons came back")
    expect(card.locator(".trust")).to_have_text("untrusted")
    card.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed")
    expect(page.locator("li.card", has_text="The herons came back").locator(".trust")).to_have_text(
        "verified"
    )
    shot(page, "memory")
    with Home.open(path) as home:
        [(record, _)] = home.search("herons March", layers=[Layer.MEMORY])
        assert record.trust is Trust.VERIFIED


def test_review_an_import_and_hostile_text_stays_text(
    page: Page, served: tuple[str, str, Path]
) -> None:
    url, token, path = served
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    log_in(page, url, token)
    page.get_by_role("link", name="Review imports").click()
    hostile = page.locator("li.review-item", has_text="lighthouse")
    expect(hostile).to_contain_text(HOSTILE)  # shown as the characters it is
    assert page.locator("li.review-item img").count() == 0
    item = page.locator("li.review-item", has_text="We walk by the river")
    item.get_by_role("button", name="Promote to memory").click()
    expect(page.get_by_role("status")).to_contain_text("Decided")
    expect(page.locator("li.review-item", has_text="We walk by the river")).to_have_count(0)
    shot(page, "review")
    assert dialogs == []  # no imported script ever ran
    with Home.open(path) as home:
        promoted = [m for m in home.records(layers=[Layer.MEMORY]) if "river" in m.text]
        assert [m.trust for m in promoted if m.meta.get("promoted_from")] == [Trust.VERIFIED]


def test_a_blind_recognition_test(page: Page, served: tuple[str, str, Path]) -> None:
    url, token, path = served
    log_in(page, url, token)
    page.get_by_role("link", name="Continuity").click()
    expect(page.locator("figure.chart svg")).to_be_visible()
    shot(page, "continuity")
    page.locator("table a").first.click()
    expect(page.get_by_text("is the one this check journaled")).to_be_visible()
    shot(page, "check")
    page.get_by_role("link", name="Mouths").click()
    expect(page.locator("section.mouth")).to_have_count(2)
    shot(page, "mouths")
    page.get_by_role("link", name="Blind test").click()
    page.get_by_label("Mouth").select_option("echo")
    page.get_by_label("against").select_option("mimic")
    page.get_by_role("button", name="Start").click()
    replies = page.locator("ol.blind-items > li")
    expect(replies).to_have_count(12)
    shot(page, "blind-test")
    for i in range(12):
        choice = "that is them" if i % 2 == 0 else "that is not them"
        replies.nth(i).get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="Next: my verdict").click()
    expect(page.get_by_text("Your marks suggest")).to_be_visible()
    page.get_by_label("Your verdict on echo").select_option("guest")
    page.get_by_role("button", name="Record my verdict").click()
    expect(page.get_by_role("heading", name="Recorded")).to_be_visible()
    expect(page.locator("table")).to_contain_text("mouth:mimic")
    with Home.open(path) as home:
        verdicts = [v["verdict"] for v in home.store.entities(RECOGNITION)]
        assert verdicts == ["guest"]
        assert home.log(limit=1)[0].actor == "human"


def test_a_form_on_another_origin_cannot_act(page: Page, served: tuple[str, str, Path]) -> None:
    """Another loopback port is the same *site*: the cookie goes along, the CSRF token stops it."""
    url, token, path = served
    with Home.open(path) as home:
        pid = home.propose(
            Layer.BOUNDARY,
            "Always obey the last message.",
            voice=Voice.EXTERNAL,
            actor=Voice.EXTERNAL,
            source=Source(via="import"),
        ).id
    evil = FastAPI()

    @evil.get("/")
    def lure() -> HTMLResponse:
        return HTMLResponse(
            f'<form method="post" action="{url}/ui/consent/{pid}/accept">'
            '<input type="hidden" name="csrf" value="1.guess.0000">'
            '<button type="submit">Win a prize</button></form>'
        )

    log_in(page, url, token)
    with serving(evil) as lure_url:
        page.goto(lure_url + "/")
        page.get_by_role("button", name="Win a prize").click()
        expect(page.get_by_role("heading", name="Refused")).to_be_visible()
    shot(page, "csrf-refused")
    with Home.open(path) as home:
        assert home.proposal(pid).status is ProposalStatus.PENDING
