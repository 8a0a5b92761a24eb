"""Briefs: opens on the latest weekly brief and what has arrived since it per saved topic; a topic or weekly
brief drafted from the library, checked, rendered and downloadable; the briefs made before."""

from datetime import timedelta

import streamlit as st

from briefing.app import signin
from briefing.app import state as sup
from briefing.app.briefs import (
    DEFAULT_TEMPLATE,
    arrivals,
    latest_weekly,
    make_brief,
    progress_step,
    story_weeks,
)
from briefing.app.chat import filter_bounds
from briefing.app.render import DOCX_MIME, brief_html, docx_bytes, escape_markdown, page_body
from briefing.archive import earlier_briefs, kept_brief
from briefing.brief import template_names
from briefing.export import render_markdown
from briefing.notes import Notes

settings = sup.page_setup("Briefs")
bounds = sup.or_stop(lambda: filter_bounds(sup.current_store(settings)))
if not bounds.outlets:
    sup.stop_on_empty_library(settings)

made = st.session_state.get("brief")
if (name := st.query_params.get(sup.BRIEF)) and not (made and made[2].stem == name):  # made: shown below
    if (opened := kept_brief(settings, name)) is None or opened.html is None:
        st.warning(escape_markdown(f"There is no brief “{name}” in the notebook {settings.collection}."))
        st.query_params.pop(sup.BRIEF, None)
    else:
        with st.expander(escape_markdown(opened.label), expanded=True):
            st.html(page_body(opened.html.read_text(encoding="utf-8")))

if latest := latest_weekly(settings):
    with st.expander(
        escape_markdown(f"Latest weekly brief: {latest.title} ({latest.window})"), expanded=True
    ):
        st.html(page_body(latest.html.read_text(encoding="utf-8")))
    news = sup.or_stop(lambda: arrivals(settings, sup.current_store(settings), latest.until))
    if news:
        st.subheader(escape_markdown(f"Since then (published after {latest.until or 'its window'})"))
        for topic, found in news:
            st.markdown(f"**{escape_markdown(topic.name)}**: {len(found) or 'nothing new'}")
            for m in found[:10]:
                day = m.published.isoformat() if m.published else "undated"
                st.markdown("- " + escape_markdown(f"{m.title} — {m.outlet}, {day}"))
    else:
        st.caption("Save topics (`briefing topics add NAME`) to see here what has arrived on each since.")
    st.divider()

TOPIC, WEEKLY = "Topic brief", "Weekly brief"
kind = st.radio("Kind", [TOPIC, WEEKLY], horizontal=True, key="brief_kind")
weekly = kind == WEEKLY
topic = (
    ""
    if weekly
    else st.text_input("Topic", key="brief_topic", placeholder="e.g. US export restrictions on Hikvision")
)
left, right = st.columns(2)
templates = template_names()
template = right.selectbox(
    "Template",
    templates,
    index=templates.index(DEFAULT_TEMPLATE) if DEFAULT_TEMPLATE in templates else 0,
    key="brief_template",
    disabled=weekly,
    help="Weekly briefs use their own layout: top stories, overview, what to watch.",
)
window = ()
if bounds.earliest and bounds.latest:
    start = max(bounds.earliest, bounds.latest - timedelta(days=6)) if weekly else bounds.earliest
    window = left.date_input("Published between", value=(start, bounds.latest), key=f"brief_window_{weekly}")
outlet = None if weekly else right.selectbox("Outlet", ["All outlets", *bounds.outlets], key="brief_outlet")
notes = [] if weekly else sup.or_stop(lambda: Notes(sup.current_store(settings)).list())
chosen_notes = (
    st.multiselect(
        "Add notes (their passages join those retrieved and are cited like them)",
        notes,
        format_func=lambda n: f"{n.kind}: {n.text[:90]}",
        key="brief_notes",
    )
    if notes
    else []
)
strict = st.checkbox(
    "Strict: drop a sentence the checker rejects instead of putting the source's own words in its place",
    key="brief_strict",
)

may_write = signin.may(settings, "brief")
if not may_write:
    st.caption("Drafting briefs needs the editor role; earlier briefs are below.")
if may_write and st.button("Draft brief", type="primary"):
    bar = st.progress(0.0, text="Retrieving passages…")
    try:
        signin.require(settings, "brief")
        answerer = sup.get_answerer(settings, sup.KEY_API_KEY in st.session_state)
        st.session_state["brief"] = (
            kind,
            *make_brief(
                settings,
                answerer,
                weekly=weekly,
                topic=topic,
                window=window,
                source=None if outlet in (None, "All outlets") else outlet,
                template=template,
                strict=strict,
                progress=lambda event: bar.progress(*progress_step(event)),
                pinned=[c for n in chosen_notes for c in n.passages],
            ),
        )
        bar.progress(1.0, text="Done")
        made_brief, kept_at = st.session_state["brief"][1:]
        st.query_params[sup.BRIEF] = kept_at.stem  # a reload or the address shared opens it again
        signin.record(settings, "brief", title=made_brief.title, kept=kept_at)
    except Exception as exc:
        bar.empty()
        st.error(sup.error_message(exc))

made = st.session_state.get("brief")
if made and made[0] == kind:  # a topic brief is not left on screen under the weekly form, nor the reverse
    _, brief, path = made
    st.divider()
    dl1, dl2, where = st.columns([1, 1, 3])
    name = path.stem
    dl1.download_button(
        "Download Markdown",
        render_markdown(brief),
        file_name=f"{name}.md",
        mime="text/markdown",
        icon=":material/download:",
    )
    dl2.download_button(
        "Download Word",
        lambda: docx_bytes(brief),  # built when clicked, not on every rerun
        file_name=f"{name}.docx",
        mime=DOCX_MIME,
        icon=":material/download:",
    )
    where.caption(escape_markdown(f"Saved with its audit record: {path}"))
    st.html(brief_html(brief, notebook=settings.collection))

st.subheader("Stories, week to week")
kept = sup.or_stop(lambda: story_weeks(settings))
if not kept:
    st.caption("None yet: each weekly brief files its week's stories, matched to those of earlier weeks.")
for story, weeks in kept:
    span = (
        story.first_week
        if story.first_week == story.last_week
        else f"{story.first_week} to {story.last_week}"
    )
    with st.expander(escape_markdown(f"{story.title} ({span}, {len(weeks)} week(s))")):
        st.caption(escape_markdown(f"Story {story.id}"))
        st.table(weeks)

st.subheader("Earlier briefs")
earlier = earlier_briefs(settings)
if not earlier:
    st.caption("None yet: briefs drafted here are saved beside the store with their audit records.")
for i, b in enumerate(earlier):
    with st.expander(b.label):
        st.markdown(
            escape_markdown(f"{b.kind} brief · window {b.window} · {b.made_by} · {b.flags} checker flag(s)")
        )
        if b.html and st.button("Open", key=f"earlier_open_{i}", help="Opened at the top, with an address"):
            st.query_params[sup.BRIEF] = b.path.stem
            st.rerun()
        if b.path.is_file():
            md, word = st.columns([1, 4])
            md.download_button(
                "Download Markdown",
                b.path.read_bytes,  # read when clicked, not every earlier brief on every rerun
                file_name=b.path.name,
                mime="text/markdown",
                key=f"earlier_{i}",
            )
            if b.word:
                word.download_button(
                    "Download Word",
                    b.word.read_bytes,
                    file_name=b.word.name,
                    mime=DOCX_MIME,
                    key=f"earlier_w{i}",
                )
        else:
            st.caption(escape_markdown(f"The file {b.path} is no longer there."))
