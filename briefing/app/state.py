"""What lives in a browser session or in the server process: this session's settings on top of the
configured ones, the store and answerer shared by every session, error boxes, and the page navigation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import urlsplit

import streamlit as st
from pydantic import SecretStr
from streamlit.runtime.scriptrunner import get_script_run_ctx

from briefing.answer import Answerer
from briefing.app import VIEWS_DIR, signin, upload_guard
from briefing.app.render import escape_markdown
from briefing.brief import BriefError
from briefing.config import Settings, load_settings, unknown_settings
from briefing.embeddings import EmbeddingError, get_embedder
from briefing.export import ExportError
from briefing.feeds import FeedError
from briefing.guide import SourceGuide, source_guide
from briefing.llm import (
    BackendUnavailable,
    LLMError,
    get_chat_model_or_extractive,
    local_model_path,
    resolve_backend,
)
from briefing.prompts import PromptError
from briefing.store import Store, StoreError, notebooks
from briefing.users import UserError

T = TypeVar("T")
log = logging.getLogger(__name__)

# Session-state keys the pages share.
KEY_BACKEND = "llm_backend"
KEY_MODEL = "llm_model"
KEY_BASE_URL = "llm_base_url"
KEY_API_KEY = "llm_api_key"  # a SecretStr, this session only
KEY_CHAT = "chat"  # the open conversation's exchanges
KEY_CONVERSATION = "conversation"
KEY_NOTEBOOK = "notebook"  # the collection this session works in; unset: the configured one
KEY_REFUSED = "address_refused"  # why the address's notebook, conversation or brief was not opened
# What the address names, so a reload or a shared link opens the same view: the notebook on every page,
# the conversation on Chat, the brief on Briefs (the Article page names its article and passage).
NOTEBOOK, CONVERSATION, BRIEF = "nb", "c", "brief"
FORM_API_KEY = "form_api_key"  # the Settings page's password box, emptied as soon as it is read
AUTOMATIC = "automatic"

# The pages, in the sidebar's order; the first is where the app opens. Their icons are emoji: Streamlit
# makes a page's `:material/...:` icon the tab's icon by fetching it from fonts.gstatic.com (offline, a
# request to an outside host that tells it the deployment exists); icons elsewhere come from its own font.
APP_ICON = "🗞️"
PAGES = (
    ("chat.py", "Chat", "💬", "chat"),
    ("library.py", "Library", "📚", "library"),
    ("notes.py", "Notes", "🔖", "notes"),
    ("briefs.py", "Briefs", "📝", "briefs"),
    ("team.py", "Team", "👥", "team"),
    ("settings.py", "Settings", "⚙️", "settings"),
    ("activity.py", "Activity", "🕘", "activity"),
)
READER = ("reader.py", "Article", "📰", "reader")  # opened from a source card, not listed


# Set only while navigate() runs the page it chose: a page script run any other way (Streamlit's legacy
# pages mode runs a requested page without the entry script) draws nothing.
_NAVIGATED: ContextVar[bool] = ContextVar("navigated", default=False)


def _kept_out(settings: Settings) -> tuple[bool, bool]:
    """(exposed, kept out): whether a proxy forwarded a visitor to an app with no sign-in, and whether this
    session may see no page (exposed, or sign-in required and nobody signed in)."""
    gated = or_stop(lambda: signin.gated(settings))
    exposed = signin.open_through_a_proxy(settings, st.context.headers)
    return exposed, exposed or (gated and signin.current_user(settings) is None)


def navigate() -> None:
    """Run the page the visitor is on; while sign-in is required and nobody is signed in, the sign-in page
    instead (the pages are still declared, with no menu, so the page asked for is known but not run), and
    a refusal instead to a visitor a proxy forwarded to an app with no sign-in.
    A signed-in user is offered the pages their role may use."""
    st.set_page_config(page_title="briefing", page_icon=APP_ICON, layout="wide")  # before any page icon
    settings = or_stop(lambda: session_settings(st.session_state))
    exposed, kept_out = _kept_out(settings)
    if not kept_out:  # a visitor not yet signed in keeps the address: it opens once they are
        settings = or_stop(lambda: _follow_address(settings))
    hidden = set() if kept_out else signin.hidden_pages(settings)
    if ctx := get_script_run_ctx():  # the server's upload endpoint takes files only from these sessions
        upload_guard.allow(ctx.session_id, not kept_out and signin.may(settings, "upload"))
    pages = [
        st.Page(VIEWS_DIR / file, title=title, icon=icon, url_path=url, default=i == 0)
        for i, (file, title, icon, url) in enumerate(PAGES)
        if file not in hidden
    ]
    file, title, icon, url = READER
    pages.append(st.Page(VIEWS_DIR / file, title=title, icon=icon, url_path=url, visibility="hidden"))
    page = st.navigation(pages, position="hidden" if kept_out else "sidebar")
    signin.send_cookie()
    if exposed:
        st.error(
            "This app was reached through a reverse proxy but has no sign-in: anyone who reaches the proxy "
            "could read, upload and delete. An administrator adds users (`briefing users add NAME --role "
            "admin`) or the organisation's identity provider (README, Deployment), or sets proxy_signs_in "
            "when the proxy signs people in itself."
        )
    elif kept_out:
        signin.sign_in_page(settings)
    else:
        token = _NAVIGATED.set(True)
        try:
            page.run()
        finally:
            _NAVIGATED.reset(token)


def _follow_address(settings: Settings) -> Settings:
    """Open the notebook the address names (a reload, a shared link), then name this session's notebook
    in the address on every page. A name that is no notebook here is refused with a message, never
    started: starting a notebook is the New notebook button's, for a role that may."""
    wanted = st.query_params.get(NOTEBOOK)
    if wanted and wanted != settings.collection:
        if wanted in _existing_notebooks(settings):
            _open_notebook(wanted)
            settings = session_settings(st.session_state)
        else:
            refuse(f"There is no notebook “{wanted}” here: this is {settings.collection}.")
    if st.query_params.get(NOTEBOOK) != settings.collection:
        st.query_params[NOTEBOOK] = settings.collection
    return settings


def refuse(why: str) -> None:
    """Say at the top of the page why what the address named was not opened."""
    st.session_state[KEY_REFUSED] = why


def page_path(file: str) -> str:
    """A page's script, for `st.page_link` and `st.switch_page`."""
    return str(VIEWS_DIR / file)


def library_link(settings: Settings) -> None:
    """A way to the Library: a link where this session may add articles, else who can (a reader is not
    offered the Library page, so a link to it would lead nowhere)."""
    if signin.may(settings, "upload"):
        st.page_link(page_path("library.py"), label="Go to the Library", icon=":material/library_books:")
    else:
        st.caption("Articles are added by an editor of this notebook.")


def stop_on_empty_library(settings: Settings) -> None:
    st.info(
        "The library is empty. Add articles on the **Library** page (drag files onto the uploader), or from "
        "a terminal: `briefing ingest PATH`."
        if signin.may(settings, "upload")
        else "The library is empty."
    )
    library_link(settings)
    st.stop()


# --------------------------------------------------------------------------------------------------
# Errors shown in the page
# --------------------------------------------------------------------------------------------------

_EXPECTED = (
    StoreError,
    LLMError,
    BackendUnavailable,
    EmbeddingError,
    PromptError,
    BriefError,
    ExportError,
    FeedError,
    UserError,
    OSError,  # Refused among them: a role that may not do something is told which role may
)


def error_message(exc: Exception) -> str:
    """One line for an st.error box. Known failures carry messages written for people; anything else is
    logged with its traceback for the operator and summarised for the analyst."""
    if isinstance(exc, _EXPECTED):
        return str(exc)
    log.exception("unexpected error in the app")
    return f"Something went wrong ({type(exc).__name__}: {exc}). The details are in the server log."


def or_stop(make: Callable[[], T]) -> T:
    """What `make` returns; if it fails, the page shows the failure as a message and stops there."""
    try:
        return make()
    except Exception as exc:
        st.error(error_message(exc))
        st.stop()
        raise  # st.stop() raises; this only tells type checkers the call never falls through


# --------------------------------------------------------------------------------------------------
# Settings per session, heavy objects per process
# --------------------------------------------------------------------------------------------------


def session_settings(state: Any) -> Settings:
    """The configured settings (environment, briefing.toml) with this session's choices from the Settings
    page on top. The API key lives only in `state`; it is never written anywhere. The server's key goes
    only to the server's configured URL: a base URL typed in the page is used with the key typed in the
    same session, or with none, so a visitor cannot have the operator's key sent to a host of theirs."""
    overrides: dict[str, Any] = {"llm": state.get(KEY_BACKEND)}
    backend = state.get(KEY_BACKEND)
    model = (state.get(KEY_MODEL) or "").strip() or None
    typed_url = (state.get(KEY_BASE_URL) or "").strip() or None
    if backend == "openai":
        overrides["openai_model"] = model
        overrides["openai_base_url"] = typed_url
    elif backend == "local":
        overrides["local_model_path"] = model
    session_key = state.get(KEY_API_KEY)
    overrides["openai_api_key"] = session_key
    overrides["collection"] = state.get(KEY_NOTEBOOK)
    settings = load_settings(**overrides)
    if (
        backend == "openai"
        and typed_url
        and session_key is None
        and typed_url != load_settings().openai_base_url
    ):
        settings = settings.model_copy(update={"openai_api_key": None})
    return settings


def apply_settings_form(state: Any) -> None:
    """Settings-form callback: copy the form's choices to the session's own keys (widget keys vanish
    when the page is left) and move a typed API key into the session as a SecretStr, emptying the
    password box before the page is drawn again so the key is never sent back to the browser."""
    typed_key = secret(state.get(FORM_API_KEY) or "")
    state[FORM_API_KEY] = ""
    if not signin.may(session_settings(state), "settings"):
        return  # the page refuses too; a callback reached without it changes nothing
    backend = state.get("form_backend")
    state[KEY_BACKEND] = None if backend in (None, AUTOMATIC) else backend
    state[KEY_MODEL] = state.get("form_model", "")
    state[KEY_BASE_URL] = state.get("form_base_url", "")
    settings = session_settings(state)
    if typed_key:
        state[KEY_API_KEY] = typed_key
    signin.record(settings, "settings", backend=state[KEY_BACKEND] or AUTOMATIC,
                    model=state[KEY_MODEL], base_url=state[KEY_BASE_URL], key_typed=bool(typed_key))  # fmt: skip


@st.cache_resource(show_spinner=False)
def _warn_unknown_settings() -> None:
    """Once per server process: a misspelt BRIEFING_* variable goes to the operator's log."""
    for warning in unknown_settings():
        log.warning(warning)


def page_setup(title: str, action: str | None = None) -> Settings:
    """Start a page, or stop it unless navigate() ran it for a session it lets in: title, this session's
    settings, and the active backend in the sidebar (every page shows it, so an analyst always knows what
    is answering). A configuration error stops the page with
    a message, and so does a role that may not do the page's `action` (a page not offered to a role
    refuses too when reached some other way)."""
    if not _NAVIGATED.get():
        st.stop()  # deny by default: only navigate() runs a page, and only for a session it lets in
    st.set_page_config(page_title=f"{title} · briefing", page_icon=APP_ICON, layout="wide")
    _warn_unknown_settings()
    settings = or_stop(lambda: session_settings(st.session_state))
    if _kept_out(settings)[1]:
        st.stop()  # checked again here, so a page never depends on its caller alone
    st.title(title)
    if refused := st.session_state.pop(KEY_REFUSED, None):
        st.warning(escape_markdown(refused))
    _notebook_picker(settings)
    if user := signin.current_user(settings):
        signin.sign_out_button(user, settings)
    if action:
        or_stop(lambda: signin.require(settings, action))
    label = or_stop(lambda: backend_label(settings, KEY_API_KEY in st.session_state))
    st.sidebar.caption("Answering with")
    st.sidebar.markdown(escape_markdown(label))
    return settings


def _notebook_picker(settings: Settings) -> None:
    """Switch notebooks (collections of one store, each with its own articles, feeds, topics, chats and
    briefs; the CLI's --collection), or start one. Both act in callbacks, before the page is drawn, so the
    page already shows the notebook chosen; switching closes the open conversation."""
    names = or_stop(lambda: notebooks(_base_store(_store_key(settings), settings).client))
    names = sorted({*names, settings.collection})
    st.session_state["notebook_pick"] = settings.collection
    with st.sidebar:
        st.selectbox(
            "Notebook", names, key="notebook_pick", on_change=_switch_notebook, args=("notebook_pick",)
        )
        if signin.may(settings, "notebook"):
            with st.popover("New notebook", icon=":material/add:", width="stretch"):
                st.text_input("Name", key="notebook_new", placeholder="e.g. hikvision-export-controls")
                st.button("Create", key="notebook_create", on_click=_switch_notebook, args=("notebook_new",))


def _switch_notebook(widget: str) -> None:
    """Open the notebook picked or typed. What the browser sends is not trusted to be one of the offered
    names (a picker replayed with any name reaches here too): a name that is not an existing notebook
    nor the configured one is a new notebook, started only by a role that may, checked here."""
    typed = (st.session_state.get(widget) or "").strip()
    settings = session_settings(st.session_state)
    existing = _existing_notebooks(settings)
    name = typed if widget == "notebook_pick" and typed in existing else notebook_name(typed)
    if not typed or (name not in existing and not signin.may(settings, "notebook")):
        return
    st.session_state["notebook_new"] = ""
    _open_notebook(name)
    st.query_params.clear()  # what it named was the other notebook's; the page names this one


def _existing_notebooks(settings: Settings) -> set[str]:
    return {*notebooks(_base_store(_store_key(settings), settings).client), load_settings().collection}


def _open_notebook(name: str) -> None:
    """Make `name` this session's notebook; the open conversation was the other notebook's."""
    st.session_state[KEY_NOTEBOOK] = name
    for key in (KEY_CONVERSATION, KEY_CHAT):
        st.session_state.pop(key, None)


def notebook_name(typed: str) -> str:
    """A collection name Chroma accepts (3-63 of a-z, 0-9, - and _, starting and ending alphanumeric)."""
    name = re.sub(r"[^a-z0-9]+", "-", typed.lower()).strip("-")[:63].strip("-")
    return name if len(name) >= 3 else f"{name}-notebook".strip("-")


def backend_label(settings: Settings, has_session_key: bool) -> str:
    """What answers questions, for the sidebar: backend, model and where it runs."""
    backend = resolve_backend(settings)
    if backend == "openai":
        host = urlsplit(settings.openai_base_url).netloc if settings.openai_base_url else "api.openai.com"
        key = " · key from this session" if has_session_key else ""
        return f"openai · {settings.openai_model} at {host}{key}"
    if backend == "local":
        return f"local · {local_model_path(settings).name}"
    return "extractive · quotes the sources, no language model"


def _store_key(settings: Settings) -> tuple[str, str | None, str, str]:
    return (str(settings.store_dir), settings.chroma_url, settings.collection, settings.embedding)


@st.cache_resource(show_spinner=False)
def _base_store(key: tuple[str, str | None, str, str], _settings: Settings) -> Store:
    """One Chroma client per store for the whole process, shared by every session."""
    return Store(_settings)


@st.cache_resource(show_spinner=False, max_entries=4)
def _store_at(key: tuple[str, str | None, str, str], generation: int, _settings: Settings) -> Store:
    """A Store whose article table and keyword index match `generation`: a change made by an ingest (here
    or in another process) bumps the generation and so gets a fresh view, on the same client."""
    return Store(_settings, client=_base_store(key, _settings).client)


def current_store(settings: Settings) -> Store:
    """The shared Store, current with respect to changes by any process. Raises StoreError."""
    key = _store_key(settings)
    return _store_at(key, _base_store(key, settings).generation, settings)


def writable_store(settings: Settings) -> Store:
    """A private Store on the shared client for one ingest or removal, so a writer never mutates the view
    other sessions are reading; the generation bump then hands them a fresh one."""
    return Store(settings, client=_base_store(_store_key(settings), settings).client)


@st.cache_resource(show_spinner=False, max_entries=8)
def _guide_at(key: tuple[str, str | None, str, str], generation: int, _settings: Settings) -> SourceGuide:
    return source_guide(current_store(_settings))


def cached_guide(settings: Settings) -> SourceGuide:
    """The store's source guide, made again only when the store changed."""
    key = _store_key(settings)
    return _guide_at(key, _base_store(key, settings).generation, settings)


def _llm_key(settings: Settings) -> str:
    return settings.model_dump_json(exclude={"openai_api_key"})


@st.cache_resource(show_spinner=False, max_entries=4)
def _shared_answerer(llm_key: str, generation: int, _settings: Settings) -> Answerer:
    store = current_store(_settings)
    return Answerer(
        _settings, store, model=get_chat_model_or_extractive(_settings), embedder=get_embedder(_settings)
    )


def get_answerer(settings: Settings, session_key: bool) -> Answerer:
    """The answerer for these settings. Shared across sessions (model, embedder, store are loaded once),
    except when this session typed its own API key: that model object is built for the session alone,
    so no other session can ever use the key."""
    store = current_store(settings)
    if session_key:
        return Answerer(
            settings, store, model=get_chat_model_or_extractive(settings), embedder=get_embedder(settings)
        )
    return _shared_answerer(_llm_key(settings), store.generation, settings)


def secret(value: str) -> SecretStr | None:
    value = value.strip()
    return SecretStr(value) if value else None
