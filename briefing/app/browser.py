"""Cookies the app sets, which Streamlit reads (`st.context.cookies`, as sent when the session connected)
but cannot set: here, which browser this is where nobody signs in; in `signin`, a password sign-in that
outlives a reload.

The browser id is a long random id, so that each browser keeps its own saved conversations (under
conversations/browsers/<id>/) across reloads and restarts, and one visitor never sees another's. A
browser without the cookie gets an id made here, held in the session so this visit keeps it, and a
one-line script that sets the cookie, so the next visit (a reload, another tab, after a restart) sends it
back (unless another tab of that first visit set one first: that id is taken up instead); a browser that
sent it gets the same script once per visit, to keep it another year. A cookie is user input and the id
names a folder: only the shape made here is accepted."""

from __future__ import annotations

import re
import secrets

import streamlit as st

COOKIE = "briefing_browser"
KEY_BROWSER = "browser_id"  # session state: this session's browser id
MAX_AGE = 365 * 24 * 3600  # a year from the last visit
_BYTES = 32  # 256 random bits: not guessable, so knowing the scheme does not open another's folder
_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes, and nothing else
_SETTER = "cookie"  # the hidden containers the scripts run in (cookie_<name>), so they leave no gap
_HIDE_SETTER = (
    f"<style>[class*=st-key-{_SETTER}_],div:has(> [class*=st-key-{_SETTER}_]){{display:none}}</style>"
)


def new_id() -> str:
    return secrets.token_urlsafe(_BYTES)


def valid_id(value: object) -> str | None:
    """`value` if it is an id of the shape `new_id` makes (safe as a folder name), else None."""
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def cookie_script(name: str, value: str, max_age: int, adopt: bool = False) -> str:
    """The script that keeps `value` in this browser's cookie `name` for `max_age` seconds (0 with an empty
    value: forgets it), for the whole app (path /), not sent with requests other sites start
    (SameSite=Lax), and only over HTTPS when the app is.

    `adopt`, for a value made for a session that connected without the cookie: if the browser has one by
    now (another tab of a first visit set it meanwhile), the page is reloaded once to take that one up
    instead of overwriting it, which would hide whatever the other tab keeps under its id."""
    if not re.fullmatch(r"briefing_[a-z]+", name) or (valid_id(value) is None and (value or max_age)):
        raise ValueError("not a briefing cookie")  # never write anything else into a script
    cookie = f"{name}={value}; Max-Age={max_age}; Path=/; SameSite=Lax"
    keep = f"document.cookie = '{cookie}' + (location.protocol === 'https:' ? '; Secure' : '');"
    if not adopt:
        return f"<script>{keep}</script>"
    flag = f"{name}_adopted"  # per tab: one reload at the most, should the server not be sent the cookie
    return (
        f"<script>(() => {{ const had = document.cookie.match(/(?:^|; ){name}=([A-Za-z0-9_-]{{43}})(?:;|$)/);"
        f" if (had && had[1] !== '{value}') {{ if (!sessionStorage.getItem('{flag}')) {{"
        f" sessionStorage.setItem('{flag}', '1'); location.reload(); }} return; }}"
        f" sessionStorage.removeItem('{flag}'); {keep} }})();</script>"
    )


def set_cookie(name: str, value: str, max_age: int, adopt: bool = False) -> None:
    """Send the page `cookie_script`, in a hidden container so it leaves no gap. The script runs in the
    page itself, not in a frame, so the cookie is the app's own."""
    st.html(_HIDE_SETTER)  # style only: drawn outside the page's flow
    with st.container(key=f"{_SETTER}_{name}"):
        st.html(cookie_script(name, value, max_age, adopt), unsafe_allow_javascript=True)


def browser_id() -> str:
    """This browser's id: the one this session already holds, else its cookie's, else a new one. The
    page gets the script that sets the cookie on the session's first run (so a browser that comes back
    keeps its id a year from its last visit, not its first) and on every run while the browser had not
    sent it."""
    sent = valid_id(st.context.cookies.get(COOKIE))
    held = st.session_state.get(KEY_BROWSER)
    first_run = held is None
    if first_run:
        held = st.session_state[KEY_BROWSER] = sent or new_id()
    if first_run or held != sent:
        set_cookie(COOKIE, held, MAX_AGE, adopt=sent is None)
    return held
