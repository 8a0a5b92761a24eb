"""Sign-in for the app, two ways: the organisation's identity provider (Streamlit's OIDC `st.login`,
configured in the `auth_file` secrets) and, for a small team, passwords checked against the users file
(a password sign-in is kept in a cookie naming a server-side token, so a reload keeps it).
While either is configured a visitor sees only the sign-in page until signed in; a sign-in lasts
`session_hours`; a role is offered only the pages and buttons it may use, and every change asks `require`
before it acts, so a hidden button is not the only guard.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from briefing import activity, throttle
from briefing.app.browser import set_cookie, valid_id
from briefing.app.render import escape_markdown
from briefing.config import Settings
from briefing.throttle import Throttle
from briefing.users import (
    Identity,
    SignIns,
    User,
    UserError,
    Users,
    allowed,
    check,
    identity_providers,
    member,
    vouched,
)

KEY_TOKEN = "signin_token"  # a password sign-in's token, also in the browser's SIGNIN_COOKIE
KEY_COOKIE = "signin_cookie"  # (value, max age) of SIGNIN_COOKIE, to send with the next page drawn
KEY_MISSED = "signin_missed"  # a token found to sign nobody in: not looked up again this session
SIGNIN_COOKIE = "briefing_signin"
LOGGED_NAME = 40  # characters of a typed name the activity log keeps (a refused name can be anything)
KEY_IDP_SEEN = "idp_signed_in"  # the identity provider's user whose sign-in this session has logged
# headers a reverse proxy adds to the requests it forwards
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP")
PAGE_ACTIONS = {
    "library.py": "upload",
    "team.py": "users",
    "settings.py": "settings",
    "activity.py": "activity",
}  # a page offered only to a role that may do its action


def _mtime(path: Path) -> tuple[int, int, int] | None:
    """What tells a file changed: its time, inode and size (every write here puts a new file in place, so
    a change within one tick of the file system's clock is still seen)."""
    try:
        st_ = path.stat()
    except FileNotFoundError:
        return None
    return st_.st_mtime_ns, st_.st_ino, st_.st_size


@functools.lru_cache(maxsize=8)
def _team_at(path: Path, _mtime_ns: tuple[int, int, int] | None) -> dict[str, User]:
    return Users(path).all()


@functools.lru_cache(maxsize=8)
def _providers_at(path: Path, _mtime_ns: tuple[int, int, int] | None) -> list[str | None]:
    return identity_providers(path)


def team(settings: Settings) -> dict[str, User]:
    """The users file, read again only when it changed (a page asks several times per click)."""
    return _team_at(settings.users_file, _mtime(settings.users_file))


def providers(settings: Settings) -> list[str | None]:
    """The identity providers `auth_file` configures, read again only when it changed."""
    return _providers_at(settings.auth_file, _mtime(settings.auth_file))


def gated(settings: Settings) -> bool:
    """Whether visitors must sign in: the users file lists anyone, or an identity provider is configured."""
    return bool(team(settings)) or bool(providers(settings))


def open_through_a_proxy(settings: Settings, headers: Mapping[str, str]) -> bool:
    """Whether a visit with these request headers came through a reverse proxy (it added forwarding
    headers) to an app with no sign-in of its own or the proxy's: behind a proxy the app listens on
    127.0.0.1, so `briefing app` cannot see at start that it is public; each visit can."""
    if settings.proxy_signs_in or gated(settings):
        return False
    present = {name.lower() for name in headers}
    return any(name.lower() in present for name in FORWARDING_HEADERS)


def current_user(settings: Settings) -> User | None:
    """Who is signed in, checked against the server's records on every click: the sign-in not ended (by a
    sign-out anywhere, a passwd or the user's removal) nor expired, the user still listed
    and their role re-read. None: nobody is, or no longer."""
    token = st.session_state.get(KEY_TOKEN)
    sent = valid_id(st.context.cookies.get(SIGNIN_COOKIE))
    if not token and sent and sent != st.session_state.get(KEY_MISSED):
        token = sent  # a reload: the sign-in its cookie names
    if token:
        now = time.time()
        held = _sign_ins(settings).find(token, now, _held(settings))
        user = team(settings).get(held[0]) if held else None
        if held and user is not None and held[1] >= (user.valid_from or 0):
            st.session_state[KEY_TOKEN] = token
            return user
        if held:
            _sign_ins(settings).end(token, now)
        _forget(token)
    return _idp_user(settings)


@functools.lru_cache(maxsize=8)
def _held_at(users_file: Path, _mtime_ns: tuple[int, int, int] | None) -> dict[str, dict[str, object]]:
    return SignIns(users_file, 1).read()


def _held(settings: Settings) -> dict[str, dict[str, object]]:
    """The sign-ins file (beside the users file), read again only when it changed."""
    return _held_at(settings.users_file, _mtime(_sign_ins(settings).path))


def _forget(token: str) -> None:
    """A token that signs nobody in (ended, expired, its user removed): the browser is told to drop its
    cookie, and this session does not read the sign-ins file for it again (Streamlit keeps offering the
    cookie the session connected with, on every click)."""
    st.session_state[KEY_MISSED] = token
    st.session_state.pop(KEY_TOKEN, None)
    st.session_state[KEY_COOKIE] = ("", 0)


def _sign_ins(settings: Settings) -> SignIns:
    return SignIns(settings.users_file, settings.session_hours)


def send_cookie() -> None:
    """Give the browser the sign-in cookie a sign-in or sign-out of this run changed."""
    if pending := st.session_state.pop(KEY_COOKIE, None):
        set_cookie(SIGNIN_COOKIE, *pending)


def _idp_identity(settings: Settings) -> Identity | None:
    """Who the identity provider signed in (its ID token's claims, in Streamlit's signed cookie), or None
    when nobody is signed in through it."""
    if not providers(settings) or not st.user.is_logged_in:
        return None
    return vouched(st.user)


def _live(identity: Identity, settings: Settings) -> bool:
    """An identity-provider sign-in within `session_hours` and not signed out (in this browser or another),
    and begun after its user was (last) added."""
    if not identity.fresh(settings.session_hours, time.time()):
        return False
    if _sign_ins(settings).ended(identity, _held(settings)):
        return False
    user = member(identity, team(settings), None)
    return user is None or identity.issued >= (user.valid_from or 0)


def _idp_user(settings: Settings) -> User | None:
    identity = _idp_identity(settings)
    if identity is None or not _live(identity, settings):
        return None
    user = member(identity, team(settings), settings.idp_role)
    if user is not None and user.subject is None:  # listed by a verified email: bound to this account now
        try:
            user = Users(settings.users_file).bind(user.name, identity.issuer, identity.subject)
        except UserError:  # another tab bound them meanwhile: whoever the file now says this account is
            user = member(identity, Users(settings.users_file).all(), settings.idp_role)
    if user is not None and st.session_state.get(KEY_IDP_SEEN) != user.name:
        st.session_state[KEY_IDP_SEEN] = user.name
        activity.record(settings, user.name, "sign-in", via="identity provider", subject=identity.subject)
    return user


def may(settings: Settings, action: str) -> bool:
    """Whether this session may do `action` in its notebook: for offering a page or a button."""
    return allowed(current_user(settings), action, settings.collection, gated(settings))


def require(settings: Settings, action: str) -> None:
    """Raise users.Refused unless this session may do `action`: every change in the app calls it first."""
    check(current_user(settings), action, settings.collection, gated(settings))


def hidden_pages(settings: Settings) -> set[str]:
    return {page for page, action in PAGE_ACTIONS.items() if not may(settings, action)}


def actor(settings: Settings) -> str:
    """Who an app action is logged as: the signed-in user, or "app" where sign-in is off (127.0.0.1)."""
    user = current_user(settings)
    return user.name if user else "app"


def record(settings: Settings, action: str, **what: object) -> None:
    """Append an app change to the activity log, as the signed-in user."""
    activity.record(settings, actor(settings), action, **what)


def sign_in_page(settings: Settings) -> None:
    st.title("Sign in")
    offered = providers(settings)
    identity = _idp_identity(settings)
    if identity and not _live(identity, settings):
        st.info("Your sign-in has expired or was ended; sign in again.")
    elif identity:
        if st.session_state.get(KEY_IDP_SEEN) != identity.subject:
            st.session_state[KEY_IDP_SEEN] = identity.subject
            activity.record(settings, identity.label, "sign-in refused", via="identity provider",
                            subject=identity.subject, issuer=identity.issuer)  # fmt: skip
        command = f"briefing users add NAME --idp --issuer {identity.issuer} --subject {identity.subject}"
        st.warning(
            f"{escape_markdown(identity.label)} signed in through the identity provider but is not a user of "
            f"this deployment. An admin can add them with `{command.replace('`', '')}`."
        )
    for provider in offered:
        label = f"Sign in with {provider}" if provider else "Sign in with your organisation's account"
        if st.button(label, key=f"idp_{provider or 'default'}", type="primary", icon=":material/login:"):
            st.login(provider)
    if identity:
        st.button("Sign out of the identity provider", key="idp_sign_out", on_click=st.logout)
    with_password = any(u.hash for u in team(settings).values())
    if not offered and not with_password:
        st.error(
            f"Nobody can sign in: the users in {settings.users_file} sign in through an identity provider, and "
            f"{settings.auth_file} configures none. Give an admin a password (`briefing users passwd NAME`) or "
            "configure the provider (README, Sign-in)."
        )
    if with_password:
        if offered:
            st.caption("Or with a name and password:")
        with st.form("sign_in"):
            st.text_input("Name", key="signin_name", max_chars=254)
            st.text_input("Password", type="password", key="signin_password", max_chars=1024)
            st.form_submit_button("Sign in", type="primary", on_click=_try, args=(settings,))
    if failed := st.session_state.pop("signin_failed", None):
        st.error(failed)


def _try(settings: Settings) -> None:
    """The form's callback, run before the page is drawn: a right password signs in at once, and the
    password is emptied from the session either way. A name or address with too many failures waits
    (throttle.py) and its password is not even checked; a typed name is logged cut to `LOGGED_NAME`."""
    typed, password = st.session_state.get("signin_name", ""), st.session_state.get("signin_password", "")
    st.session_state["signin_password"] = ""
    guard, now = Throttle(settings.users_file), time.time()
    counted = throttle.keys(typed, throttle.client_address(
        st.context.headers, st.context.ip_address, settings.behind_proxy
    ))  # fmt: skip
    if (wait := guard.wait(counted, now)) > 0:
        st.session_state["signin_failed"] = f"Too many failed sign-ins: try again in {math.ceil(wait)} s."
        return
    user = Users(settings.users_file).verify(typed, password)
    if user is None:
        st.session_state["signin_failed"] = "That name and password do not match."
        if started := guard.failed(counted, now):
            activity.record(settings, typed[:LOGGED_NAME], "sign-in throttled", seconds=started)
    else:  # kept in a cookie too, so a reload of the page keeps the sign-in
        guard.succeeded(counted[0], now)
        token = _sign_ins(settings).start(user.name, now)
        st.session_state[KEY_TOKEN] = token
        st.session_state[KEY_COOKIE] = (token, int(settings.session_hours * 3600))
    activity.record(settings, user.name if user else typed[:LOGGED_NAME],
                    "sign-in" if user else "sign-in refused")  # fmt: skip


def sign_out_button(user: User, settings: Settings) -> None:
    st.sidebar.caption(f"Signed in as {user.name} ({user.role_in(settings.collection)})")
    st.sidebar.button(
        "Sign out", key="sign_out", icon=":material/logout:", on_click=_sign_out, args=(user, settings)
    )


def _sign_out(user: User, settings: Settings) -> None:
    activity.record(settings, user.name, "sign-out")
    token = st.session_state.get(KEY_TOKEN)
    through_idp = not token
    if token:
        _sign_ins(settings).end(token, time.time())  # the cookie, copied or not, signs nobody in again
    elif identity := _idp_identity(settings):
        _sign_ins(settings).end_identity(identity, time.time())  # so is the provider's, in any tab
    for key in list(st.session_state):
        del st.session_state[key]  # nothing of this session outlives its sign-out
    if token:
        st.session_state[KEY_COOKIE] = ("", 0)
    if through_idp:
        st.logout()  # clears the identity cookie and ends the provider's session where it supports that
