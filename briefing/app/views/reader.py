"""Article: the whole stored text of one article, opened at the passage a source card cites."""

import streamlit as st

from briefing.app import state as sup
from briefing.app.render import escape_markdown, reader_html

settings = sup.page_setup("Article")
store = sup.or_stop(lambda: sup.current_store(settings))
article_id, chunk_id = st.query_params.get("article", ""), st.query_params.get("passage", "")
article = sup.or_stop(lambda: store.get_article(article_id)) if article_id else None
if article is None:
    st.warning(f"That article is not in the notebook {settings.collection} (it may have been removed).")
    sup.library_link(settings)
    st.stop()

chunks = sup.or_stop(lambda: store.get_chunks([chunk_id])) if chunk_id else []
st.subheader(escape_markdown(article.title))
day = article.published.isoformat() if article.published else "undated"
st.caption(escape_markdown(f"{article.source} · {day}" + (f" · {article.url}" if article.url else "")))
st.html(reader_html(article, chunks[0] if chunks else None))
