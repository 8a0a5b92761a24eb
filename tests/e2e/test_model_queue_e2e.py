"""Two analysts ask at once in two browsers (issue 24 item 8): the second sees its place in the model's
line while the first is answered, then gets its answer. The model is tests/fake_llm.py's server, holding
the first answer until the second browser has shown its place."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.harness import WAIT_MS, app_env, briefing_app, launch_chromium
from tests.fake_llm import fake_llm

ARTICLE = (
    "Kessel bridge toll to rise in April\n\nThe Ostrava city council said on Tuesday that the toll on the "
    "Kessel bridge will rise to 4 crowns in April to pay for repairs.\n"
)
QUESTION = "How much will the Kessel bridge toll rise to?"


def test_a_second_asker_sees_its_place_in_line_then_its_answer(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    (tmp_path / "kessel-toll.txt").write_text(ARTICLE, encoding="utf-8")
    briefing = str(Path(sys.executable).with_name("briefing"))
    subprocess.run([briefing, "ingest", "kessel-toll.txt", "--source", "Ostrava Post", "--date", "2031-04-02"],
                   cwd=tmp_path, env=app_env(tmp_path), check=True, capture_output=True)  # fmt: skip
    asked, release = threading.Event(), threading.Event()

    def reply(prompt: str) -> str:
        asked.set()
        release.wait(WAIT_MS / 1000)
        return "The toll rises to 4 crowns [1]."

    with fake_llm(reply) as model, sync_playwright() as p:
        env = {"BRIEFING_LLM": "openai", "OPENAI_BASE_URL": model, "OPENAI_API_KEY": "sk-test"}
        with briefing_app(tmp_path, env=env) as url:
            chromium = launch_chromium(p)
            first, second = (chromium.new_context().new_page() for _ in range(2))
            for page in (first, second):
                page.goto(url)
                page.get_by_test_id("stChatInputTextArea").wait_for(timeout=WAIT_MS)
            first.get_by_test_id("stChatInputTextArea").fill(QUESTION)
            first.get_by_test_id("stChatInputTextArea").press("Enter")
            assert asked.wait(WAIT_MS / 1000)  # the first answer is being written
            second.get_by_test_id("stChatInputTextArea").fill(QUESTION)
            second.get_by_test_id("stChatInputTextArea").press("Enter")
            second.get_by_text("Waiting for the model: 1 question ahead of yours.").wait_for(timeout=WAIT_MS)
            release.set()
            for page in (first, second):
                expect(page.locator(".answer")).to_contain_text("4 crowns", timeout=WAIT_MS)
            expect(second.get_by_text("Waiting for the model")).to_have_count(0)
            chromium.close()
