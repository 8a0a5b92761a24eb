"""Streamlit's upload endpoint, pushed from a script: a session nobody signed in to is refused (HTTP 403), a
signed-in editor's session is refused past `upload_held_files`, and what a session held is released as soon
as it disconnects (Streamlit's own metrics say what its upload store holds)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import expect

from briefing.users import Users
from tests.e2e.harness import WAIT_MS, briefing_app, cookie, launch_chromium
from tests.e2e.raw_session import RawSession

PASSWORD = "editor password 1"
HELD_FILES = 3


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("uploads")
    Users(tmp / "users.json").add("ed", PASSWORD, "editor")
    env = {"BRIEFING_USERS_FILE": str(tmp / "users.json"), "BRIEFING_UPLOAD_HELD_FILES": str(HELD_FILES)}
    with briefing_app(tmp, env=env) as url:
        yield url


def _held_bytes(url: str) -> int:
    """Bytes Streamlit's upload store holds, from its metrics endpoint (0 when it holds nothing)."""
    text = httpx.get(f"{url}/_stcore/metrics", params={"families": "cache_memory_bytes"}).text
    return sum(int(float(n)) for n in re.findall(r'cache_type="UploadedFileManager"[^}]*}\s+(\S+)', text))


def _held_bytes_when(url: str, settled: Callable[[int], bool]) -> int:
    """`_held_bytes` once it is `settled` (the endpoint caches the figure a moment), or as it is after
    WAIT_MS."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while not settled(held := _held_bytes(url)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return held


def _signin_cookie(url: str) -> dict[str, str]:
    """The editor's sign-in cookie, from signing in in Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.get_by_label("Name", exact=True).fill("ed")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as ed (")).to_be_visible(timeout=WAIT_MS)
        found = cookie(context, "briefing_signin")
        browser.close()
    assert found, "no sign-in cookie"
    return {"briefing_signin": found["value"]}


def test_nobody_signed_in_may_push_files(guarded_app: str) -> None:
    with RawSession(guarded_app) as visitor:
        assert "Sign in" in visitor.run()
        refused = [visitor.put(visitor.upload_url(), b"x" * 1024).status_code for _ in range(5)]
    assert refused == [403] * 5
    assert _held_bytes(guarded_app) == 0


def test_an_editor_is_held_to_the_cap_and_released_on_disconnect(guarded_app: str) -> None:
    signed_in = _signin_cookie(guarded_app)
    with RawSession(guarded_app, cookies=signed_in) as editor:
        assert "Signed in as ed" in editor.run()
        codes = [editor.put(editor.upload_url(), b"y" * 100_000).status_code for _ in range(HELD_FILES + 2)]
        assert codes == [204] * HELD_FILES + [413, 413]
        assert _held_bytes_when(guarded_app, lambda n: n > 0) == HELD_FILES * 100_000
    assert _held_bytes_when(guarded_app, lambda n: n == 0) == 0  # released, not kept for a reconnect
