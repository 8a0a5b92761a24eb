"""Notes: the answers and passages kept from the chat, in this notebook; they join a brief on the Briefs
page, where their passages are cited like any other."""

import streamlit as st

from briefing.app import signin
from briefing.app import state as sup
from briefing.app.render import escape_markdown
from briefing.notes import Notes

settings = sup.page_setup("Notes")
notes = Notes(sup.or_stop(lambda: sup.current_store(settings)))
may_note = signin.may(settings, "note")
kept = notes.list()
if not kept:
    st.info("No notes yet: in the chat, “Save as note” keeps an answer or one of its passages here.")
    st.stop()
st.caption("Add notes to a topic brief on the Briefs page: their passages are cited there like any other.")
for note in kept:
    with st.container(border=True):
        head = f"{note.kind} · saved {note.saved_at[:16].replace('T', ' ')}" + (
            f" · {note.source}" if note.source else ""
        )
        st.caption(escape_markdown(head))
        if note.question:
            st.markdown("*" + escape_markdown(note.question) + "*")
        st.markdown(escape_markdown(note.text))
        if may_note and st.button("Remove", key=f"note_remove_{note.id}", icon=":material/delete:"):
            sup.or_stop(lambda: signin.require(settings, "note"))
            notes.remove(note.id)
            st.rerun()
