"""Widgets more than one page uses."""

from __future__ import annotations

import streamlit as st


def confirmed(
    label: str, choices: dict[str, str], confirm: str, button: str, keys: tuple[str, str, str]
) -> str | None:
    """A choice acted on only after a confirmation: what was picked, on the click that confirms it."""
    pick, sure, act = keys
    picked = st.selectbox(label, list(choices), format_func=choices.__getitem__, index=None, key=pick)
    agreed = st.checkbox(confirm, key=sure, disabled=picked is None)
    return picked if st.button(button, disabled=not (picked and agreed), key=act) else None
