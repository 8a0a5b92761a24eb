"""The app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser is
downloaded): start `streamlit run app.py`, upload a seed article and an article carrying a <script> tag,
ask, open a source card, draft a brief. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import CHROMIUM, FLAGS, WAIT_MS, ask, briefing_app, shot
from tests.paths import SHARED

SCRIPT_ARTICLE = """Kessel bridge toll to rise in April

The Ostrava city council said on Tuesday that the toll on the Kessel bridge will rise to 4 crowns in April <script>alert("pwned")</script> to pay for repairs. Read [the full plan](javascript:alert(1)) now.

Council member Ludek Sarna said the repairs would take eighteen months and cost 90 million crowns.
"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`briefing app` on a free port, started outside the checkout against an empty temporary store,
    answering extractively: the app runs from the installed package."""
    with briefing_app(tmp_path_factory.mktemp("e2e")) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        pg = browser.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs  # type: ignore[attr-defined]
        yield pg
        browser.close()


def test_upload_ask_open_a_source_card_and_draft_a_brief(app_url: str, page: object, tmp_path: Path) -> None:
    seed = next((SHARED / "corpus" / "seeds").glob("000_*.txt"))
    script_article = tmp_path / "kessel-toll.txt"
    script_article.write_text(SCRIPT_ARTICLE, encoding="utf-8")

    page.goto(app_url)
    page.get_by_text("The library is empty").wait_for(timeout=WAIT_MS)
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Chat", exact=True)).to_be_visible()
    expect(page.get_by_text("Deploy")).to_have_count(0)

    page.goto(f"{app_url}/library")
    for path, outlet in ((seed, "Free Malaysia Today (Reuters)"), (script_article, "Ostrava Post")):
        drop = page.locator("input[type=file]")
        expect(drop).to_have_count(1, timeout=WAIT_MS)  # the emptied drop zone, not the one being replaced
        drop.set_input_files(str(path))
        add = page.get_by_role("button", name="Add to library")
        expect(add).to_be_enabled(timeout=WAIT_MS)  # the upload reached the server
        page.get_by_label("Outlet, for files that do not name one").fill(outlet)
        page.get_by_label("Outlet, for files that do not name one").press("Enter")
        add.click()
        page.get_by_text(f"{path.name} — added").wait_for(timeout=WAIT_MS)
    shot(page, "library.png")

    box = ask(page, app_url, "Why is the US considering blacklisting Hikvision?")
    marker = page.locator(".answer a.cite").first
    marker.wait_for(timeout=WAIT_MS)
    card = page.locator(f"div.source-card{marker.get_attribute('href')}")
    expect(card.locator(".passage")).to_be_hidden()
    marker.click()  # the marker opens its card, with no script in the page
    expect(card.locator(".passage")).to_be_visible(timeout=WAIT_MS)
    expect(card.locator("mark").first).to_be_visible()
    assert "Hikvision" in card.inner_text()
    shot(page, "chat-seed.png")

    box.fill("How much will the Kessel bridge toll rise to?")
    box.press("Enter")
    page.get_by_text('<script>alert("pwned")</script>').first.wait_for(timeout=WAIT_MS)  # shown as text
    assert page.locator(".answer script, .source-card script").count() == 0
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]

    # For the README: an invented article, so no published passage is reproduced.
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("div.source-card")).to_have_count(0, timeout=WAIT_MS)
    box.fill("How long will the Kessel bridge repairs take and what will they cost?")
    box.press("Enter")
    card = page.locator("div.source-card").first
    card.wait_for(timeout=WAIT_MS)
    card.locator("a.card-head").click()  # a card's title opens it too
    expect(card.locator("mark").first).to_be_visible(timeout=WAIT_MS)
    expect(card.locator(".passage")).to_contain_text("eighteen months")
    shot(page, "chat.png")

    page.goto(f"{app_url}/briefs")
    page.get_by_label("Topic", exact=True).fill("US restrictions on Hikvision")
    page.get_by_label("Topic", exact=True).press("Enter")
    page.get_by_role("button", name="Draft brief").click()
    page.get_by_role("button", name="Download Word").wait_for(timeout=WAIT_MS)
    page.locator(".brief h1").wait_for(timeout=WAIT_MS)
    assert "US restrictions on Hikvision" in page.locator(".brief h1").inner_text()
    assert page.locator(".brief a.cite").count() >= 1
    shot(page, "brief-seed.png")

    page.get_by_label("Topic", exact=True).fill("Kessel bridge toll and repairs")
    page.get_by_label("Topic", exact=True).press("Enter")
    # Enter reruns the page, which redraws the first brief; a click during that rerun can be lost.
    expect(page.locator(".brief h1")).to_have_count(1, timeout=WAIT_MS)
    page.get_by_role("button", name="Draft brief").click()
    expect(page.locator(".brief h1")).to_contain_text("Kessel bridge toll and repairs", timeout=WAIT_MS)
    page.locator(".brief h1").evaluate("e => e.scrollIntoView({block: 'center'})")
    shot(page, "brief.png")
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_a_reload_keeps_the_conversation_and_a_notebook_switch_changes_what_is_searched(
    app_url: str, page: object
) -> None:
    """Runs after the upload test above, on the library it filled."""
    ask(page, app_url, "How long will the Kessel bridge repairs take?")
    expect(page).to_have_url(re.compile(r"[?&]c=[0-9a-f]{32}"), timeout=WAIT_MS)  # the conversation's link
    page.reload()
    expect(page.get_by_text("How long will the Kessel bridge repairs take?")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("div.source-card").first).to_be_attached(timeout=WAIT_MS)

    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name="New notebook").click()
    page.get_by_label("Name", exact=True).fill("ferries only")
    page.get_by_label("Name", exact=True).press("Enter")
    page.get_by_role("button", name="Create").click()
    page.get_by_text("The library is empty").wait_for(timeout=WAIT_MS)  # another notebook: nothing to search
    sidebar.get_by_label("Notebook").click()
    page.get_by_role("option", name="articles").click()
    expect(page.get_by_text("The library is empty")).to_have_count(0, timeout=20_000)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=WAIT_MS)


def test_a_passage_saved_as_a_note_is_cited_in_a_brief(app_url: str, page: object) -> None:
    """Runs after the upload test above: a note taken in the chat, then chosen for a brief whose outlet
    filter retrieval alone could not get past."""
    ask(page, app_url, "How long will the Kessel bridge repairs take and what will they cost?")
    page.get_by_role("button", name="Save as note").last.click()
    page.get_by_role("button", name=re.compile(r"^Passage \[1\]")).click()
    page.get_by_text("Saved passage [1]").wait_for(timeout=WAIT_MS)

    page.goto(f"{app_url}/briefs")
    page.get_by_label("Topic", exact=True).fill("Kessel bridge repairs")
    page.get_by_label("Topic", exact=True).press("Enter")
    page.get_by_label("Outlet").click()
    page.get_by_role("option", name="Free Malaysia Today (Reuters)").click()
    page.get_by_label("Add notes (their passages join those retrieved and are cited like them)").click()
    page.get_by_role("option", name=re.compile(r"^passage: ")).first.click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Draft brief").click()
    expect(page.locator(".brief h1")).to_contain_text("Kessel bridge repairs", timeout=WAIT_MS)
    expect(page.locator(".brief p.source")).to_contain_text(
        ["Kessel bridge toll to rise in April"], timeout=WAIT_MS
    )
