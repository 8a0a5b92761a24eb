"""The operator's key stays put, in real Chromium: with OPENAI_API_KEY in the server's environment, a
visitor who picks the openai backend and a base URL of their own in Settings (key left empty) gets answers
from that server, which never sees the operator's key; a key the visitor types goes there instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.harness import WAIT_MS, app_env, ask_here, briefing_app, launch_chromium, wait_idle
from tests.fake_llm import fake_llm

OPERATOR_KEY = "sk-operator-0123456789abcdef0123"
VISITOR_KEY = "sk-visitor-0123456789abcdef0123"
ARTICLE = """Kessel bridge toll to rise in April

The Ostrava city council said on Tuesday that the toll on the Kessel bridge will rise to 4 crowns in April to pay for repairs.
"""
QUESTION = "How much will the Kessel bridge toll rise to?"


def _apply(page: object, base_url: str, key: str = "") -> None:
    """Settings, as a visitor fills them in: backend openai, their own server, and `key` if any."""
    page.get_by_test_id("stSidebarNav").get_by_text("Settings", exact=True).click()
    expect(page.locator("h1")).to_have_text(["Settings"], timeout=WAIT_MS)
    page.get_by_test_id("stRadio").get_by_text("openai", exact=True).click()
    page.get_by_label("OpenAI-compatible base URL", exact=False).fill(base_url)
    page.get_by_label("API key for this session", exact=False).fill(key)
    page.get_by_role("button", name="Apply").click()
    wait_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Chat", exact=True).click()


def test_a_base_url_typed_in_the_browser_never_gets_the_operators_key(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    (tmp_path / "kessel-toll.txt").write_text(ARTICLE, encoding="utf-8")
    briefing = str(Path(sys.executable).with_name("briefing"))
    subprocess.run([briefing, "ingest", "kessel-toll.txt", "--source", "Ostrava Post", "--date", "2031-04-02"],
                   cwd=tmp_path, env=app_env(tmp_path), check=True, capture_output=True)  # fmt: skip
    seen: list[str] = []
    operator = {"OPENAI_API_KEY": OPERATOR_KEY, "BRIEFING_LLM_MAX_RETRIES": "0"}
    with (
        fake_llm(lambda prompt: "The toll rises to 4 crowns [1].", seen_auth=seen) as visitors_server,
        briefing_app(tmp_path, env=operator) as url,
        sync_playwright() as p,
    ):
        chromium = launch_chromium(p)
        page = chromium.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        page.goto(url)
        _apply(page, visitors_server)
        ask_here(page, QUESTION)
        expect(page.locator(".answer")).to_contain_text("4 crowns", timeout=WAIT_MS)  # the visitor's server
        assert seen and all(OPERATOR_KEY not in header for header in seen), seen

        _apply(page, visitors_server, VISITOR_KEY)
        ask_here(page, QUESTION)
        assert seen[-1] == f"Bearer {VISITOR_KEY}"
        chromium.close()
