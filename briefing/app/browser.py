"""Which browser this is, where nobody signs in: a long random id kept in a cookie, so that each browser
keeps its own saved conversations (under conversations/browsers/<id>/) across reloads and restarts, and
one visitor never sees another's.

Streamlit reads the cookies a browser sent when its session connected (`st.context.cookies`) but cannot
set one. A browser without the cookie gets an id made here, held in the session so this visit keeps it,
and a one-line script that sets the cookie, so the next visit (a reload, another tab, after a restart)
sends it back; a browser that sent it gets the same script once per visit, to keep it another year. A cookie is user input and the id names a folder: only the shape made here is accepted.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

COOKIE = "briefing_browser"
KEY_BROWSER = "browser_id"  # session state: this session's browser id
MAX_AGE = 365 * 24 * 3600  # a year from the last visit
_BYTES = 32  # 256 random bits: not guessable, so knowing the scheme does not open another's folder
_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes, and nothing else
_SETTER = "browser_cookie"  # the hidden container the script runs in, so it leaves no gap in the page
_HIDE_SETTER = f"<style>.st-key-{_SETTER},div:has(> .st-key-{_SETTER}){{display:none}}</style>"


def new_id() -> str:
    return secrets.token_urlsafe(_BYTES)


def valid_id(value: object) -> str | None:
    """`value` if it is an id of the shape `new_id` makes (safe as a folder name), else None."""
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def cookie_script(browser: str) -> str:
    """The script that keeps `browser` in this browser's cookie for a year, for the whole app (path /),
    not sent with requests other sites start (SameSite=Lax), and only over HTTPS when the app is."""
    if valid_id(browser) is None:
        raise ValueError("not a browser id")  # never write anything else into a script
    cookie = f"{COOKIE}={browser}; Max-Age={MAX_AGE}; Path=/; SameSite=Lax"
    return (
        f"<script>document.cookie = '{cookie}' + (location.protocol === 'https:' ? '; Secure' : '');</script>"
    )


def browser_id() -> str:
    """This browser's id: the one this session already holds, else its cookie's, else a new one. The
    page gets the script that sets the cookie on the session's first run (so a browser that comes back
    keeps its id a year from its last visit, not its first) and on every run while the browser had not
    sent it. The script runs in the page itself, not in a frame, so the cookie is the app's own."""
    sent = valid_id(st.context.cookies.get(COOKIE))
    held = st.session_state.get(KEY_BROWSER)
    first_run = held is None
    if first_run:
        held = st.session_state[KEY_BROWSER] = sent or new_id()
    if first_run or held != sent:
        st.html(_HIDE_SETTER)  # style only: drawn outside the page's flow
        with st.container(key=_SETTER):
            st.html(cookie_script(held), unsafe_allow_javascript=True)
    return held
