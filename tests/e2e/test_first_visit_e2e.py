"""A freshly started app whose first visitor asks for a page by its address, never for `/`: the sign-in
form, not the page. Streamlit runs a requested page directly (legacy pages mode) while a `pages/` folder
sits beside the entry script and no session has called st.navigation yet, so these are the requests that
found the hole: over the raw WebSocket, as a script sends them, and in fresh Chromium browsers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import expect

from briefing.config import Settings
from briefing.ingest import ingest
from briefing.users import Users
from tests.e2e.harness import WAIT_MS, briefing_app, launch_chromium
from tests.e2e.raw_session import RawSession
from tests.recorded import write_articles

TITLE = "Kessel bridge toll to rise in April"
ARTICLE = {
    "kessel-toll.txt": (
        "Ostrava Post",
        date(2031, 4, 2),
        f"{TITLE}\n\nThe Ostrava city council said the toll on the Kessel bridge will rise to 4 crowns.",
    )
}
PAGES = ("chat", "notes", "briefs", "library", "team", "settings", "activity")


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`briefing app` with sign-in on and one stored article, just started: nobody has opened `/` yet.
    Yields its URL and the article's id."""
    tmp = tmp_path_factory.mktemp("first-visit")
    Users(tmp / "users.json").add("ed", "editor password 1", "editor")
    folder = write_articles(tmp / "articles", ARTICLE)
    report = ingest([folder], Settings(store_dir=tmp / "vectorstore"), manifest=folder / "manifest.csv")
    assert report.ok and len(report.added) == 1, report.failures
    env = {"BRIEFING_USERS_FILE": str(tmp / "users.json")}
    assert "BRIEFING_STORE_DIR" not in os.environ  # the app's store is ./vectorstore in tmp
    with briefing_app(tmp, env=env) as url:
        yield url, report.added[0].id


def test_a_first_request_for_a_page_over_the_websocket_gets_the_sign_in(fresh_app: tuple[str, str]) -> None:
    url, article_id = fresh_app
    for page, query in [("reader", f"article={article_id}"), *((p, "") for p in PAGES)]:
        with RawSession(url) as session:
            sent = session.run(page, query)
        assert "Sign in" in sent, (page, sent[-2000:])
        assert TITLE not in sent and "Ostrava" not in sent, page
        assert "chat_input" not in sent, page  # no question box: nothing answers


def test_a_first_visit_to_a_page_in_chromium_gets_the_sign_in(fresh_app: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    url, article_id = fresh_app
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for path in [f"reader?article={article_id}", "notes", "briefs", "chat"]:
            context = browser.new_context()  # a browser of its own: no cookie, no session
            page = context.new_page()
            page.goto(f"{url}/{path}")
            expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
            expect(page.get_by_text(TITLE)).to_have_count(0)
            expect(page.get_by_test_id("stChatInput")).to_have_count(0)
            context.close()
        browser.close()
