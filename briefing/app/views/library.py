"""Library: add articles by upload (each file's title, outlet and date checked in a table first) or from
feeds, see what is stored, search, mend an article's outlet, date and title, and delete."""

import math

import streamlit as st

from briefing.app import signin, upload_table
from briefing.app import state as sup
from briefing.app.feeds import feed_rows, refresh_now
from briefing.app.forms import confirmed
from briefing.app.render import escape_markdown
from briefing.app.uploads import UPLOAD_TYPES, article_rows, ingest_uploads
from briefing.edit import edit_article
from briefing.feeds import Subscriptions
from briefing.ingest import remove

settings = sup.page_setup("Library", "upload")


STATUS = {"added": st.success, "duplicate": st.info, "failed": st.error}

st.subheader("Add articles")
dropped = st.file_uploader(  # no type filter: a file of another type gets a message saying why, not an icon
    f"Drop article files here, with their manifest CSV if you have one (up to {settings.max_file_mb:g} MB each)",
    help="Types read: " + ", ".join(UPLOAD_TYPES) + "; a .csv beside them is their manifest "
    "(columns file,title,source,published, as `briefing ingest --manifest` takes).",
    accept_multiple_files=True,
    max_upload_size=math.ceil(settings.max_file_mb),
    key=f"uploads_{st.session_state.setdefault('uploader_round', 0)}",  # a new key empties the drop zone
)
uploads, manifests = upload_table.split(dropped or [])
edited: list[dict] = []
if uploads:
    proposal = sup.or_stop(lambda: upload_table.proposal_for(uploads, manifests, settings, st.session_state))
    for note in proposal.notes:
        st.caption(escape_markdown(note))
    st.caption(
        "Check each file's title, outlet and date before adding: they are what answers and briefs cite."
    )
    edited = st.data_editor(
        proposal.rows,
        key=f"upload_table_{proposal.key}",  # a table edited for other files is not applied to these
        disabled=["file", "articles"],
        hide_index=True,
        width="stretch",
        column_config={
            "articles": st.column_config.NumberColumn(help="Articles the file holds"),
            "title": st.column_config.TextColumn(help="A file of many articles keeps each one's own"),
            "outlet": st.column_config.TextColumn(help="Blank: as the file says (else “unknown outlet”)"),
            "published": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )
left, right = st.columns(2)
outlet = left.text_input("Outlet, for files that do not name one", key="upload_outlet")
published = right.date_input("Publication date, for files without one", value=None, key="upload_date")
if uploads:
    bare = [
        r["file"] for r in edited if not ((r["outlet"] or outlet.strip()) and (r["published"] or published))
    ]
    if bare:
        st.warning(
            escape_markdown(
                f"{', '.join(bare)}: no outlet or date. Without them an article is cited as “unknown outlet”, "
                "undated, and date filters leave it out. Fill them in the table or above, or drop the files' "
                "manifest CSV beside them."
            )
        )
if st.button("Add to library", type="primary", disabled=not uploads, key="add_uploads"):
    bar = st.progress(0.0, text="Reading files…")
    try:
        signin.require(settings, "upload")
        outcome = ingest_uploads(
            uploads,
            settings,
            lambda: sup.writable_store(settings),
            labels=upload_table.labels(edited),
            source=outlet.strip() or None,
            published=published,
            on_progress=bar.progress,
        )
    except Exception as exc:
        st.error(sup.error_message(exc))
    else:
        signin.record(
            settings,
            "upload",
            files=[r.name for r in outcome.results],
            added=sum(r.status == "added" for r in outcome.results),
        )
        st.session_state["upload_results"] = outcome.results
        st.session_state["uploader_round"] += 1
        st.rerun()
for r in st.session_state.get("upload_results", []):
    if r.warning:
        st.warning(escape_markdown(f"{r.name} — {r.detail}; {r.warning}"))
    else:
        STATUS[r.status](escape_markdown(f"{r.name} — {r.detail}"))

st.subheader("Feeds")
subscriptions = Subscriptions(sup.or_stop(lambda: sup.current_store(settings)))
with st.form("feed_add", clear_on_submit=True, border=False):
    url_col, name_col, tag_col = st.columns([3, 2, 1])
    feed_url = url_col.text_input(
        "Feed URL (RSS or Atom)", placeholder="https://example.com/rss.xml", key="feed_url"
    )
    feed_name = name_col.text_input("Name (optional)", key="feed_name")
    feed_tag = tag_col.text_input("Tag (optional)", key="feed_tag")
    if st.form_submit_button("Subscribe", key="feed_subscribe"):
        try:
            signin.require(settings, "feeds")
            feed, new = subscriptions.add(feed_url, feed_name or None, feed_tag or None)
        except Exception as exc:
            st.error(sup.error_message(exc))
        else:
            signin.record(settings, "feeds add", url=feed.url, name=feed.name)
            st.session_state["feed_flash"] = f"{'Subscribed to' if new else 'Updated'} {feed.label}."
            st.rerun()
if flash := st.session_state.pop("feed_flash", None):
    st.success(escape_markdown(flash))
feeds = subscriptions.list()
if feeds:
    st.dataframe(feed_rows(feeds), hide_index=True, width="stretch")
    if st.button("Refresh feeds now", icon=":material/refresh:", key="feed_refresh"):
        bar = st.progress(0.0, text="Fetching feeds…")
        try:
            signin.require(settings, "refresh")
            report = refresh_now(settings, sup.writable_store(settings), on_progress=bar.progress)
        except Exception as exc:
            bar.empty()
            st.error(sup.error_message(exc))
        else:
            signin.record(settings, "refresh", summary=report.summary())
            st.session_state["refresh_results"] = [(r.ok, r.line()) for r in report.results]
            st.session_state["refresh_summary"] = report.summary()
            st.rerun()
    for ok, line in st.session_state.get("refresh_results", []):
        (st.info if ok else st.error)(escape_markdown(line))
    if summary := st.session_state.get("refresh_summary"):
        st.caption(escape_markdown(summary))
    labels = {f.url: f"{f.label} ({f.url})" for f in feeds}
    gone = confirmed(
        "Stop following", labels, "Yes, stop following it (its articles stay in the library)", "Unsubscribe",
        keys=("feed_remove", "feed_remove_sure", "feed_unsubscribe"),
    )  # fmt: skip
    if gone:
        sup.or_stop(lambda: signin.require(settings, "feeds"))
        removed = subscriptions.remove(gone)
        signin.record(settings, "feeds remove", url=removed.url)
        st.session_state["feed_flash"] = f"Stopped following {removed.label}."
        for key in ("feed_remove", "feed_remove_sure", "refresh_results", "refresh_summary"):
            st.session_state.pop(key, None)
        st.rerun()
else:
    st.caption(
        "No feeds yet: subscribe above, or `briefing feeds add URL` / `briefing feeds import FILE.opml`."
    )

if flash := st.session_state.pop("library_flash", None):
    st.success(escape_markdown(flash))

store = sup.or_stop(lambda: sup.current_store(settings))
stats = sup.or_stop(store.stats)

st.subheader("In the library")
cols = st.columns(5)
cols[0].metric("Articles", stats["articles"])
cols[1].metric("Near-duplicates", stats["near_duplicates"])
cols[2].metric("Chunks", stats["chunks"])
cols[3].metric("Outlets", stats["outlets"])
cols[4].metric("Published", f"{stats['earliest']} – {stats['latest']}" if stats["earliest"] else "undated")
st.caption(
    escape_markdown(
        f"Store: {stats['store']} · collection {stats['collection']} · embedding {stats['embedding']}"
    )
)

if not stats["articles"]:
    st.info("No articles yet: drop files above, or run `briefing ingest PATH` in a terminal.")
    st.stop()

query = st.text_input("Search titles, outlets, ids and article text", key="library_search")
rows = article_rows(store, query)
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.info(escape_markdown(f"No article mentions “{query.strip()}”."))

choices = {r["id"]: f"{r['title']} — {r['outlet']} ({r['id']})" for r in rows}
st.subheader("Edit an article")
st.caption("Mend a wrong title, outlet or date in place: the article keeps its passages and its id.")
chosen = st.selectbox(
    "Article to edit", list(choices), format_func=choices.__getitem__, index=None, key="edit_choice"
)
if chosen and (record := store.article_record(chosen)):
    was = record.article
    with st.form(f"edit_{chosen}", border=False):
        title = st.text_input("Title", value=was.title, key=f"edit_title_{chosen}")
        left, right = st.columns(2)
        source = left.text_input("Outlet", value=was.source, key=f"edit_outlet_{chosen}")
        day = right.date_input("Published", value=was.published, key=f"edit_date_{chosen}")
        if st.form_submit_button("Save changes", key="edit_save"):
            try:
                signin.require(settings, "edit")
                edit = edit_article(chosen, settings, source=source, published=day, title=title,
                                    store=sup.writable_store(settings))  # fmt: skip
            except Exception as exc:
                st.error(sup.error_message(exc))
            else:
                if edit.new:
                    signin.record(settings, "edit", **edit.logged())
                st.session_state["library_flash"] = edit.summary()
                st.rerun()

st.subheader("Delete an article")
doomed = confirmed(
    "Article", choices,
    "Yes, delete it from the library (its passages leave every answer and brief made from now on)", "Delete",
    keys=("delete_choice", "delete_sure", "delete_article"),
)  # fmt: skip
if doomed:
    try:
        signin.require(settings, "remove")
        restored = remove(doomed, settings, store=sup.writable_store(settings))
    except Exception as exc:
        st.error(sup.error_message(exc))
    else:
        signin.record(settings, "remove", article_id=doomed, title=choices[doomed])
        also = f"; re-chunked {len(restored)} article(s) that shared its passages" if restored else ""
        st.session_state["library_flash"] = f"Deleted {choices[doomed]}{also}."
        st.session_state.pop("delete_choice", None)
        st.session_state.pop("delete_sure", None)
        st.session_state.pop("upload_results", None)
        st.rerun()
