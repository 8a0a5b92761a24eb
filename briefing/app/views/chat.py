"""Chat, where the app opens: questions answered from the stored articles, every [n] opening its source
card; conversations are kept (they survive a reload and a restart: the open one is named in the URL) and
can be renamed, reopened, deleted and exported. The page only draws; the work is in briefing.app.chat,
briefing.app.conversations and briefing.app.render."""

from contextlib import closing

import streamlit as st

from briefing.answer import Answer, Stage
from briefing.app import browser, chat, signin
from briefing.app import state as sup
from briefing.app.conversations import Conversation, Conversations, Exchange, to_docx, to_markdown
from briefing.app.render import DOCX_MIME, WRAP_OUTLET_CHIPS, escape_markdown
from briefing.llm.queue import Waiting
from briefing.notes import Notes

SHARED_NOTE = (
    "Kept for every browser of this deployment, from before each browser had its own list: read-only here. "
    "A question asked in it continues it as this browser's own copy."
)

settings = sup.page_setup("Chat")
me = signin.current_user(settings)
# Signed in: the user's own conversations; sign-in off: this browser's own (its id kept in a cookie).
kept = Conversations(settings, owner=me.name) if me else Conversations(settings, browser=browser.browser_id())
notes = Notes(sup.or_stop(lambda: sup.current_store(settings)))
wanted = st.query_params.get(sup.CONVERSATION, "")
conv: Conversation | None = st.session_state.get(sup.KEY_CONVERSATION)
if conv is None or (wanted and wanted != conv.id):
    loaded = kept.load(wanted) if wanted else None
    if wanted and loaded is None:  # a deleted conversation's link, or someone else's: start a new one
        st.query_params.pop(sup.CONVERSATION, None)
        st.warning(
            f"That conversation is not one of yours in the notebook {settings.collection} (deleted, or "
            "someone else's): this is a new one."
        )
    conv = loaded or Conversation.new()
    st.session_state[sup.KEY_CONVERSATION] = conv
history = st.session_state[sup.KEY_CHAT] = conv.exchanges
bounds = sup.or_stop(lambda: chat.filter_bounds(sup.current_store(settings)))

if not bounds.outlets:
    sup.stop_on_empty_library(settings)

st.html(WRAP_OUTLET_CHIPS)
with st.sidebar:
    if st.button("New conversation", icon=":material/add_comment:", width="stretch", key="conv_new"):
        st.session_state[sup.KEY_CONVERSATION] = conv = Conversation.new()
        history = st.session_state[sup.KEY_CHAT] = conv.exchanges
        st.query_params.pop(sup.CONVERSATION, None)
    saved = kept.list()
    if saved:
        with st.expander("Conversations", expanded=False):
            labels = {c.id: c.label for c in saved}
            pick = st.selectbox(
                "Open", list(labels), format_func=labels.__getitem__, index=None, key="conv_open"
            )
            if pick and pick != conv.id:
                st.query_params[sup.CONVERSATION] = pick
                st.session_state.pop("conv_open", None)
                st.rerun()
            if conv.exchanges:
                if conv.shared:
                    st.caption(SHARED_NOTE)
                title = st.text_input(
                    "Name of this conversation",
                    value=conv.title,
                    key=f"conv_title_{conv.id}",
                    disabled=conv.shared,
                )
                if title.strip() and title.strip() != conv.title:
                    conv.title = title.strip()
                    kept.save(conv)
                md, word = st.columns(2)
                md.download_button("Markdown", to_markdown(conv), file_name=f"conversation-{conv.id[:8]}.md",
                                   mime="text/markdown", icon=":material/download:")  # fmt: skip
                word.download_button("Word", lambda: to_docx(conv), file_name=f"conversation-{conv.id[:8]}.docx",
                                     mime=DOCX_MIME, icon=":material/download:")  # fmt: skip
                sure = st.checkbox(
                    "Yes, delete this conversation", key=f"conv_sure_{conv.id}", disabled=conv.shared
                )
                if st.button("Delete conversation", disabled=not sure, key="conv_delete"):
                    kept.delete(conv.id)
                    st.session_state.pop(sup.KEY_CONVERSATION, None)
                    st.query_params.pop(sup.CONVERSATION, None)
                    st.rerun()
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
    outlets = st.multiselect(
        "Outlets (none chosen: all)",
        bounds.outlets,
        key="filter_outlets",
        help="Answer from these outlets only.",
    )
    filters = chat.make_filters(bounds, window, outlets)


may_note = signin.may(settings, "note")


def show_exchange(ex: Exchange, i: int) -> None:
    with st.chat_message("user"):
        st.markdown(escape_markdown(ex.question))
    with st.chat_message("assistant"), st.container():
        show_reply(ex, i)


def show_reply(ex: Exchange, i: int) -> None:
    if ex.error:
        st.error(ex.error)
        return
    st.html(ex.html)
    for line in ex.warnings:
        st.warning(line, icon="⚠️")
    if ex.cards:
        st.html(ex.cards)
    st.caption(escape_markdown(f"{ex.made_by} · asked with {ex.filters}"))
    if ex.note:
        st.caption(escape_markdown(ex.note))
    if may_note and any(s.get("chunk_id") for s in ex.sources):
        with st.popover("Save as note", icon=":material/bookmark_add:"):
            if st.button("The answer, with its passages", key=f"note_answer_{i}"):
                sup.or_stop(lambda: signin.require(settings, "note"))
                notes.add(
                    "answer", ex.text, [s["chunk_id"] for s in ex.sources if s.get("chunk_id")], ex.question
                )
                st.toast("Saved the answer to this notebook's notes.")
            for s in ex.sources:
                if s.get("chunk_id") and st.button(
                    f"Passage [{s['n']}]: {s['quote'][:70]}", key=f"note_{i}_{s['n']}"
                ):
                    sup.or_stop(lambda: signin.require(settings, "note"))
                    where = f"{', '.join(s['outlets'])}, {s['published'] or 'undated'}"
                    notes.add("passage", s["quote"], [s["chunk_id"]], ex.question, where)
                    st.toast(f"Saved passage [{s['n']}] to this notebook's notes.")


for i, ex in enumerate(history):
    show_exchange(ex, i)

if not history:
    guide = sup.or_stop(lambda: sup.cached_guide(settings))
    with st.expander("Source guide", expanded=True, icon=":material/menu_book:"):
        span = f"{guide.earliest} to {guide.latest}" if guide.earliest else "undated"
        outlets = ", ".join(f"{o} ({n})" for o, n in guide.outlets[:8]) + (
            " …" if len(guide.outlets) > 8 else ""
        )
        st.markdown(escape_markdown(f"{guide.articles} articles, published {span}, from {outlets}"))
        for lead in guide.leads[:8]:
            day = lead.published.isoformat() if lead.published else "undated"
            st.markdown("- " + escape_markdown(f"{lead.title} — {lead.outlet}, {day}: {lead.lead}"))
        for i, suggestion in enumerate(guide.questions):
            if st.button(suggestion, key=f"suggest_{i}", icon=":material/help:"):
                st.session_state["asked"] = suggestion
                st.rerun()

if question := st.chat_input("Ask about the articles") or st.session_state.pop("asked", None):
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    exchange = Exchange(question)
    kept.own(conv)
    if st.query_params.get(sup.CONVERSATION) != conv.id:  # named before the answer is drawn: changing
        st.query_params[sup.CONVERSATION] = conv.id  # the address later would drop a #src-… clicked meanwhile
    with st.chat_message("assistant"):
        # One slot holds the stages, then the checked reply: the unchecked draft is never drawn, and
        # nothing a previous run drew in this place stays beside it.
        slot = st.empty()
        progress = slot.status(chat.STAGES["searching"], state="running")
        try:
            answerer = sup.get_answerer(settings, sup.KEY_API_KEY in st.session_state)
            # Closed however the page ends (a rerun, the reader gone): its place at the model is given up.
            with closing(chat.ask(answerer, question, history, filters)) as pieces:
                for piece in pieces:
                    if isinstance(piece, Answer):
                        exchange = Exchange.answered(
                            question,
                            piece,
                            f"src-{len(history)}",
                            chat.filters_text(filters),
                            settings.collection,
                        )
                    elif isinstance(piece, Stage):
                        progress.update(label=chat.STAGES[piece.name])
                    elif isinstance(piece, Waiting):
                        progress.update(label=chat.waiting_text(piece))
        except Exception as exc:
            exchange.error = sup.error_message(exc)
        with slot.container():
            show_reply(exchange, len(history))
    history.append(exchange)
    kept.save(conv)
