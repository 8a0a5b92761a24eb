"""Nothing unchecked on screen (issue 25): while a scripted model (tests/fake_llm.py) streams a wrong figure
a word at a time, the chat page shows the stages of answering, never the draft; then the checked answer.
A MutationObserver in the page records every text the page ever showed, so a draft drawn for a moment and
replaced is caught too; and the previous answer never shows inside the new question's bubble."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.harness import WAIT_MS, app_env, briefing_app, launch_chromium
from tests.fake_llm import fake_llm

ARTICLE = (
    "Kessel bridge toll to rise in April\n\nThe Ostrava city council said on Tuesday that the toll on the "
    "Kessel bridge will rise to 4 crowns in April to pay for repairs.\n"
)
WRONG = "The toll will rise to 9 crowns in April, the mayor said [1]."
WATCH = """() => {
  window.seen = new Set();
  const note = () => { for (const t of ["mayor", "Writing the answer", "Checking every sentence"])
    if (document.body.innerText.includes(t)) window.seen.add(t); };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_the_page_shows_stages_and_never_the_draft(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    (tmp_path / "kessel-toll.txt").write_text(ARTICLE, encoding="utf-8")
    briefing = str(Path(sys.executable).with_name("briefing"))
    subprocess.run([briefing, "ingest", "kessel-toll.txt", "--source", "Ostrava Post", "--date", "2031-04-02"],
                   cwd=tmp_path, env=app_env(tmp_path), check=True, capture_output=True)  # fmt: skip
    with fake_llm(lambda prompt: WRONG, delay=0.2) as model, sync_playwright() as p:
        env = {"BRIEFING_LLM": "openai", "OPENAI_BASE_URL": model, "OPENAI_API_KEY": "sk-test"}
        with briefing_app(tmp_path, env=env) as url:
            chromium = launch_chromium(p)
            page = chromium.new_page()
            page.goto(url)
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=WAIT_MS)
            page.evaluate(WATCH)
            for n, question in enumerate(("How much will the Kessel bridge toll rise to?", "And when?"), 1):
                box.fill(question)
                box.press("Enter")
                expect(page.locator(".answer")).to_have_count(n, timeout=WAIT_MS)
                expect(page.locator(".answer").nth(n - 1)).to_contain_text("4 crowns", timeout=WAIT_MS)
            seen = page.evaluate("() => [...window.seen]")
            chromium.close()
    assert "Writing the answer" in seen and "Checking every sentence" in seen  # progress was shown
    assert "mayor" not in seen  # the draft never was (only it names a mayor), in whole or in part
