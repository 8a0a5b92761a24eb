"""Settings: which language model answers, for this browser session only."""

import streamlit as st

from briefing.app import state as sup
from briefing.app.render import escape_markdown
from briefing.config import BACKENDS

settings = sup.page_setup("Settings", "settings")

has_key = sup.KEY_API_KEY in st.session_state
st.markdown("**Answering with:** " + escape_markdown(sup.backend_label(settings, has_key)))

with st.form("llm_settings"):
    options = [sup.AUTOMATIC, *BACKENDS]
    st.radio(
        "Backend",
        options,
        index=options.index(st.session_state.get(sup.KEY_BACKEND) or sup.AUTOMATIC),
        horizontal=True,
        key="form_backend",
        help="automatic: openai when a key or base URL is configured, else the local model when installed, "
        "else extractive (quotes the sources, no language model).",
    )
    st.text_input(
        "Model (openai: model name; local: path to a GGUF file; empty: the configured default)",
        value=st.session_state.get(sup.KEY_MODEL, ""),
        key="form_model",
    )
    st.text_input(
        "OpenAI-compatible base URL (empty: the configured one, or api.openai.com)",
        value=st.session_state.get(sup.KEY_BASE_URL, ""),
        key="form_base_url",
    )
    st.text_input(
        "API key for this session (kept in memory only, never saved, never shown again)",
        type="password",
        key=sup.FORM_API_KEY,
    )
    st.form_submit_button("Apply", type="primary", on_click=sup.apply_settings_form, args=(st.session_state,))

if has_key:
    st.caption("An API key is set for this session. It is not shown and was never written to disk.")
    if st.button("Forget the key"):
        del st.session_state[sup.KEY_API_KEY]
        st.rerun()

st.subheader("Store")
st.markdown(
    escape_markdown(f"{settings.chroma_url or settings.store_dir} · collection {settings.collection}")
)
st.caption("The store location comes from BRIEFING_STORE_DIR / BRIEFING_CHROMA_URL or briefing.toml.")
