"""Every view addressable (issue 27): the notebook is in the address on every page, the conversation on
Chat, the brief on Briefs; a reload or a shared link opens exactly that, and an address naming what this
session may not open, or what is not there, is refused with a message. Driven by AppTest, whose
`query_params` stand for the address a browser loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing.app import browser
from briefing.app import state as sup
from briefing.config import Settings
from briefing.ingest import ingest
from briefing.store import Store, notebooks
from tests.integration.app_helpers import APP, ARTICLES, TIMEOUT, app_env, ask, page_html, page_text
from tests.recorded import write_articles


@pytest.fixture
def store_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The toll article in the configured notebook, the ferry article in the notebook "ferries"."""
    store_dir = tmp_path / "store"
    for name, collection in (("kessel-toll.txt", "articles"), ("kessel-ferry.txt", "ferries")):
        folder = write_articles(tmp_path / collection, {name: ARTICLES[name]})
        settings = Settings(store_dir=store_dir, collection=collection)
        assert ingest([folder], settings, manifest=folder / "manifest.csv", progress=False).ok
    app_env(monkeypatch, store_dir)
    return store_dir


def _opened(query: dict[str, str], session: dict[str, object] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_reload_opens_the_notebook_and_the_conversation_the_address_names(store_dir: Path) -> None:
    first = _opened({})
    assert first.query_params[sup.NOTEBOOK] == "articles"  # the configured notebook is named too
    first.selectbox(key="notebook_pick").set_value("ferries").run()
    assert first.query_params[sup.NOTEBOOK] == "ferries"
    ask(first, "How many passengers will the ferry carry?")
    conv_id = first.query_params[sup.CONVERSATION]

    same_browser = {browser.KEY_BROWSER: first.session_state[browser.KEY_BROWSER]}  # what its cookie says
    again = _opened({sup.NOTEBOOK: "ferries", sup.CONVERSATION: conv_id}, same_browser)
    assert again.selectbox(key="notebook_pick").value == "ferries"
    assert [m.name for m in again.chat_message] == ["user", "assistant"]
    assert "reader?nb=ferries&amp;article=" in page_html(again)  # a source opens in its notebook too
    assert not again.warning

    stranger = _opened({sup.NOTEBOOK: "ferries", sup.CONVERSATION: conv_id})  # another browser
    assert not stranger.chat_message and sup.CONVERSATION not in stranger.query_params
    assert "That conversation is not one of yours in the notebook ferries" in page_text(stranger)


def test_an_address_naming_no_notebook_is_refused_and_starts_none(store_dir: Path) -> None:
    at = _opened({sup.NOTEBOOK: "secret-plans"})
    assert "There is no notebook “secret-plans” here: this is articles." in page_text(at).replace("\\", "")
    assert at.query_params[sup.NOTEBOOK] == "articles"
    assert at.selectbox(key="notebook_pick").value == "articles"
    assert "secret-plans" not in notebooks(Store(Settings(store_dir=store_dir)).client)


def test_a_brief_is_reopened_by_its_address(store_dir: Path) -> None:
    at = _opened({})
    at.switch_page("views/briefs.py").run()
    at.text_input(key="brief_topic").set_value("Kessel bridge toll rise")
    at.button[0].click().run()
    assert not at.exception and not at.error
    name = at.query_params[sup.BRIEF]
    title = at.session_state["brief"][1].title

    again = _opened({sup.NOTEBOOK: "articles", sup.BRIEF: name})  # a reload: a new session
    again.switch_page("views/briefs.py").run()
    assert again.expander[0].label.replace("\\", "").endswith(title) and again.expander[0].proto.expanded
    assert f"<h1>{title}</h1>" in page_html(again)

    gone = _opened({sup.NOTEBOOK: "ferries", sup.BRIEF: name})  # kept in another notebook
    gone.switch_page("views/briefs.py").run()
    assert f"There is no brief “{name}” in the notebook ferries." in page_text(gone).replace("\\", "")
    assert sup.BRIEF not in gone.query_params
