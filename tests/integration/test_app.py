"""The Streamlit app as a whole, driven by streamlit.testing.v1.AppTest on invented articles: an empty or
unreachable store and a failing model are messages, sessions share the answerer but not the chat,
notebooks switch in the sidebar, and a chat round trip replays a recorded exchange with the llama.cpp
server. pytest-recording names the cassette folder after the test module
(tests/integration/cassettes/test_app/), so that test stays in this file.

Each page has a file of its own: test_app_chat.py, test_app_library.py, test_app_briefs.py,
test_app_settings.py; who may do what is test_app_access.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing.app import state as sup
from briefing.config import Settings
from briefing.ingest import ingest
from tests.integration import app_helpers
from tests.integration.app_helpers import APP, ARTICLES, TIMEOUT, app_env, ask, page_html
from tests.recorded import LLM_URL, MODEL, write_articles

app, filled_store = app_helpers.app, app_helpers.filled_store  # fixtures, found by pytest in this module


def test_sessions_share_the_answerer_but_not_the_chat(app: AppTest) -> None:
    other = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    ask(app, "How much will the Kessel bridge toll rise to?")
    ask(other, "What will the ferry tickets cost?")
    assert [e.question for e in app.session_state[sup.KEY_CHAT]] == [
        "How much will the Kessel bridge toll rise to?"
    ]
    assert [e.question for e in other.session_state[sup.KEY_CHAT]] == ["What will the ferry tickets cost?"]
    settings = sup.session_settings({})
    assert sup.get_answerer(settings, session_key=False) is sup.get_answerer(settings, session_key=False)
    assert sup.get_answerer(settings, session_key=True) is not sup.get_answerer(settings, session_key=True)


def test_empty_store_says_how_to_add_articles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app_env(monkeypatch, tmp_path / "empty-store")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    assert "The library is empty" in at.info[0].value and "briefing ingest" in at.info[0].value


def test_store_errors_are_messages_not_tracebacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app_env(monkeypatch, tmp_path / "s", BRIEFING_CHROMA_URL="not a url")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "is not a URL like http://127.0.0.1:8000" in at.error[0].value
    at.switch_page("views/library.py").run()
    assert not at.exception and "is not a URL" in at.error[0].value


def test_model_errors_are_messages_not_tracebacks(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path
) -> None:
    app_env(
        monkeypatch,
        filled_store,
        BRIEFING_LLM="openai",
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
        BRIEFING_LLM_MAX_RETRIES="0",
        BRIEFING_LLM_TIMEOUT="5",
    )
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    ask(at, "How much will the Kessel bridge toll rise to?")
    assert "cannot connect" in at.error[0].value
    assert at.session_state[sup.KEY_CHAT][0].error == at.error[0].value


@pytest.mark.vcr
def test_chat_round_trip_with_a_recorded_model(monkeypatch: pytest.MonkeyPatch, filled_store: Path) -> None:
    app_env(
        monkeypatch,
        filled_store,
        BRIEFING_LLM="openai",
        OPENAI_BASE_URL=LLM_URL,
        OPENAI_API_KEY="sk-test-0000",
        BRIEFING_OPENAI_MODEL=MODEL,
        BRIEFING_LLM_MAX_TOKENS="60",
        BRIEFING_TOP_K="2",
        BRIEFING_LLM_MAX_RETRIES="3",
        BRIEFING_LLM_TIMEOUT="590",
    )
    at = AppTest.from_file(APP, default_timeout=600).run()
    assert "openai · qwen2.5-coder-1.5b-instruct at 127.0.0.1:8089" in at.sidebar.markdown[0].value.replace(
        "\\", ""
    )
    ask(at, "How many passengers an hour will the ferry carry?")
    exchange = at.session_state[sup.KEY_CHAT][0]
    answer = exchange.answer
    assert answer is not None, exchange.error
    assert answer.backend == "openai" and answer.model == MODEL
    assert "600" in answer.text
    assert "Ferry service returns while Kessel bridge is repaired" in {c.title for c in answer.citations}
    assert '<div class="source-card"' in page_html(at)


def test_notebooks_are_collections_switched_in_the_sidebar(app: AppTest, filled_store: Path) -> None:
    assert app.sidebar.selectbox(key="notebook_pick").options == ["articles"]
    app.text_input(key="notebook_new").set_value("Ferry Watch!").run()
    app.button(key="notebook_create").click().run()
    assert not app.exception, app.exception
    assert app.session_state[sup.KEY_NOTEBOOK] == "ferry-watch"
    assert "The library is empty" in app.info[0].value  # a notebook of its own, with no articles yet
    folder = write_articles(
        filled_store.parent / "ferry-articles", {"kessel-ferry.txt": ARTICLES["kessel-ferry.txt"]}
    )
    ingest(
        [folder], Settings(store_dir=filled_store, collection="ferry-watch"), manifest=folder / "manifest.csv"
    )
    app.run()
    assert app.sidebar.selectbox(key="notebook_pick").options == ["articles", "ferry-watch"]
    ask(app, "What will the ferry tickets cost?")
    assert {c.outlet for c in app.session_state[sup.KEY_CHAT][0].answer.citations} == {"Silesian Wire"}
    assert list(
        (filled_store / "notebooks" / "ferry-watch" / "conversations" / "browsers").glob("*/*.json")
    )  # its own chats
    app.sidebar.selectbox(key="notebook_pick").set_value("articles").run()
    assert app.session_state[sup.KEY_NOTEBOOK] == "articles" and not app.session_state[sup.KEY_CHAT]
    assert not [i for i in app.info if "library is empty" in i.value] and app.chat_input
