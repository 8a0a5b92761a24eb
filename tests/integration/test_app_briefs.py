"""The Briefs and Notes pages, driven by AppTest on invented articles (extractive backend): topic and
weekly briefs rendered, downloadable and kept, the page opening on the latest weekly brief, and a passage
saved as a note cited in a brief.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing.app import state as sup
from briefing.app.render import docx_bytes
from briefing.archive import BRIEFS_DIR
from briefing.config import Settings
from briefing.export import render_markdown
from briefing.ingest import ingest
from briefing.notes import Notes
from briefing.store import Store
from briefing.topics import SavedTopics
from tests.integration import app_helpers
from tests.integration.app_helpers import APP, ARTICLES, TIMEOUT, app_env, ask, page_html
from tests.recorded import write_articles

app, filled_store = app_helpers.app, app_helpers.filled_store  # fixtures, found by pytest in this module


@pytest.fixture
def briefs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    folder = write_articles(tmp_path / "articles", ARTICLES)
    store_dir = tmp_path / "store"
    ingest([folder], Settings(store_dir=store_dir), manifest=folder / "manifest.csv", progress=False)
    app_env(monkeypatch, store_dir)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/briefs.py").run()
    assert not at.exception
    return at


def test_topic_brief_is_rendered_downloadable_and_listed(briefs: AppTest, tmp_path: Path) -> None:
    assert "None yet" in briefs.main.caption[-1].value
    briefs.text_input(key="brief_topic").set_value("Kessel bridge toll rise")
    briefs.button[0].click().run()
    assert not briefs.exception and not briefs.error
    assert briefs.get("progress")[0].proto.value == 100
    body = page_html(briefs)
    assert re.search(r"<h1>[^<]*: Kessel bridge toll rise</h1>", body)
    assert '<a class="cite" href="#source-1">' in body and 'id="source-1"' in body
    assert "&lt;script" in body and "<script" not in body.lower()  # the quoted tag is text
    labels = [b.proto.label for b in briefs.get("download_button")]
    assert labels[:2] == ["Download Markdown", "Download Word"]
    saved = list((tmp_path / "store" / BRIEFS_DIR).glob("*.md"))
    assert len(saved) == 1 and saved[0].with_name(saved[0].name + ".audit.json").is_file()
    assert briefs.expander[0].label.endswith("Kessel bridge toll rise")
    earlier = [b.proto.label for b in briefs.get("download_button")][2:]
    assert earlier == ["Download Markdown", "Download Word"]  # the earlier brief offers both saved files
    assert saved[0].with_suffix(".docx").read_bytes()[:2] == b"PK"
    assert body.count("Read the passage in the stored article") == len(
        briefs.session_state["brief"][1].sources
    )
    briefs.radio(key="brief_kind").set_value("Weekly brief").run()
    assert not re.search(
        r"<h1>[^<]*: Kessel bridge toll rise</h1>", page_html(briefs)
    )  # not left under another form


def test_downloads_hold_the_brief(briefs: AppTest) -> None:
    briefs.text_input(key="brief_topic").set_value("Kessel bridge toll rise")
    briefs.button[0].click().run()
    _, brief, _ = briefs.session_state["brief"]
    assert render_markdown(brief).startswith(f"# {brief.title}")
    assert docx_bytes(brief)[:2] == b"PK"  # a .docx is a zip


def test_weekly_brief_and_errors(briefs: AppTest) -> None:
    briefs.radio(key="brief_kind").set_value("Weekly brief").run()
    assert briefs.date_input(key="brief_window_True").value == (date(2031, 5, 14), date(2031, 5, 20))
    briefs.button[0].click().run()
    assert not briefs.exception and not briefs.error
    _, brief, _ = briefs.session_state["brief"]
    assert brief.kind == "weekly" and all(s.chunk.published >= date(2031, 5, 14) for s in brief.sources)
    briefs.radio(key="brief_kind").set_value("Topic brief").run()
    briefs.button[0].click().run()  # no topic
    assert "a topic brief needs a topic" in briefs.error[0].value


def test_the_briefs_page_opens_on_the_latest_weekly_brief_and_what_arrived_since(
    briefs: AppTest, tmp_path: Path
) -> None:
    briefs.radio(key="brief_kind").set_value("Weekly brief").run()
    briefs.date_input(key="brief_window_True").set_value((date(2031, 3, 27), date(2031, 4, 2))).run()
    briefs.button[0].click().run()
    assert not briefs.exception and not briefs.error
    store = Store(Settings(store_dir=tmp_path / "store"))
    SavedTopics(store).add("Ferry service returns while Kessel bridge is repaired")
    SavedTopics(store).add("Eurovision song contest results")
    again = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    again.switch_page("views/briefs.py").run()
    assert not again.exception, again.exception
    assert again.expander[0].label.replace("\\", "").startswith("Latest weekly brief: ")
    assert "2031-03-27 to 2031-04-02" in again.expander[0].label.replace("\\", "")
    assert "Kessel bridge toll to rise in April" in page_html(again)  # the brief itself, shown
    lines = [m.value.replace("\\", "") for m in again.markdown]
    assert "**Ferry service returns while Kessel bridge is repaired**: 1" in lines
    assert "- Ferry service returns while Kessel bridge is repaired — Silesian Wire, 2031-05-20" in lines
    assert "**Eurovision song contest results**: nothing new" in lines


def test_a_passage_saved_as_a_note_gathers_in_the_notebook_and_is_cited_in_a_brief(
    app: AppTest, filled_store: Path
) -> None:
    ask(app, "How long will the Kessel bridge repairs take?")
    cited = app.session_state[sup.KEY_CHAT][0].answer.citations[0]
    app.button(key="note_0_1").click().run()
    assert not app.exception, app.exception
    store = Store(Settings(store_dir=filled_store))
    (note,) = [n for n in Notes(store).list() if n.passages == [cited.chunk_id]]
    assert note.kind == "passage" and note.text == cited.quote and note.question.startswith("How long")
    app.switch_page("views/notes.py").run()
    assert any(cited.quote[:40] in m.value.replace("\\", "") for m in app.markdown)
    app.switch_page("views/briefs.py").run()
    app.text_input(key="brief_topic").set_value("Kessel bridge repairs").run()
    app.selectbox(key="brief_outlet").set_value("Silesian Wire").run()  # retrieval alone would not find it
    app.multiselect(key="brief_notes").set_value([note]).run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    _, brief, _ = app.session_state["brief"]
    assert cited.outlet == "Ostrava Post" and cited.chunk_id in {s.chunk.id for s in brief.sources}
    Notes(store).remove(note.id)


def test_the_briefs_page_shows_each_kept_storys_weeks(briefs: AppTest) -> None:
    assert "None yet: each weekly brief files" in " ".join(c.value for c in briefs.main.caption)
    briefs.radio(key="brief_kind").set_value("Weekly brief").run()
    briefs.button[0].click().run()
    assert not briefs.exception and not briefs.error
    _, brief, _ = briefs.session_state["brief"]
    week = brief.stories["week"]
    first = brief.stories["stories"][0]
    label = next(e.label for e in briefs.expander if e.label.replace("\\", "").startswith(first["title"]))
    assert label.replace("\\", "").endswith(f"({week}, 1 week(s))")
    rows = briefs.table[0].value.to_dict("records")
    assert rows[0]["week"] == week and rows[0]["articles"] == len(first["articles"])
    assert rows[0]["outlets"] == ", ".join(first["outlets"])
