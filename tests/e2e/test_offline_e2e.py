"""Offline means offline: signing in and opening every page, the browser asks nothing of any host but the
app's own (Streamlit's script fetches some Material icons as SVG files from fonts.gstatic.com, e.g. a page
icon used as the tab's icon: in Streamlit 1.67 the favicon is the only such fetch; icons on buttons,
expanders and status boxes come from its bundled font)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Route, expect, sync_playwright

from briefing.app.state import PAGES, READER
from briefing.users import Users
from tests.e2e.harness import WAIT_MS, briefing_app, launch_chromium, wait_idle

PASSWORD = "admin password 1"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("offline")
    Users(tmp / "users.json").add("ada", PASSWORD, "admin")
    with briefing_app(tmp, env={"BRIEFING_USERS_FILE": str(tmp / "users.json")}) as url:
        yield url


def test_no_request_leaves_the_deployment(app_url: str) -> None:
    outside: list[str] = []

    def route(r: Route) -> None:
        url = r.request.url
        if urlsplit(url).hostname in ("127.0.0.1", "localhost") or url.startswith("data:"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context()
        context.route("**/*", route)
        page = context.new_page()
        page.goto(app_url)
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        wait_idle(page)
        page.get_by_label("Name", exact=True).fill("ada")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("h1")).to_have_text(["Chat"], timeout=WAIT_MS)
        for _file, title, _icon, url in (*PAGES, READER):
            page.goto(f"{app_url}/{url}")
            expect(page.locator("h1")).to_have_text([title], timeout=WAIT_MS)
            wait_idle(page)
        browser.close()
    assert outside == []
