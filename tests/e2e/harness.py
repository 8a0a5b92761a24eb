"""What the e2e tests share: `briefing app` started outside the checkout, and Debian's Chromium
(/usr/bin/chromium) driven by Playwright, which never downloads a browser itself."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.paths import PROJECT_ROOT
from tests.store_fixtures import free_port, serving

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WAIT_MS = 120_000  # first answer loads the embedding model; the machine is shared
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"  # screenshots (git-ignored)


def app_env(tmp: Path) -> dict[str, str]:
    """The environment the app runs in: answering extractively, no configuration file, server or key of
    this machine's."""
    env = {**os.environ, "BRIEFING_LLM": "extractive", "BRIEFING_CONFIG": str(tmp / "none.toml")}
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFING_CHROMA_URL"):
        env.pop(var, None)
    return env


@contextlib.contextmanager
def briefing_app(
    tmp: Path, port: int | None = None, log: str = "streamlit.log", env: dict[str, str] | None = None
) -> Iterator[str]:
    """`briefing app` on `port` (a free one unless given, so a restart can keep its address), started in
    `tmp`, outside the checkout, on the store there (./vectorstore), with `app_env` and `env`: the app
    runs from the installed package. Its output goes to `tmp/log`. Yields its URL."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium not found at /usr/bin/chromium: apt-get install -y chromium (see the Makefile)")
    port = port or free_port()
    cmd = [str(Path(sys.executable).with_name("briefing")), "app", "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port)]  # fmt: skip
    with serving(cmd, port, "/_stcore/health", tmp / log, cwd=tmp, env=app_env(tmp) | (env or {})) as url:
        yield url


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium in which each `new_context()` is a browser of its own: its own cookies."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)


def outside_requests_of_every_page(url: str, name: str, password: str) -> list[str]:
    """Sign in to the app at `url` as `name` in Chromium and open every page (the reader too): the requests
    the browser made to any host but the app's (each refused, so it is asked once)."""
    from playwright.sync_api import Route, expect, sync_playwright

    from briefing.app.state import PAGES, READER

    outside: list[str] = []

    def route(r: Route) -> None:
        asked = r.request.url
        if urlsplit(asked).hostname in ("127.0.0.1", "localhost") or asked.startswith("data:"):
            r.continue_()
        else:
            outside.append(asked)
            r.abort()

    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context()
        context.route("**/*", route)
        page = context.new_page()
        page.goto(url)
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        wait_idle(page)
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("h1")).to_have_text([PAGES[0][1]], timeout=WAIT_MS)
        assert cookie(context, "briefing_signin"), "no sign-in cookie"  # set by the page: before leaving it
        for _file, title, _icon, path in (*PAGES, READER):
            page.goto(f"{url}/{path}")
            expect(page.locator("h1")).to_have_text([title], timeout=WAIT_MS)
            wait_idle(page)
        browser.close()
    return outside


def wait_idle(page: Any) -> None:
    """Until the app's script run has finished: a dropdown opened while the page is still being drawn can
    close again under the click."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=WAIT_MS)


def cookie(context: Any, name: str) -> dict[str, Any] | None:
    """The browser `context`'s cookie `name` once it is there, waiting up to WAIT_MS (None if it never
    comes): the app sets a cookie by a script in the page, which runs a moment after the page is drawn."""
    return _await_cookie(context, name, present=True)


def cookie_gone(context: Any, name: str) -> bool:
    """Whether the browser `context` has dropped its cookie `name`, waiting up to WAIT_MS (dropped by a
    script too)."""
    return _await_cookie(context, name, present=False) is None


def _await_cookie(context: Any, name: str, present: bool) -> dict[str, Any] | None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        found = next((c for c in context.cookies() if c["name"] == name), None)
        if (found is not None) == present or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def ask(page: Any, url: str, question: str) -> Any:
    """Open the chat at `url` (a new session), ask `question` and wait for the answer's source cards.
    Returns the chat box."""
    page.goto(url)
    return ask_here(page, question)


def ask_here(page: Any, question: str) -> Any:
    """Ask `question` in the chat on screen, in this session, and wait for a source card of the answer.
    Returns the chat box."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=WAIT_MS)
    cards = page.locator("div.source-card").count()
    box.fill(question)
    box.press("Enter")
    page.locator("div.source-card").nth(cards).wait_for(timeout=WAIT_MS)
    return box


def shot(page: Any, name: str) -> Path:
    """A screenshot of the page in tests/artifacts/, to look at after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
