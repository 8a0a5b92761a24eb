"""Library: add articles by upload or from feeds, see what is stored, search and delete."""

import math

import streamlit as st

from briefing.app import signin
from briefing.app import state as sup
from briefing.app.feeds import feed_rows, refresh_now
from briefing.app.forms import confirmed
from briefing.app.render import escape_markdown
from briefing.app.uploads import UPLOAD_TYPES, article_rows, ingest_uploads
from briefing.feeds import Subscriptions
from briefing.ingest import remove

settings = sup.page_setup("Library", "upload")


STATUS = {"added": st.success, "duplicate": st.info, "failed": st.error}
BARE_SUFFIXES = (
    ".txt",
    ".text",
    ".md",
    ".markdown",
    ".pdf",
    ".docx",
)  # formats that seldom carry outlet and date

st.subheader("Add articles")
uploads = st.file_uploader(  # no type filter: a file of another type gets a message saying why, not an icon
    f"Drop article files here (up to {settings.max_file_mb:g} MB each)",
    help="Types read: " + ", ".join(UPLOAD_TYPES),
    accept_multiple_files=True,
    max_upload_size=math.ceil(settings.max_file_mb),
    key=f"uploads_{st.session_state.setdefault('uploader_round', 0)}",  # a new key empties the drop zone
)
left, right = st.columns(2)
outlet = left.text_input("Outlet, for files that do not name one", key="upload_outlet")
published = right.date_input("Publication date, for files without one", value=None, key="upload_date")
bare = [u.name for u in uploads or [] if u.name.lower().endswith(BARE_SUFFIXES)]
if bare and not (outlet.strip() and published):
    st.warning(
        escape_markdown(
            f"{', '.join(bare)}: plain text, PDF and Word files seldom name their outlet and date. Without them "
            "an article is cited as “unknown outlet”, undated, and date filters leave it out. Fill them in "
            "above, or upload a manifest's files with `briefing ingest --manifest`."
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

st.subheader("Delete an article")
choices = {r["id"]: f"{r['title']} — {r['outlet']} ({r['id']})" for r in rows}
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
