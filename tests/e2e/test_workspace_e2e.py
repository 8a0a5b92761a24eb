"""The analyst's workspace in real Chromium (issue 27): files dropped with their manifest keep its outlet,
date and title, and an article's outlet is mended in place afterwards; a conversation in a notebook other
than the configured one is still there after a reload."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from briefing.config import Settings
from briefing.ingest import ingest
from briefing.store import Store
from tests.e2e.harness import WAIT_MS, ask_here, briefing_app, launch_chromium, shot, wait_idle
from tests.paths import SHARED

SEEDS = SHARED / "corpus" / "seeds"
TWO = ("000_aa3f24ceda542d04.txt", "004_7429f206eed36188.txt")


def test_two_files_dropped_with_their_manifest_then_one_outlet_mended(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    lines = (SEEDS / "manifest.csv").read_text(encoding="utf-8").splitlines()
    (drop / "manifest.csv").write_text("\n".join(ln for ln in lines if ln.startswith(("file,", *TWO))) + "\n")
    for name in TWO:
        shutil.copy(SEEDS / name, drop / name)
    with sync_playwright() as p, briefing_app(tmp_path) as url:
        chromium = launch_chromium(p)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/library")
        files = page.locator("input[type=file]")
        expect(files).to_have_count(1, timeout=WAIT_MS)
        files.set_input_files([str(drop / n) for n in (*TWO, "manifest.csv")])
        expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=WAIT_MS)  # the upload table
        expect(page.get_by_text("no outlet or date")).to_have_count(0)  # the manifest gave both
        page.get_by_role("button", name="Add to library").click()
        for name in TWO:
            page.get_by_text(f"{name} — added").wait_for(timeout=WAIT_MS)
        shot(page, "library-manifest.png")

        wait_idle(page)
        page.get_by_label("Article to edit").click(timeout=WAIT_MS)
        page.keyboard.press("ArrowDown")  # a choice with none made yet opens on a key, not on the click
        page.get_by_role("option", name=re.compile("takes US rights concerns")).click()
        shot(page, "library-edit.png")
        outlet = page.get_by_label("Outlet", exact=True)
        expect(outlet).to_have_value("Al Jazeera", timeout=WAIT_MS)
        outlet.fill("Al Jazeera English")
        page.get_by_role("button", name="Save changes").click()
        page.get_by_text("source 'Al Jazeera' → 'Al Jazeera English'").wait_for(timeout=WAIT_MS)
        chromium.close()

    store = Store(Settings(store_dir=tmp_path / "vectorstore"))
    assert {
        (r.article.source, str(r.article.published), r.article.title) for r in store.article_records()
    } == {
        (
            "Free Malaysia Today (Reuters)",
            "2019-05-22",
            "US could blacklist Chinese surveillance tech firm Hikvision",
        ),
        (
            "Al Jazeera English",
            "2019-05-22",
            "China's Hikvision says it takes US rights concerns 'seriously'",
        ),
    }


def test_a_conversation_in_another_notebook_is_there_again_after_a_reload(tmp_path: Path) -> None:
    """Before the notebook was in the address, a reload fell back to the configured notebook and the
    conversation was gone from view."""
    for collection, seed in (("articles", TWO[0]), ("hikvision-response", TWO[1])):
        settings = Settings(store_dir=tmp_path / "vectorstore", collection=collection)
        assert ingest([SEEDS / seed], settings, manifest=SEEDS / "manifest.csv", progress=False).ok
    question = "How did Hikvision respond to the human rights concerns?"
    with sync_playwright() as p, briefing_app(tmp_path) as url:
        chromium = launch_chromium(p)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        wait_idle(page)
        page.get_by_test_id("stSidebar").get_by_label("Notebook").click()
        page.get_by_role("option", name="hikvision-response").click()
        expect(page).to_have_url(re.compile(r"[?&]nb=hikvision-response"), timeout=WAIT_MS)
        ask_here(page, question)
        expect(page).to_have_url(re.compile(r"[?&]c=[0-9a-f]{32}"), timeout=WAIT_MS)
        address = page.url
        page.reload()
        expect(page.get_by_text(question)).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("div.source-card").first).to_contain_text("Al Jazeera", timeout=WAIT_MS)
        expect(page.get_by_test_id("stSidebar").get_by_label("Notebook")).to_have_value(
            "hikvision-response", timeout=WAIT_MS
        )
        assert page.url == address
        shot(page, "notebook-conversation-reloaded.png")
        chromium.close()
