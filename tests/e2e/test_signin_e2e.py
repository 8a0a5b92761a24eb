"""Sign-in in real Chromium: `briefing app` with a users file shows a visitor only the sign-in form; a wrong
password is refused; a reader gets the chat but no Library; sign-out ends the session; a page asked for by
its URL while signed out shows the sign-in form instead."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from briefing.users import Users
from tests.e2e.test_app_e2e import CHROMIUM, FLAGS, WAIT_MS
from tests.store_fixtures import free_port, serving

PASSWORD = "reader password 1"


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("signin")
    Users(tmp / "users.json").add("rita", PASSWORD, "reader")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFING_", "OPENAI_"))}
    env |= {"BRIEFING_LLM": "extractive", "BRIEFING_CONFIG": str(tmp / "none.toml"),
            "BRIEFING_USERS_FILE": str(tmp / "users.json")}  # fmt: skip
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("briefing")), "app", "--server.headless", "true",
           "--server.port", str(port)]  # fmt: skip
    with serving(cmd, port, "/_stcore/health", tmp / "streamlit.log", cwd=tmp, env=env) as url:
        yield url


def test_sign_in_out_and_a_readers_pages(signed_app: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page()
        page.goto(signed_app)
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # no pages offered
        page.get_by_label("Name", exact=True).fill("rita")
        page.get_by_label("Password", exact=True).fill("not her password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("That name and password do not match.")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("h1")).to_have_text(["Sign in"])
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("h1")).to_have_text(["Chat"], timeout=WAIT_MS)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Chat", exact=True)).to_be_visible()
        expect(nav.get_by_text("Library", exact=True)).to_have_count(0)  # a reader: no uploads or deletes
        expect(page.get_by_text("Signed in as rita (reader)")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        page.goto(f"{signed_app}/library")
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        browser.close()
