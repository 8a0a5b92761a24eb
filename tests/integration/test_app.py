"""The Streamlit app driven by streamlit.testing.v1.AppTest: every page, on invented articles.

Most tests answer extractively (no model); one replays a recorded exchange with the llama.cpp server
(tests/integration/cassettes/test_app/). One article carries a <script> tag and markdown-looking links, which must
reach the page as text.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from briefing import activity
from briefing.answer import Answer, Answerer
from briefing.app import ENTRY
from briefing.app import state as sup
from briefing.app.conversations import Conversations, to_markdown
from briefing.app.render import answer_html, answer_warnings, docx_bytes
from briefing.app.uploads import UPLOADS_DIR, check_upload, ingest_uploads
from briefing.archive import BRIEFS_DIR
from briefing.cite import check_citations
from briefing.config import Settings
from briefing.export import render_markdown
from briefing.ingest import ingest
from briefing.notes import Notes
from briefing.store import Store
from briefing.topics import SavedTopics
from tests.fake_llm import fake_llm
from tests.feed_server import FeedServer, Route, http_date, rss
from tests.paths import PROJECT_ROOT
from tests.recorded import LLM_URL, MODEL, write_articles

APP = str(ENTRY)
TIMEOUT = 120  # first run loads the embedding model; the recorded test runs the full chain

ARTICLES = {
    "kessel-toll.txt": (
        "Ostrava Post",
        date(2031, 4, 2),
        """Kessel bridge toll to rise in April

The Ostrava city council said on Tuesday that the toll on the Kessel bridge will rise to 4 crowns in April <script>alert("pwned")</script> to pay for repairs. Read [the full plan](javascript:alert(1)) and **vote** now.

Council member Ludek Sarna said the repairs would take eighteen months and cost 90 million crowns.""",
    ),
    "kessel-ferry.txt": (
        "Silesian Wire",
        date(2031, 5, 20),
        """Ferry service returns while Kessel bridge is repaired

A ferry service across the Oder river will restart in May while the Kessel bridge is closed for repairs, the transport office said.

The ferry will carry 600 passengers an hour and tickets will cost 2 crowns, transport officer Hana Vlk said.""",
    ),
}


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_articles(tmp_path_factory.mktemp("kessel"), ARTICLES)
    store_dir = tmp_path_factory.mktemp("store")
    report = ingest([folder], Settings(store_dir=store_dir), manifest=folder / "manifest.csv", progress=False)
    assert report.ok and len(report.added) == 2, report.failures
    return store_dir


def _env(monkeypatch: pytest.MonkeyPatch, store_dir: Path, **extra: str) -> None:
    monkeypatch.setenv("BRIEFING_STORE_DIR", str(store_dir))
    monkeypatch.setenv("BRIEFING_LLM", "extractive")
    for k, v in extra.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, filled_store: Path) -> AppTest:
    _env(monkeypatch, filled_store)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def _html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _page_text(at: AppTest) -> str:
    parts = [
        str(getattr(e, "value", ""))
        for kind in ("markdown", "caption", "error", "info", "success", "warning", "title", "subheader")
        for e in at.get(kind)
    ]
    return "\n".join(parts) + "\n" + _html(at)


# --------------------------------------------------------------------------------------------- chat


def test_chat_answer_cites_sources_with_cards(app: AppTest) -> None:
    _ask(app, "How much will the Kessel bridge toll rise to?")
    exchange = app.session_state[sup.KEY_CHAT][0]
    assert exchange.answer is not None and exchange.answer.citations
    body = _html(app)
    assert '<a href="#src-0-1" class="cite">1</a>' in body
    assert '<div class="source-card" id="src-0-1"><a class="card-head" href="#src-0-1">' in body
    assert "Kessel bridge toll to rise in April — Ostrava Post, 2031-04-02" in body
    assert "<mark>The Ostrava city council said on Tuesday" in body
    assert "the stored text at this passage" in body and "kessel-toll.txt" not in body  # no server path
    assert [m.name for m in app.chat_message] == ["user", "assistant"]


def test_article_html_and_markdown_stay_text(app: AppTest) -> None:
    _ask(app, "How much will the Kessel bridge toll rise to?")
    body = _html(app)
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in body
    assert "<script" not in body.lower()
    _ask(app, "Where can I read the full plan and vote?")
    body = _html(app)
    assert "[the full plan](javascript:alert(1))" in body and "**vote**" in body
    assert 'href="javascript' not in body
    for md in app.markdown:  # whatever goes through markdown is escaped
        assert "<script" not in md.value


def test_follow_up_uses_the_conversation_and_new_conversation_clears_it(app: AppTest) -> None:
    _ask(app, "Who said the repairs would take eighteen months?")
    _ask(app, "How much will they cost?")
    chat = app.session_state[sup.KEY_CHAT]
    assert len(chat) == 2
    assert chat[1].answer.standalone_question.startswith("Who said the repairs would take eighteen months?")
    assert "90 million crowns" in chat[1].answer.text
    assert len(app.chat_message) == 4
    app.sidebar.button(key="conv_new").click().run()
    assert app.session_state[sup.KEY_CHAT] == [] and not app.chat_message


def test_sessions_share_the_answerer_but_not_the_chat(app: AppTest) -> None:
    other = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(app, "How much will the Kessel bridge toll rise to?")
    _ask(other, "What will the ferry tickets cost?")
    assert [e.question for e in app.session_state[sup.KEY_CHAT]] == [
        "How much will the Kessel bridge toll rise to?"
    ]
    assert [e.question for e in other.session_state[sup.KEY_CHAT]] == ["What will the ferry tickets cost?"]
    settings = sup.session_settings({})
    assert sup.get_answerer(settings, session_key=False) is sup.get_answerer(settings, session_key=False)
    assert sup.get_answerer(settings, session_key=True) is not sup.get_answerer(settings, session_key=True)


def test_filters_come_from_the_store_and_restrict_answers(app: AppTest) -> None:
    outlets = app.sidebar.multiselect(key="filter_outlets")
    assert outlets.options == ["Ostrava Post", "Silesian Wire"]
    assert app.sidebar.date_input(key="filter_window").value == (date(2031, 4, 2), date(2031, 5, 20))
    outlets.set_value(["Silesian Wire"]).run()
    _ask(app, "What will the ferry tickets cost?")
    answer = app.session_state[sup.KEY_CHAT][-1].answer
    assert {c.outlet for c in answer.citations} == {"Silesian Wire"} and answer.filters == {
        "outlets": ["Silesian Wire"]
    }
    assert "asked with only Silesian Wire" in " ".join(c.value for c in app.caption).replace("\\", "")
    app.sidebar.multiselect(key="filter_outlets").set_value(["Ostrava Post", "Silesian Wire"]).run()
    _ask(app, "What will the ferry tickets cost?")
    assert {c.outlet for c in app.session_state[sup.KEY_CHAT][-1].answer.citations} <= {
        "Ostrava Post",
        "Silesian Wire",
    }
    app.sidebar.multiselect(key="filter_outlets").set_value([])
    app.sidebar.date_input(key="filter_window").set_value((date(2031, 4, 2), date(2031, 4, 30))).run()
    _ask(app, "What will the ferry tickets cost?")
    answer = app.session_state[sup.KEY_CHAT][-1].answer
    assert answer.filters == {"until": "2031-04-30"}
    assert all(c.source == "Ostrava Post" for c in answer.sources)


def test_unsupported_sentences_are_marked(filled_store: Path) -> None:
    answerer = Answerer(Settings(store_dir=filled_store, llm="extractive"))
    good = answerer.ask("How much will the Kessel bridge toll rise to?")
    text = "The toll will rise to 4 crowns in April [1]. The mayor resigned over the toll in 2029 [1]."
    check = check_citations(text, good.sources, answerer.embedder, checker=answerer.settings.checker)
    answer = Answer(**{**vars(good), "text": check.text, "check": check})
    body = answer_html(answer, "a")
    assert body.count('class="unsupported"') == 1
    assert '⚠ The mayor resigned over the toll in 2029 [<a href="#a-1" class="cite">1</a>].</span>' in body
    assert any("The mayor resigned" in w for w in answer_warnings(answer))


def test_empty_store_says_how_to_add_articles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _env(monkeypatch, tmp_path / "empty-store")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    assert "The library is empty" in at.info[0].value and "briefing ingest" in at.info[0].value


def test_store_errors_are_messages_not_tracebacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _env(monkeypatch, tmp_path / "s", BRIEFING_CHROMA_URL="not a url")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "is not a URL like http://127.0.0.1:8000" in at.error[0].value
    at.switch_page("pages/library.py").run()
    assert not at.exception and "is not a URL" in at.error[0].value


def test_model_errors_are_messages_not_tracebacks(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path
) -> None:
    _env(
        monkeypatch,
        filled_store,
        BRIEFING_LLM="openai",
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
        BRIEFING_LLM_MAX_RETRIES="0",
        BRIEFING_LLM_TIMEOUT="5",
    )
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "How much will the Kessel bridge toll rise to?")
    assert "cannot connect" in at.error[0].value
    assert at.session_state[sup.KEY_CHAT][0].error == at.error[0].value


# ------------------------------------------------------------------------------------- recorded model


@pytest.mark.vcr
def test_chat_round_trip_with_a_recorded_model(monkeypatch: pytest.MonkeyPatch, filled_store: Path) -> None:
    _env(
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
    _ask(at, "How many passengers an hour will the ferry carry?")
    exchange = at.session_state[sup.KEY_CHAT][0]
    answer = exchange.answer
    assert answer is not None, exchange.error
    assert answer.backend == "openai" and answer.model == MODEL
    assert "600" in answer.text
    assert "Ferry service returns while Kessel bridge is repaired" in {c.title for c in answer.citations}
    assert '<div class="source-card"' in _html(at)


# ------------------------------------------------------------------------------------------ library


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AppTest]:
    _env(monkeypatch, tmp_path / "store")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/library.py").run()
    assert not at.exception
    yield at


def _upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader[0].set_value([(n, data, "text/plain") for n, data in files]).run()
    at.button(key="add_uploads").click().run()
    assert not at.exception, at.exception
    return at


def test_upload_good_and_bad_file(library: AppTest, tmp_path: Path) -> None:
    good = ARTICLES["kessel-ferry.txt"][2].encode()
    library.text_input(key="upload_outlet").set_value("Silesian Wire")
    library.date_input(key="upload_date").set_value(date(2031, 5, 20))
    _upload(library, ("ferry.txt", good), ("broken.txt", b"\x00\x01\x02binary"))
    assert "ferry.txt — added: “Ferry service returns while Kessel bridge is repaired”" in library.success[
        0
    ].value.replace("\\", "")
    assert library.error[0].value.replace("\\", "").startswith("broken.txt — ")
    assert library.file_uploader[0].value == []  # emptied for the next files
    table = library.dataframe[0].value
    assert list(table["title"]) == ["Ferry service returns while Kessel bridge is repaired"]
    assert list(table["outlet"]) == ["Silesian Wire"]
    assert library.metric[0].value == "1"
    saved = list((tmp_path / "store" / UPLOADS_DIR).rglob("*"))
    assert [p.name for p in saved if p.is_file()] == ["ferry.txt"]  # the failed file is not kept

    _upload(library, ("ferry-again.txt", good))
    assert "duplicate of “Ferry service returns while Kessel bridge is repaired” (Silesian Wire)" in (
        library.info[0].value.replace("\\", "")
    )


def test_library_search_and_delete(library: AppTest) -> None:
    _upload(library, *[(n, text.encode()) for n, (_, _, text) in ARTICLES.items()])
    assert len(library.dataframe[0].value) == 2
    library.text_input(key="library_search").set_value("ferry").run()
    rows = library.dataframe[0].value
    assert list(rows["title"]) == ["Ferry service returns while Kessel bridge is repaired"]
    library.text_input(key="library_search").set_value(
        "the 600 passengers"
    ).run()  # words of the article's text
    assert list(library.dataframe[0].value["title"]) == list(rows["title"])
    library.text_input(key="library_search").set_value("Dahua").run()
    assert not library.dataframe and "No article mentions “Dahua”." in library.info[0].value.replace("\\", "")
    library.text_input(key="library_search").set_value("ferry").run()
    library.selectbox(key="delete_choice").set_value(rows["id"][0]).run()
    assert library.button(key="delete_article").disabled  # not before the confirmation
    library.checkbox(key="delete_sure").check().run()
    library.button(key="delete_article").click().run()
    assert not library.exception
    assert "Deleted Ferry service returns" in library.success[0].value.replace("\\", "")
    library.text_input(key="library_search").set_value("").run()
    assert list(library.dataframe[0].value["title"]) == ["Kessel bridge toll to rise in April"]


def test_upload_progress_reaches_the_end(tmp_path: Path) -> None:
    steps: list[tuple[float, str]] = []
    files = [_FakeUpload("a.txt", 0), _FakeUpload("b.md", 0)]
    files[0].data = ARTICLES["kessel-toll.txt"][2].encode()
    files[1].data = ARTICLES["kessel-ferry.txt"][2].encode()
    settings = Settings(store_dir=tmp_path / "s")
    outcome = ingest_uploads(
        files, settings, lambda: Store(settings), on_progress=lambda f, t: steps.append((f, t))
    )
    assert [r.status for r in outcome.results] == ["added", "added"]
    assert [f for f, _ in steps] == [0.5, 1.0] and steps[-1][1] == "2 of 2 files: b.md"


class _FakeUpload:
    def __init__(self, name: str, size: int) -> None:
        self.name, self.size, self.data = name, size, b"x" * size

    def getvalue(self) -> bytes:
        return self.data


class _TextUpload(_FakeUpload):
    def __init__(self, name: str, text: str) -> None:
        self.name, self.data = name, text.encode()
        self.size = len(self.data)


def test_duplicate_uploads_say_which_article_they_repeat(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    _, (_, _, text) = next(iter(ARTICLES.items()))
    first = ingest_uploads(
        [_TextUpload("a.txt", text), _TextUpload("b.txt", text)],
        settings,
        lambda: Store(settings),
        source="Ostrava Post",
        published=date(2031, 4, 2),
    )
    assert [(r.name, r.status) for r in first.results] == [("a.txt", "added"), ("b.txt", "duplicate")]
    assert first.results[1].detail == "duplicate of a.txt in this upload"
    again = ingest_uploads(
        [_TextUpload("c.txt", text)],
        settings,
        lambda: Store(settings),
        source="Ostrava Post",
        published=date(2031, 4, 2),
    )
    (result,) = again.results
    assert result.status == "duplicate" and result.detail.endswith("(Ostrava Post), already in the library")


def test_upload_limits_have_clear_messages(tmp_path: Path) -> None:
    assert "not supported" in check_upload(_FakeUpload("tool.exe", 10), 20)
    assert "3.0 MB is over the 2 MB limit" in check_upload(_FakeUpload("huge.pdf", 3 * 2**20), 2)
    assert check_upload(_FakeUpload("fine.md", 10), 2) is None
    settings = Settings(store_dir=tmp_path / "s")
    outcome = ingest_uploads([_FakeUpload("tool.exe", 10)], settings, lambda: Store(settings))
    assert [(r.name, r.status) for r in outcome.results] == [("tool.exe", "failed")]
    assert outcome.report is None and not (tmp_path / "s").exists()


# ----------------------------------------------------------------------------------------- settings

SESSION_KEY = f"sk-app-test-{uuid.uuid4().hex}"  # made at run time, so no file holds it beforehand


def test_settings_key_lives_in_the_session_only(app: AppTest, filled_store: Path) -> None:
    assert "extractive" in app.sidebar.markdown[0].value
    app.switch_page("pages/settings.py").run()
    app.radio[0].set_value("openai")
    app.text_input[0].set_value("gpt-4o-mini")
    app.text_input[2].set_value(SESSION_KEY)
    app.button[0].click().run()
    assert not app.exception
    assert isinstance(app.session_state[sup.KEY_API_KEY], SecretStr)
    assert "openai · gpt-4o-mini at api.openai.com · key from this session" in app.sidebar.markdown[
        0
    ].value.replace("\\", "")
    assert SESSION_KEY not in _page_text(app) and app.text_input[2].value == ""
    assert "An API key is set for this session" in app.caption[0].value
    for root in (filled_store, PROJECT_ROOT):
        for path in root.rglob("*"):
            if (
                path.is_file()
                and ".venv" not in path.parts
                and ".git" not in path.parts
                and path.stat().st_size < 50_000_000
            ):
                assert SESSION_KEY.encode() not in path.read_bytes(), path
    app.button[1].click().run()  # forget the key
    assert sup.KEY_API_KEY not in app.session_state


def test_a_base_url_typed_in_the_app_never_gets_the_operators_key(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path
) -> None:
    operator_key = "sk-operator-0123456789abcdef0123"
    _env(monkeypatch, filled_store, OPENAI_API_KEY=operator_key, BRIEFING_LLM_MAX_RETRIES="0")
    seen: list[str] = []
    with fake_llm(lambda prompt: "The toll rises to 4 euros [1].", seen_auth=seen) as url:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        at.switch_page("pages/settings.py").run()
        at.radio[0].set_value("openai")
        at.text_input[1].set_value(url)  # a visitor's own server, no key typed
        at.button[0].click().run()
        at.switch_page("pages/chat.py").run()
        _ask(at, "How much will the Kessel bridge toll rise to?")
        assert seen and all(operator_key not in h for h in seen), seen
        at.switch_page("pages/settings.py").run()
        at.text_input[2].set_value("sk-visitor-0123456789abcdef0123")  # the visitor's own key goes there
        at.button[0].click().run()
        at.switch_page("pages/chat.py").run()
        _ask(at, "How much will the Kessel bridge toll rise to?")
        assert seen[-1] == "Bearer sk-visitor-0123456789abcdef0123"
    settings = sup.session_settings({})  # the operator's key still goes to the configured URL
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == operator_key


def test_settings_choose_backend_and_model(app: AppTest) -> None:
    app.switch_page("pages/settings.py").run()
    app.radio[0].set_value("openai")
    app.text_input[1].set_value("http://127.0.0.1:8089/v1")
    app.button[0].click().run()
    assert "openai · gpt-4o-mini at 127.0.0.1:8089" in app.sidebar.markdown[0].value.replace("\\", "")
    app.radio[0].set_value("extractive")
    app.button[0].click().run()
    assert "extractive" in app.sidebar.markdown[0].value


def test_session_settings_override_the_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _env(monkeypatch, tmp_path)
    s = sup.session_settings({sup.KEY_BACKEND: "local", sup.KEY_MODEL: "/models/x.gguf"})
    assert s.llm == "local" and str(s.local_model_path) == "/models/x.gguf" and s.store_dir == tmp_path
    assert sup.session_settings({}).llm == "extractive"


# ------------------------------------------------------------------------------------------- briefs


@pytest.fixture
def briefs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    folder = write_articles(tmp_path / "articles", ARTICLES)
    store_dir = tmp_path / "store"
    ingest([folder], Settings(store_dir=store_dir), manifest=folder / "manifest.csv", progress=False)
    _env(monkeypatch, store_dir)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/briefs.py").run()
    assert not at.exception
    return at


def test_topic_brief_is_rendered_downloadable_and_listed(briefs: AppTest, tmp_path: Path) -> None:
    assert "None yet" in briefs.main.caption[-1].value
    briefs.text_input(key="brief_topic").set_value("Kessel bridge toll rise")
    briefs.button[0].click().run()
    assert not briefs.exception and not briefs.error
    assert briefs.get("progress")[0].proto.value == 100
    body = _html(briefs)
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
        r"<h1>[^<]*: Kessel bridge toll rise</h1>", _html(briefs)
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


# ----------------------------------------------------------------------------------------- feeds


def test_feeds_are_subscribed_refreshed_with_their_status_and_removed(
    library: AppTest, server: FeedServer, stories: list[dict]
) -> None:
    items = [(s["title"], server.url(f"/a/{i}"), s["body"], http_date(14)) for i, s in enumerate(stories[:2])]
    server.routes["/wire.xml"] = Route(rss("Harbour Wire", items), etag='"w1"', last_modified=http_date(14))
    server.routes["/broken.xml"] = Route(b"", status=500)
    for url, name in ((server.url("/wire.xml"), "Harbour Wire"), (server.url("/broken.xml"), "Broken")):
        library.text_input(key="feed_url").set_value(url)
        library.text_input(key="feed_name").set_value(name)
        library.button(key="feed_subscribe").click().run()
        assert not library.exception, library.exception
    assert f"Subscribed to {name}." in library.success[0].value.replace("\\", "")
    feeds = library.dataframe[0].value
    assert list(feeds["feed"]) == ["Broken", "Harbour Wire"] and set(feeds["last refresh"]) == {
        "never refreshed"
    }

    library.button(key="feed_refresh").click().run()
    assert not library.exception, library.exception
    assert any("Harbour Wire: added 2" in i.value.replace("\\", "") for i in library.info)
    assert any("Broken: error: HTTP 500" in e.value.replace("\\", "") for e in library.error)
    feeds = library.dataframe[0].value.set_index("feed")
    assert feeds.loc["Harbour Wire", "articles added"] == 2 and feeds.loc["Broken", "last error"].startswith(
        "HTTP 500"
    )
    assert len(library.dataframe[1].value) == 2  # the articles, in the library table below

    library.selectbox(key="feed_remove").set_value(server.url("/broken.xml")).run()
    assert library.button(key="feed_unsubscribe").disabled  # not before the confirmation
    library.checkbox(key="feed_remove_sure").check().run()
    library.button(key="feed_unsubscribe").click().run()
    assert "Stopped following Broken." in library.success[0].value.replace("\\", "")
    assert list(library.dataframe[0].value["feed"]) == ["Harbour Wire"]


def test_a_source_card_opens_the_whole_article_at_its_passage(app: AppTest) -> None:
    _ask(app, "How long will the Kessel bridge repairs take?")
    citation = app.session_state[sup.KEY_CHAT][0].answer.citations[0]
    reader = AppTest.from_file(APP, default_timeout=TIMEOUT)
    reader.query_params.update({"article": citation.article_id, "passage": citation.chunk_id})
    reader.run()
    reader.switch_page("pages/reader.py").run()
    assert not reader.exception, reader.exception
    assert reader.subheader[0].value.replace("\\", "") == citation.title
    assert f"<mark>{citation.chunk.text.split()[0]}" in _html(reader)
    gone = AppTest.from_file(APP, default_timeout=TIMEOUT)
    gone.query_params.update({"article": "no-such-article"})
    gone.run()
    gone.switch_page("pages/reader.py").run()
    assert "not in the library" in gone.warning[0].value


def test_an_upload_without_outlet_or_date_is_warned_about_and_a_wrong_type_is_named(library: AppTest) -> None:
    library.file_uploader[0].set_value(
        [("ferry.txt", ARTICLES["kessel-ferry.txt"][2].encode(), "text/plain")]
    ).run()
    assert "ferry.txt: plain text, PDF and Word files seldom name their outlet and date" in (
        library.warning[0].value.replace("\\", "")
    )
    _upload(library, ("ferry.txt", ARTICLES["kessel-ferry.txt"][2].encode()), ("tool.exe", b"MZ\x90\x00"))
    shown = library.warning[0].value.replace("\\", "")
    assert shown.startswith("ferry.txt — added") and "stored without outlet or date" in shown
    assert "tool.exe — .exe files are not supported" in library.error[0].value.replace("\\", "")


def test_a_conversation_survives_a_new_session_and_is_renamed_exported_and_deleted(
    app: AppTest, filled_store: Path
) -> None:
    _ask(app, "How much will the Kessel bridge toll rise to?")
    conv_id = app.query_params["c"]
    assert "asked with all articles" in " ".join(c.value for c in app.caption).replace("\\", "")
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["c"] = conv_id  # a reload, a restart, or the link in another tab
    again.run()
    assert [m.name for m in again.chat_message] == ["user", "assistant"]
    assert '<a href="#src-0-1" class="cite">1</a>' in _html(again)  # the answer as it was shown
    again.text_input(key=f"conv_title_{conv_id}").set_value("Kessel toll").run()
    saved = Conversations(Settings(store_dir=filled_store)).load(conv_id)
    assert saved.title == "Kessel toll" and saved.exchanges[0].question.startswith("How much")
    assert to_markdown(saved).startswith("# Kessel toll") and "[1] Kessel bridge toll to rise in April" in (
        to_markdown(saved)
    )
    again.checkbox(key=f"conv_sure_{conv_id}").check().run()
    again.button(key="conv_delete").click().run()
    assert Conversations(Settings(store_dir=filled_store)).load(conv_id) is None
    assert not again.chat_message and "c" not in again.query_params


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
    again.switch_page("pages/briefs.py").run()
    assert not again.exception, again.exception
    assert again.expander[0].label.replace("\\", "").startswith("Latest weekly brief: ")
    assert "2031-03-27 to 2031-04-02" in again.expander[0].label.replace("\\", "")
    assert "Kessel bridge toll to rise in April" in _html(again)  # the brief itself, shown
    lines = [m.value.replace("\\", "") for m in again.markdown]
    assert "**Ferry service returns while Kessel bridge is repaired**: 1" in lines
    assert "- Ferry service returns while Kessel bridge is repaired — Silesian Wire, 2031-05-20" in lines
    assert "**Eurovision song contest results**: nothing new" in lines


def test_a_new_conversation_opens_on_the_source_guide_and_its_questions_ask_themselves(app: AppTest) -> None:
    guide = app.expander[0]
    assert guide.label == "Source guide"
    text = " ".join(m.value for m in guide.markdown).replace("\\", "")
    assert "2 articles, published 2031-04-02 to 2031-05-20, from Ostrava Post (1), Silesian Wire (1)" in text
    assert (
        "Kessel bridge toll to rise in April — Ostrava Post, 2031-04-02: The Ostrava city council said"
        in text
    )
    labels = [b.label for b in guide.button]
    assert "What did Ludek Sarna say?" in labels or "What did Hana Vlk say?" in labels, labels
    guide.button[0].click().run()
    assert not app.exception
    assert (
        app.session_state[sup.KEY_CHAT][0].question == labels[0] and app.session_state[sup.KEY_CHAT][0].text
    )


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
    _ask(app, "What will the ferry tickets cost?")
    assert {c.outlet for c in app.session_state[sup.KEY_CHAT][0].answer.citations} == {"Silesian Wire"}
    assert list(
        (filled_store / "notebooks" / "ferry-watch" / "conversations").glob("*.json")
    )  # its own chats
    app.sidebar.selectbox(key="notebook_pick").set_value("articles").run()
    assert app.session_state[sup.KEY_NOTEBOOK] == "articles" and not app.session_state[sup.KEY_CHAT]
    assert not [i for i in app.info if "library is empty" in i.value] and app.chat_input


def test_a_passage_saved_as_a_note_gathers_in_the_notebook_and_is_cited_in_a_brief(
    app: AppTest, filled_store: Path
) -> None:
    _ask(app, "How long will the Kessel bridge repairs take?")
    cited = app.session_state[sup.KEY_CHAT][0].answer.citations[0]
    app.button(key="note_0_1").click().run()
    assert not app.exception, app.exception
    store = Store(Settings(store_dir=filled_store))
    (note,) = [n for n in Notes(store).list() if n.passages == [cited.chunk_id]]
    assert note.kind == "passage" and note.text == cited.quote and note.question.startswith("How long")
    app.switch_page("pages/notes.py").run()
    assert any(cited.quote[:40] in m.value.replace("\\", "") for m in app.markdown)
    app.switch_page("pages/briefs.py").run()
    app.text_input(key="brief_topic").set_value("Kessel bridge repairs").run()
    app.selectbox(key="brief_outlet").set_value("Silesian Wire").run()  # retrieval alone would not find it
    app.multiselect(key="brief_notes").set_value([note]).run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    _, brief, _ = app.session_state["brief"]
    assert cited.outlet == "Ostrava Post" and cited.chunk_id in {s.chunk.id for s in brief.sources}
    Notes(store).remove(note.id)


def test_app_changes_are_logged_by_who_made_them_and_shown_on_the_activity_page(
    library: AppTest, tmp_path: Path
) -> None:
    library.text_input(key="upload_outlet").set_value("Silesian Wire")
    _upload(library, ("ferry.txt", ARTICLES["kessel-ferry.txt"][2].encode()))
    (entry,) = activity.recent(Settings(store_dir=tmp_path / "store"))
    assert (entry["who"], entry["action"], entry["files"], entry["added"]) == (
        "app",
        "upload",
        ["ferry.txt"],
        1,
    )
    library.switch_page("pages/activity.py").run()
    assert not library.exception and list(library.dataframe[0].value["action"]) == ["upload"]
