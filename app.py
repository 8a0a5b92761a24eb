"""briefing in the browser, opening on Chat: `streamlit run app.py` from the project root.

Streamlit lists this script as the first page and the files in pages/ after it; every page only draws
widgets and calls briefing.app_support, where the logic lives. Chat: questions answered from the stored
articles, every [n] opening its source card."""

import streamlit as st

from briefing import app_support as sup
from briefing.answer import Answer

settings = sup.page_setup("Chat")
history: list[sup.Exchange] = st.session_state.setdefault(sup.KEY_CHAT, [])
bounds = sup.or_stop(lambda: sup.filter_bounds(sup.current_store(settings)))

if not bounds.outlets:
    st.info(
        "The library is empty. Add articles on the **Library** page (drag files onto the uploader), "
        "or from a terminal: `briefing ingest PATH`."
    )
    st.page_link("pages/1_Library.py", label="Go to the Library", icon=":material/library_books:")
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
    filters = sup.make_filters(bounds, window, None if outlet == "All outlets" else outlet)


def show_answer(answer: Answer, anchor: str) -> None:
    st.html(sup.answer_html(answer, anchor))
    for line in sup.answer_warnings(answer):
        st.warning(line, icon="⚠️")
    if answer.citations:
        st.html(sup.source_cards_html(answer, anchor))
    st.caption(sup.escape_markdown(f"{answer.backend} · {answer.model}"))
    if answer.note:
        st.caption(sup.escape_markdown(answer.note))


def show_exchange(i: int, ex: sup.Exchange) -> None:
    with st.chat_message("user"):
        st.markdown(sup.escape_markdown(ex.question))
    with st.chat_message("assistant"):
        if ex.answer is not None:
            show_answer(ex.answer, f"src-{i}")
        else:
            st.error(ex.error)


for i, ex in enumerate(history):
    show_exchange(i, ex)

if question := st.chat_input("Ask about the articles"):
    with st.chat_message("user"):
        st.markdown(sup.escape_markdown(question))
    exchange = sup.Exchange(question)
    with st.chat_message("assistant"):
        draft = st.empty()
        written = ""
        try:
            answerer = sup.get_answerer(settings, sup.KEY_API_KEY in st.session_state)
            for piece in sup.ask(answerer, question, history, filters):
                if isinstance(piece, Answer):
                    exchange.answer = piece
                else:
                    written += piece
                    draft.markdown(sup.escape_markdown(written) + " ▌")
        except Exception as exc:
            exchange.error = sup.error_message(exc)
        draft.empty()
        if exchange.answer is not None:
            show_answer(exchange.answer, f"src-{len(history)}")
        else:
            st.error(exchange.error)
    history.append(exchange)
