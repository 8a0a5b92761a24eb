"""The Chat page, driven by AppTest on invented articles (extractive answers, no model): cited answers with
source cards, article text kept as text, follow-ups and filters, flagged sentences, the reader a card
opens, saved conversations and the source guide.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing.answer import Answer, Answerer
from briefing.app import browser
from briefing.app import state as sup
from briefing.app.conversations import Conversation, Conversations, Exchange, to_markdown
from briefing.app.render import answer_html, answer_warnings
from briefing.cite import check_citations
from briefing.config import Settings
from tests.fake_llm import fake_llm
from tests.integration import app_helpers
from tests.integration.app_helpers import APP, TIMEOUT, app_env, ask, page_html, page_text

app, filled_store = app_helpers.app, app_helpers.filled_store  # fixtures, found by pytest in this module


def test_chat_answer_cites_sources_with_cards(app: AppTest) -> None:
    ask(app, "How much will the Kessel bridge toll rise to?")
    exchange = app.session_state[sup.KEY_CHAT][0]
    assert exchange.answer is not None and exchange.answer.citations
    body = page_html(app)
    assert '<a href="#src-0-1" class="cite">1</a>' in body
    assert '<div class="source-card" id="src-0-1"><a class="card-head" href="#src-0-1">' in body
    assert "Kessel bridge toll to rise in April — Ostrava Post, 2031-04-02" in body
    assert "<mark>The Ostrava city council said on Tuesday" in body
    assert "the stored text at this passage" in body and "kessel-toll.txt" not in body  # no server path
    assert [m.name for m in app.chat_message] == ["user", "assistant"]


def test_article_html_and_markdown_stay_text(app: AppTest) -> None:
    ask(app, "How much will the Kessel bridge toll rise to?")
    body = page_html(app)
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in body
    scripted = [e.proto.body for e in app.get("html") if e.proto.unsafe_allow_javascript]
    assert scripted == [
        browser.cookie_script(
            browser.COOKIE, app.session_state[browser.KEY_BROWSER], browser.MAX_AGE, adopt=True
        )
    ]  # only the app's own (AppTest sends no cookie: the id is made for this session)
    assert "<script" not in body.lower().replace(scripted[0].lower(), "")
    ask(app, "Where can I read the full plan and vote?")
    body = page_html(app)
    assert "[the full plan](javascript:alert(1))" in body and "**vote**" in body
    assert 'href="javascript' not in body
    for md in app.markdown:  # whatever goes through markdown is escaped
        assert "<script" not in md.value


def test_follow_up_uses_the_conversation_and_new_conversation_clears_it(app: AppTest) -> None:
    ask(app, "Who said the repairs would take eighteen months?")
    ask(app, "How much will they cost?")
    chat = app.session_state[sup.KEY_CHAT]
    assert len(chat) == 2
    assert chat[1].answer.standalone_question.startswith("Who said the repairs would take eighteen months?")
    assert "90 million crowns" in chat[1].answer.text
    assert len(app.chat_message) == 4
    app.sidebar.button(key="conv_new").click().run()
    assert app.session_state[sup.KEY_CHAT] == [] and not app.chat_message


def test_filters_come_from_the_store_and_restrict_answers(app: AppTest) -> None:
    outlets = app.sidebar.multiselect(key="filter_outlets")
    assert outlets.options == ["Ostrava Post", "Silesian Wire"]
    assert app.sidebar.date_input(key="filter_window").value == (date(2031, 4, 2), date(2031, 5, 20))
    outlets.set_value(["Silesian Wire"]).run()
    ask(app, "What will the ferry tickets cost?")
    answer = app.session_state[sup.KEY_CHAT][-1].answer
    assert {c.outlet for c in answer.citations} == {"Silesian Wire"} and answer.filters == {
        "outlets": ["Silesian Wire"]
    }
    assert "asked with only Silesian Wire" in " ".join(c.value for c in app.caption).replace("\\", "")
    app.sidebar.multiselect(key="filter_outlets").set_value(["Ostrava Post", "Silesian Wire"]).run()
    ask(app, "What will the ferry tickets cost?")
    assert {c.outlet for c in app.session_state[sup.KEY_CHAT][-1].answer.citations} <= {
        "Ostrava Post",
        "Silesian Wire",
    }
    app.sidebar.multiselect(key="filter_outlets").set_value([])
    app.sidebar.date_input(key="filter_window").set_value((date(2031, 4, 2), date(2031, 4, 30))).run()
    ask(app, "What will the ferry tickets cost?")
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


def test_a_source_card_opens_the_whole_article_at_its_passage(app: AppTest) -> None:
    ask(app, "How long will the Kessel bridge repairs take?")
    citation = app.session_state[sup.KEY_CHAT][0].answer.citations[0]
    reader = AppTest.from_file(APP, default_timeout=TIMEOUT)
    reader.query_params.update({"article": citation.article_id, "passage": citation.chunk_id})
    reader.run()
    reader.switch_page("views/reader.py").run()
    assert not reader.exception, reader.exception
    assert reader.subheader[0].value.replace("\\", "") == citation.title
    assert f"<mark>{citation.chunk.text.split()[0]}" in page_html(reader)
    gone = AppTest.from_file(APP, default_timeout=TIMEOUT)
    gone.query_params.update({"article": "no-such-article"})
    gone.run()
    gone.switch_page("views/reader.py").run()
    assert "not in the notebook articles" in gone.warning[0].value


def test_a_conversation_survives_a_new_session_and_is_renamed_exported_and_deleted(
    app: AppTest, filled_store: Path
) -> None:
    ask(app, "How much will the Kessel bridge toll rise to?")
    conv_id = app.query_params["c"]
    assert "asked with all articles" in " ".join(c.value for c in app.caption).replace("\\", "")
    stranger = AppTest.from_file(APP, default_timeout=TIMEOUT)
    stranger.query_params["c"] = conv_id  # the link, in another browser (AppTest sends no cookie)
    stranger.run()
    assert not stranger.chat_message and "c" not in stranger.query_params
    browser_id = app.session_state[browser.KEY_BROWSER]
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.session_state[browser.KEY_BROWSER] = browser_id  # the same browser: what its cookie would say
    again.query_params["c"] = conv_id  # a reload, a restart, or the link in another tab
    again.run()
    assert [m.name for m in again.chat_message] == ["user", "assistant"]
    assert '<a href="#src-0-1" class="cite">1</a>' in page_html(again)  # the answer as it was shown
    again.text_input(key=f"conv_title_{conv_id}").set_value("Kessel toll").run()
    kept = Conversations(Settings(store_dir=filled_store), browser=browser_id)
    saved = kept.load(conv_id)
    assert saved.title == "Kessel toll" and saved.exchanges[0].question.startswith("How much")
    assert to_markdown(saved).startswith("# Kessel toll") and "[1] Kessel bridge toll to rise in April" in (
        to_markdown(saved)
    )
    again.checkbox(key=f"conv_sure_{conv_id}").check().run()
    again.button(key="conv_delete").click().run()
    assert kept.load(conv_id) is None
    assert not again.chat_message and "c" not in again.query_params


def test_the_deployments_earlier_conversation_is_read_only_and_a_follow_up_continues_a_copy(
    app: AppTest, filled_store: Path
) -> None:
    """Kept before each browser had its own list (conversations/*.json): every browser may read it, none
    may rename or delete it, and a follow-up continues this browser's own copy."""
    shared = Conversations(Settings(store_dir=filled_store))
    earlier = Conversation.new()
    earlier.exchanges.append(
        Exchange("What did the council say?", text="It rises [1].", html="<p>It rises [1].</p>")
    )
    shared.save(earlier)
    try:
        app.query_params["c"] = earlier.id
        app.run()
        assert [m.name for m in app.chat_message] == ["user", "assistant"]
        assert any("read-only here" in c.value for c in app.sidebar.caption)
        assert app.text_input(key=f"conv_title_{earlier.id}").disabled
        assert app.checkbox(key=f"conv_sure_{earlier.id}").disabled
        ask(app, "How much will the Kessel bridge toll rise to?")
        copy_id = app.query_params["c"]
        assert copy_id != earlier.id and len(shared.load(earlier.id).exchanges) == 1  # the original as it was
        mine = Conversations(Settings(store_dir=filled_store), browser=app.session_state[browser.KEY_BROWSER])
        assert [e.question for e in mine.load(copy_id).exchanges] == [
            "What did the council say?",
            "How much will the Kessel bridge toll rise to?",
        ]
    finally:
        shared.delete(earlier.id)  # the store is shared with the other tests


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


def test_a_wrong_figure_the_model_writes_is_never_on_the_page(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path
) -> None:
    wrong = "The toll will rise to 9 crowns in April, the mayor said [1]."
    with fake_llm(lambda prompt: wrong) as url:
        app_env(
            monkeypatch, filled_store, BRIEFING_LLM="openai", OPENAI_BASE_URL=url, OPENAI_API_KEY="sk-test"
        )
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.run()
        ask(at, "How much will the Kessel bridge toll rise to?")
    answer = at.session_state[sup.KEY_CHAT][0].answer
    assert answer.draft == wrong  # the model wrote it; the reader is shown the checked text instead
    assert "9 crowns" not in page_text(at) and "4 crowns" in page_html(at)
    assert not at.status  # the stages are gone once the answer is drawn
