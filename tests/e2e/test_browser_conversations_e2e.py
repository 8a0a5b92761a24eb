"""Where nobody signs in, each browser keeps its own conversations, in real Chromium: browser A asks, its
cookie is set on the app's own origin, a reload and a server restart still list the conversation; a fresh
browser B neither lists it nor opens it from its link, while the deployment's earlier conversation is
listed read-only for both. And the outlet filter's chips show a long outlet name whole. A tab of a first
visit whose id another tab set meanwhile takes that id up rather than overwriting it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from briefing.app import browser
from briefing.app.conversations import Conversation, Conversations, Exchange
from briefing.config import Settings
from tests.e2e.harness import (
    WAIT_MS,
    app_env,
    ask_here,
    briefing_app,
    cookie,
    launch_chromium,
    shot,
    wait_idle,
)
from tests.store_fixtures import free_port

LONG_OUTLET = "The Ostrava Evening Post and Moravian-Silesian Regional Chronicle"
ARTICLE = """Kessel bridge toll to rise in April

The Ostrava city council said on Tuesday that the toll on the Kessel bridge will rise to 4 crowns in April to pay for repairs.

Council member Ludek Sarna said the repairs would take eighteen months and cost 90 million crowns.
"""
# Tall enough for the whole sidebar: a dropdown at the bottom edge opens while it is scrolled into view,
# and a scroll closes it again.
VIEWPORT = {"width": 1280, "height": 1400}
QUESTION = "How long will the Kessel bridge repairs take?"
EARLIER = "What did the council say about the toll?"  # kept deployment-wide before browsers had their own


def _prepare_store(tmp: Path) -> None:
    """The article ingested with the CLI, and one conversation kept the way every browser shared them."""
    (tmp / "kessel-toll.txt").write_text(ARTICLE, encoding="utf-8")
    briefing = str(Path(sys.executable).with_name("briefing"))
    subprocess.run([briefing, "ingest", "kessel-toll.txt", "--source", LONG_OUTLET, "--date", "2031-04-02"],
                   cwd=tmp, env=app_env(tmp), check=True, capture_output=True)  # fmt: skip
    earlier = Conversation.new()
    earlier.exchanges.append(Exchange(EARLIER, text="It rises [1].", html="<p>It rises [1].</p>"))
    Conversations(Settings(store_dir=tmp / "vectorstore")).save(earlier)


def _listed(page: Any) -> list[str]:
    """The labels in the sidebar's Conversations list (none when the list is not shown)."""
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    if not sidebar.get_by_text("Conversations", exact=True).count():
        return []
    sidebar.get_by_text("Conversations", exact=True).click()
    # a click while the expander is still opening focuses the list but does not open it
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    sidebar.get_by_role("combobox", name="Open").click()
    page.get_by_role("option").first.wait_for(timeout=WAIT_MS)
    labels = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return labels


def test_each_browser_keeps_its_own_conversations_and_outlet_chips_show_whole_names(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    _prepare_store(tmp_path)
    port = free_port()
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        a = chromium.new_context(viewport=VIEWPORT)
        page_a = a.new_page()
        with briefing_app(tmp_path, port) as url:
            page_a.goto(url)
            box = page_a.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=WAIT_MS)
            ours = cookie(a, browser.COOKIE)
            assert ours, "the browser cookie was never set"
            assert browser.valid_id(ours["value"]), ours
            assert (ours["domain"], ours["path"], ours["sameSite"]) == ("127.0.0.1", "/", "Lax")
            assert ours["expires"] - time.time() > 360 * 24 * 3600  # kept for a year
            box.fill(QUESTION)
            box.press("Enter")
            page_a.locator("div.source-card").first.wait_for(timeout=WAIT_MS)
            expect(page_a).to_have_url(re.compile(r"[?&]c=[0-9a-f]{32}"), timeout=WAIT_MS)
            conv_id = page_a.url.rsplit("c=", 1)[1][:32]
            kept = tmp_path / "vectorstore" / "conversations" / "browsers" / ours["value"]
            assert [f.stem for f in kept.glob("*.json")] == [conv_id]  # this browser's own folder

            page_a.reload()
            expect(page_a.get_by_text(QUESTION)).to_be_visible(timeout=WAIT_MS)
            mine = _listed(page_a)
            assert [label.startswith(QUESTION) for label in mine] == [True, False], mine
            assert mine[1].startswith(EARLIER) and mine[1].endswith(" · shared")
            assert [c["value"] for c in a.cookies() if c["name"] == browser.COOKIE] == [ours["value"]]

            b = chromium.new_context(viewport=VIEWPORT)
            page_b = b.new_page()
            page_b.goto(url)
            theirs = _listed(page_b)
            assert len(theirs) == 1 and theirs[0].startswith(EARLIER), theirs  # not A's conversation
            assert cookie(b, browser.COOKIE)["value"] != ours["value"]
            page_b.goto(f"{url}/?c={conv_id}")  # A's link, in B
            expect(page_b.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=WAIT_MS)
            expect(page_b).not_to_have_url(re.compile(conv_id), timeout=WAIT_MS)
            expect(page_b.get_by_text(QUESTION)).to_have_count(0)

            wait_idle(page_b)
            page_b.get_by_role("combobox", name="Outlets (none chosen: all)").click()
            page_b.get_by_role("option", name=LONG_OUTLET).click()
            page_b.keyboard.press("Escape")
            chip = page_b.locator(".st-key-filter_outlets [data-tag]")
            expect(chip).to_have_count(1, timeout=WAIT_MS)
            name = chip.locator("span").first
            assert name.inner_text() == LONG_OUTLET
            for part in (chip, name):  # nothing of the name cut off: the whole of it is drawn
                width, seen = part.evaluate("e => [e.scrollWidth, e.clientWidth]")
                assert width <= seen, (width, seen)
            lines = name.evaluate(
                "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)"
            )
            assert lines > 1.5, lines  # wrapped onto several lines rather than cut
            sidebar = page_b.get_by_test_id("stSidebar").bounding_box()
            drawn = chip.bounding_box()
            assert drawn["x"] + drawn["width"] <= sidebar["x"] + sidebar["width"]  # and inside the sidebar
            chip.scroll_into_view_if_needed()
            shot(page_b, "outlet-chip.png")
            b.close()

        with briefing_app(tmp_path, port, log="streamlit-restarted.log") as url:
            page_a.goto(url)  # after a restart, without the conversation's link
            assert _listed(page_a)[0].startswith(QUESTION)
        chromium.close()


# Once a tab's WebSocket is open (its session connected without the cookie), another tab of the same first
# visit sets its own id: here, the page itself does, at that moment, every time it connects.
OTHER_TAB = """(() => {{
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {{
    constructor(...args) {{
      super(...args);
      this.addEventListener("open", () => {{ document.cookie = "{cookie}={value}; Path=/"; }});
    }}
  }};
}})();"""


def test_a_tab_takes_up_the_id_another_tab_of_the_first_visit_set_meanwhile(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    _prepare_store(tmp_path)
    other = browser.new_id()
    with sync_playwright() as p, briefing_app(tmp_path) as url:
        chromium = launch_chromium(p)
        context = chromium.new_context(viewport=VIEWPORT)
        context.add_init_script(OTHER_TAB.format(cookie=browser.COOKIE, value=other))
        page = context.new_page()
        page.goto(url)
        # the first session's id was made for it; finding the other tab's in the browser, the page reloads
        page.wait_for_function(
            "() => performance.getEntriesByType('navigation')[0].type === 'reload'", timeout=WAIT_MS
        )
        wait_idle(page)
        ask_here(page, QUESTION)
        expect(page).to_have_url(re.compile(r"[?&]c=[0-9a-f]{32}"), timeout=WAIT_MS)
        conv_id = page.url.rsplit("c=", 1)[1][:32]
        assert [c["value"] for c in context.cookies() if c["name"] == browser.COOKIE] == [other]
        kept = tmp_path / "vectorstore" / "conversations" / "browsers" / other
        assert [f.stem for f in kept.glob("*.json")] == [conv_id]  # under the id both tabs now share
        chromium.close()
