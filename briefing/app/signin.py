"""Password sign-in for the app: when the users file lists anyone, a visitor sees only the sign-in page
until they sign in; a sign-in lasts `session_hours`; the pages a role may not use are not offered.
"""

from __future__ import annotations

import time

import streamlit as st

from briefing import activity
from briefing.config import Settings, load_settings
from briefing.users import User, Users

KEY_USER = "signed_in"  # (user name, time signed in)
PAGES_BY_ROLE = {
    "reader": {"library.py", "settings.py", "activity.py"},
    "editor": {"settings.py", "activity.py"},
    "admin": set(),
}  # not offered


def actor(settings: Settings) -> str:
    """Who an app action is logged as: the signed-in user, or "app" where sign-in is off (127.0.0.1)."""
    user = current_user(settings)
    return user.name if user else "app"


def current_user(settings: Settings) -> User | None:
    """Who is signed in (re-read from the users file, so a removed user or changed role takes effect at
    once), or None: nobody signed in, the sign-in expired, or the user is gone."""
    held = st.session_state.get(KEY_USER)
    if not held:
        return None
    name, since = held
    user = Users(settings.users_file).all().get(name)
    if user is None or time.time() - since > settings.session_hours * 3600:
        st.session_state.pop(KEY_USER, None)
        return None
    return user


def required(settings: Settings) -> bool:
    return bool(Users(settings.users_file).all())


def sign_in_page(settings: Settings) -> None:
    st.title("Sign in")
    with st.form("sign_in"):
        st.text_input("Name", key="signin_name")
        st.text_input("Password", type="password", key="signin_password")
        st.form_submit_button("Sign in", type="primary", on_click=_try, args=(settings,))
    if st.session_state.pop("signin_failed", False):
        st.error("That name and password do not match.")


def _try(settings: Settings) -> None:
    """The form's callback, run before the page is drawn: a right password signs in at once, and the
    password is emptied from the session either way."""
    user = Users(settings.users_file).verify(
        st.session_state.get("signin_name", ""), st.session_state.get("signin_password", "")
    )
    st.session_state["signin_password"] = ""
    if user is None:
        st.session_state["signin_failed"] = True
    else:
        st.session_state[KEY_USER] = (user.name, time.time())
    activity.record(settings, user.name if user else st.session_state.get("signin_name", ""),
                    "sign-in" if user else "sign-in refused")  # fmt: skip


def sign_out_button(user: User, notebook: str) -> None:
    st.sidebar.caption(f"Signed in as {user.name} ({user.role_in(notebook)})")
    st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:", on_click=_sign_out, args=(user,))


def _sign_out(user: User) -> None:
    activity.record(load_settings(), user.name, "sign-out")
    for key in list(st.session_state):
        del st.session_state[key]  # nothing of this session outlives its sign-out
