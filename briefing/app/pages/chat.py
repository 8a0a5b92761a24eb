"""Chat, where the app opens: questions answered from the stored articles, every [n] opening its source
card. The page only draws; the work is in briefing.app.chat and briefing.app.render."""

import streamlit as st

from briefing.answer import Answer
from briefing.app import chat
from briefing.app import state as sup
from briefing.app.render import answer_html, answer_warnings, escape_markdown, source_cards_html

settings = sup.page_setup("Chat")
history: list[chat.Exchange] = st.session_state.setdefault(sup.KEY_CHAT, [])
bounds = sup.or_stop(lambda: chat.filter_bounds(sup.current_store(settings)))

if not bounds.outlets:
    st.info(
        "The library is empty. Add articles on the **Library** page (drag files onto the uploader), "
        "or from a terminal: `briefing ingest PATH`."
    )
    st.page_link(sup.page_path("library.py"), label="Go to the Library", icon=":material/library_books:")
    st.stop()

with st.sidebar:
    if st.button("New conversation", icon=":material/delete_sweep:", use_container_width=True):
        history.clear()
    st.subheader("Filters")
    window = ()
    if bounds.earliest and bounds.latest:
        window = st.date_input(
            "Published between",
            value=(bounds.earliest, bounds.latest),
            min_value=bounds.earliest,
            max_value=bounds.latest,
            key="filter_window",
        )
    outlet = st.selectbox("Outlet", ["All outlets", *bounds.outlets], key="filter_outlet")
    filters = chat.make_filters(bounds, window, None if outlet == "All outlets" else outlet)


def show_answer(answer: Answer, anchor: str) -> None:
    st.html(answer_html(answer, anchor))
    for line in answer_warnings(answer):
        st.warning(line, icon="⚠️")
    if answer.citations:
        st.html(source_cards_html(answer, anchor))
    st.caption(escape_markdown(f"{answer.backend} · {answer.model}"))
    if answer.note:
        st.caption(escape_markdown(answer.note))


def show_exchange(i: int, ex: chat.Exchange) -> None:
    with st.chat_message("user"):
        st.markdown(escape_markdown(ex.question))
    with st.chat_message("assistant"):
        if ex.answer is not None:
            show_answer(ex.answer, f"src-{i}")
        else:
            st.error(ex.error)


for i, ex in enumerate(history):
    show_exchange(i, ex)

if question := st.chat_input("Ask about the articles"):
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    exchange = chat.Exchange(question)
    with st.chat_message("assistant"):
        draft = st.empty()
        written = ""
        try:
            answerer = sup.get_answerer(settings, sup.KEY_API_KEY in st.session_state)
            for piece in chat.ask(answerer, question, history, filters):
                if isinstance(piece, Answer):
                    exchange.answer = piece
                else:
                    written += piece
                    draft.markdown(escape_markdown(written) + " ▌")
        except Exception as exc:
            exchange.error = sup.error_message(exc)
        draft.empty()
        if exchange.answer is not None:
            show_answer(exchange.answer, f"src-{len(history)}")
        else:
            st.error(exchange.error)
    history.append(exchange)
