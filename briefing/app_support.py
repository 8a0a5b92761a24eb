"""Everything the Streamlit app does besides drawing widgets: shared heavy objects, per-session settings,
uploads, and turning answers into safe HTML.

Safety rule: article text (and model text, which quotes articles) is data. It reaches the page only through
`html.escape` inside our own HTML, rendered by `st.html` (which DOMPurify sanitises again), or through
`escape_markdown` where Streamlit renders markdown, so no tag, script or markdown link from an article
ever becomes live in the page.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import streamlit as st
from pydantic import SecretStr

from briefing.answer import Answer, Answerer, Turn
from briefing.archive import keep
from briefing.brief import Brief, BriefError, ProgressEvent, build_brief, build_weekly
from briefing.cite import MARKER, Citation, SentenceCheck, parse_marker
from briefing.config import Settings, load_settings, unknown_variables
from briefing.embeddings import EmbeddingError, get_embedder
from briefing.export import ExportError, render_html, write_docx
from briefing.ingest import IngestReport, ingest, remove
from briefing.llm import (
    BackendUnavailable,
    LLMError,
    get_chat_model_or_extractive,
    local_model_path,
    resolve_backend,
)
from briefing.loaders import (
    DOCX_SUFFIXES,
    FEED_SUFFIXES,
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    JSONL_SUFFIXES,
    MARKDOWN_SUFFIXES,
    PDF_SUFFIXES,
    TEXT_SUFFIXES,
)
from briefing.prompts import PromptError
from briefing.retrieve import Filters
from briefing.store import Store, StoreError

T = TypeVar("T")
log = logging.getLogger(__name__)

UPLOAD_TYPES = sorted(
    s.lstrip(".")
    for s in TEXT_SUFFIXES
    | MARKDOWN_SUFFIXES
    | HTML_SUFFIXES
    | FEED_SUFFIXES
    | JSON_SUFFIXES
    | JSONL_SUFFIXES
    | PDF_SUFFIXES
    | DOCX_SUFFIXES
)
CARD_CONTEXT_CHARS = 240  # passage text shown either side of the supporting sentence in a source card
UPLOADS_DIR = "uploads"  # under the store folder: uploaded originals, so a source card's file path exists

# Session-state keys the pages share.
KEY_BACKEND = "llm_backend"
KEY_MODEL = "llm_model"
KEY_BASE_URL = "llm_base_url"
KEY_API_KEY = "llm_api_key"  # a SecretStr, this session only
KEY_CHAT = "chat"
FORM_API_KEY = "form_api_key"  # the Settings page's password box, emptied as soon as it is read
AUTOMATIC = "automatic"


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
    OSError,
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
    settings = load_settings(**overrides)
    if backend == "openai" and typed_url and session_key is None and typed_url != load_settings().openai_base_url:
        settings = settings.model_copy(update={"openai_api_key": None})
    return settings


def apply_settings_form(state: Any) -> None:
    """Settings-form callback: copy the form's choices to the session's own keys (widget keys vanish
    when the page is left) and move a typed API key into the session as a SecretStr, emptying the
    password box before the page is drawn again so the key is never sent back to the browser."""
    backend = state.get("form_backend")
    state[KEY_BACKEND] = None if backend in (None, AUTOMATIC) else backend
    state[KEY_MODEL] = state.get("form_model", "")
    state[KEY_BASE_URL] = state.get("form_base_url", "")
    if key := secret(state.get(FORM_API_KEY) or ""):
        state[KEY_API_KEY] = key
    state[FORM_API_KEY] = ""


@st.cache_resource(show_spinner=False)
def _warn_unknown_variables() -> None:
    """Once per server process: a misspelt BRIEFING_* variable goes to the operator's log."""
    for warning in unknown_variables():
        log.warning(warning)


def page_setup(title: str) -> Settings:
    """Start a page: title, this session's settings, and the active backend in the sidebar (every page
    shows it, so an analyst always knows what is answering). A configuration error stops the page with
    a message."""
    st.set_page_config(page_title=f"{title} · briefing", page_icon="🗞️", layout="wide")
    _warn_unknown_variables()
    st.title(title)
    settings = or_stop(lambda: session_settings(st.session_state))
    label = or_stop(lambda: backend_label(settings, KEY_API_KEY in st.session_state))
    st.sidebar.caption("Answering with")
    st.sidebar.markdown(escape_markdown(label))
    return settings


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


# --------------------------------------------------------------------------------------------------
# Chat
# --------------------------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One question of a conversation and what came back: a checked answer or an error message."""

    question: str
    answer: Answer | None = None
    error: str | None = None


def history_turns(exchanges: Sequence[Exchange]) -> list[Turn]:
    """Earlier answered questions, for condensing a follow-up into a standalone question."""
    return [Turn(e.question, e.answer.text) for e in exchanges if e.answer is not None]


@dataclass(frozen=True)
class FilterBounds:
    """What the sidebar filters may choose from: the store's date span and outlets."""

    earliest: date | None
    latest: date | None
    outlets: list[str]


def filter_bounds(store: Store) -> FilterBounds:
    stats = store.stats()
    earliest, latest = (date.fromisoformat(stats[k]) if stats[k] else None for k in ("earliest", "latest"))
    return FilterBounds(earliest, latest, store.outlets())


def make_filters(bounds: FilterBounds, window: Sequence[date], outlet: str | None) -> Filters:
    """Filters from the sidebar: a window equal to the store's whole span filters nothing (undated
    articles stay in); a one-sided selection (the date picker mid-edit) limits that side only."""
    since = window[0] if window else None
    until = window[1] if len(window) > 1 else None
    return Filters(
        since=since if since and since != bounds.earliest else None,
        until=until if until and until != bounds.latest else None,
        source=outlet or None,
    )


def ask(
    answerer: Answerer, question: str, history: Sequence[Exchange], filters: Filters
) -> Iterator[str | Answer]:
    """The answer's text as it is written, then the checked Answer."""
    return answerer.stream(question, history_turns(history), filters)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^])")


def escape_markdown(text: str) -> str:
    """Text that Streamlit's markdown shows literally: every markdown, directive, math and HTML character
    backslash-escaped; line breaks kept."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def _link_markers(escaped: str, anchor: str, cited: set[int]) -> str:
    def link(m: re.Match[str]) -> str:
        parts = [
            f'<a href="#{anchor}-{n}" class="cite">{n}</a>' if n in cited else str(n)
            for n in parse_marker(m.group(1))
        ]
        return "[" + ", ".join(parts) + "]"

    return MARKER.sub(link, escaped)


def _text_html(text: str, anchor: str, cited: set[int]) -> str:
    return _link_markers(html.escape(text), anchor, cited).replace("\n", "<br>")


UNSUPPORTED_STYLE = "background:#fdecea;text-decoration:underline wavy #c0392b;"


def answer_html(answer: Answer, anchor: str) -> str:
    """The checked answer as HTML: markers link to the source cards (`#{anchor}-{n}`), sentences the
    checker did not find supported are highlighted with the reason as a tooltip."""
    text = answer.check.text
    cited = {c.n for c in answer.citations}
    bad: list[SentenceCheck] = sorted(
        (s for s in answer.check.sentences if not s.supported), key=lambda s: s.start
    )
    out, at = [], 0
    for s in bad:
        out.append(_text_html(text[at : s.start], anchor, cited))
        reason = html.escape(f"Not supported by the cited sources: {s.reason or 'weak support'}")
        out.append(
            f'<span class="unsupported" title="{reason}" style="{UNSUPPORTED_STYLE}">⚠ '
            f"{_text_html(text[s.start : s.end], anchor, cited)}</span>"
        )
        at = s.end
    out.append(_text_html(text[at:], anchor, cited))
    return f'<div class="answer">{"".join(out)}</div>'


def _passage_window(c: Citation) -> tuple[str, str, str]:
    """Passage text before the supporting sentence (at most CARD_CONTEXT_CHARS, cut at a word), the
    sentence, and the text after it."""
    text = c.chunk.text
    before = text[max(0, c.quote_start - CARD_CONTEXT_CHARS) : c.quote_start]
    after = text[c.quote_end : c.quote_end + CARD_CONTEXT_CHARS]
    if c.quote_start > CARD_CONTEXT_CHARS:
        before = "…" + before.split(" ", 1)[-1]
    if len(text) - c.quote_end > CARD_CONTEXT_CHARS:
        after = after.rsplit(" ", 1)[0] + "…"
    return before, c.quote, after


def _link_or_path(c: Citation) -> str:
    if c.url and urlsplit(c.url).scheme in ("http", "https"):
        url = html.escape(c.url)
        return f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>'
    where = c.url or c.path
    return f"<code>{html.escape(where)}</code>" if where else "no link or file recorded"


def source_cards_html(answer: Answer, anchor: str) -> str:
    """One collapsible card per cited passage (`id="{anchor}-{n}"`): title, outlets, date, the passage
    around the supporting sentence with that sentence highlighted, and the article's link or file."""
    cards = []
    for c in answer.citations:
        before, quote, after = _passage_window(c)
        day = c.published.isoformat() if c.published else "undated"
        cards.append(
            f'<details class="source-card" id="{anchor}-{c.n}">'
            f"<summary>[{c.n}] {html.escape(c.title)} — {html.escape(', '.join(c.outlets))}, {day}</summary>"
            f'<div class="passage" style="margin:0.4em 0 0.4em 1em">'
            f"{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}</div>"
            f'<div class="where" style="margin-left:1em;font-size:0.85em">{_link_or_path(c)}</div>'
            "</details>"
        )
    return "".join(cards)


def answer_warnings(answer: Answer) -> list[str]:
    """Markdown-safe lines telling the reader what not to trust as written."""
    lines = [
        f"Not supported by its sources ({escape_markdown(s.reason or 'weak support')}): "
        f"“{escape_markdown(s.text)}”"
        for s in answer.unsupported
    ]
    lines += [f"Removed a citation: {escape_markdown(why)}" for _, why in answer.removed_markers]
    return lines


# --------------------------------------------------------------------------------------------------
# Library: uploads, articles, removal
# --------------------------------------------------------------------------------------------------


class Upload(Protocol):
    """What st.file_uploader hands over (streamlit's UploadedFile)."""

    name: str
    size: int

    def getvalue(self) -> bytes: ...


@dataclass(frozen=True)
class FileResult:
    """What happened to one uploaded file (or one record of a multi-article file)."""

    name: str
    status: str  # added | duplicate | failed
    detail: str


@dataclass
class UploadOutcome:
    results: list[FileResult] = field(default_factory=list)
    report: IngestReport | None = None


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"


def check_upload(upload: Upload, limit_mb: float) -> str | None:
    """Why an upload is refused before ingest (type or size), or None."""
    suffix = Path(upload.name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        return f"failed: .{suffix or '(none)'} files are not supported; use one of {', '.join(UPLOAD_TYPES)}"
    if upload.size > limit_mb * 2**20:
        return f"failed: {upload.size / 2**20:.1f} MB is over the {limit_mb:g} MB limit per file (setting max_file_mb)"
    return None


def ingest_uploads(
    uploads: Sequence[Upload],
    settings: Settings,
    *,
    source: str | None = None,
    published: date | None = None,
    on_progress: Callable[[float, str], None] = lambda fraction, text: None,
) -> UploadOutcome:
    """Save the accepted uploads under the store's uploads folder, ingest them, and say per file what
    happened: added (maybe as a near-duplicate), duplicate of an article already stored, or failed with
    the reason. Files that added nothing are deleted again."""
    outcome = UploadOutcome()
    folder = settings.store_dir / UPLOADS_DIR / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    names: dict[str, str] = {}  # saved path -> name as uploaded
    for up in uploads:
        if why := check_upload(up, settings.max_file_mb):
            outcome.results.append(FileResult(up.name, "failed", why.removeprefix("failed: ")))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _safe_name(up.name)
        n = 1
        while str(path) in names:
            n += 1
            path = folder / f"{Path(_safe_name(up.name)).stem}-{n}{path.suffix}"
        path.write_bytes(up.getvalue())
        names[str(path)] = up.name
    if not names:
        return outcome

    store = writable_store(settings)
    done: set[str] = set()

    def uploaded_name(path: str) -> str:
        file = next((p for p in names if path == p or path.startswith(p + ":")), path)
        return names.get(file, path) + path[len(file) :]

    def progress(path: str, _outcome: str) -> None:
        done.add(next((p for p in names if path == p or path.startswith(p + ":")), path))
        on_progress(
            min(1.0, len(done) / len(names)), f"{len(done)} of {len(names)} files: {uploaded_name(path)}"
        )

    report = ingest(
        list(names), settings, store=store, source=source, published=published, on_article=progress
    )
    outcome.report = report
    twins = {a.id: t for a, t in report.near_duplicates}
    for a in report.added:
        twin = twins.get(a.id)
        detail = f"added: “{a.title}”" + (f", near-duplicate of {_title(store, twin)}" if twin else "")
        outcome.results.append(FileResult(uploaded_name(a.path or ""), "added", detail))
    for skip in report.skipped:
        if skip.stored_as:
            detail = f"duplicate of {_title(store, skip.stored_as)}, already in the library"
        else:
            detail = f"duplicate of {uploaded_name(skip.same_as or '')} in this upload"
        outcome.results.append(FileResult(uploaded_name(skip.path), "duplicate", detail))
    for f in report.failures:
        outcome.results.append(FileResult(uploaded_name(f.path), "failed", f.reason))
    kept = {a.path for a in report.added}
    for path in names:
        if not any(k == path or (k or "").startswith(path + ":") for k in kept):
            Path(path).unlink(missing_ok=True)
    if folder.exists() and not any(folder.iterdir()):
        shutil.rmtree(folder)
    return outcome


def _title(store: Store, article_id: str) -> str:
    article = store.get_article(article_id)
    return f"“{article.title}” ({article.source})" if article else article_id


def article_rows(store: Store, query: str = "") -> list[dict[str, Any]]:
    """The library table: one row per article, filtered by a case-insensitive search over title, outlet
    and id."""
    records = store.article_records()
    titles = {r.article.id: r.article.title for r in records}
    q = query.strip().casefold()
    rows = []
    for r in records:
        a = r.article
        if q and q not in f"{a.title}\n{a.source}\n{a.id}".casefold():
            continue
        rows.append(
            {
                "title": a.title,
                "outlet": a.source,
                "published": a.published,
                "chunks": r.chunks,
                "duplicate of": titles.get(a.duplicate_of, a.duplicate_of) if a.duplicate_of else "",
                "id": a.id,
            }
        )
    return rows


def delete_article(settings: Settings, article_id: str) -> list[str]:
    """Remove an article; returns the articles re-chunked because they shared its passages."""
    return remove(article_id, settings, store=writable_store(settings))


def secret(value: str) -> SecretStr | None:
    value = value.strip()
    return SecretStr(value) if value else None


# --------------------------------------------------------------------------------------------------
# Briefs
# --------------------------------------------------------------------------------------------------

DEFAULT_TEMPLATE = "standard"  # build_brief's own default
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_BRIEF_STYLE = (
    "<style>.brief .meta{color:#666;font-size:.9em;margin:.1em 0}.brief .flag{color:#b00;font-weight:bold}"
    ".brief .corroboration{color:#666;font-size:.9em}.brief a.cite{text-decoration:none}"
    ".brief blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}</style>"
)


def progress_step(event: ProgressEvent) -> tuple[float, str]:
    """Progress-bar position and caption for a brief's section event."""
    done = event.index - (event.status == "drafting")
    return done / event.total, f"Section {event.index} of {event.total}: {event.title} ({event.status})"


def make_brief(
    settings: Settings,
    answerer: Answerer,
    *,
    weekly: bool,
    topic: str,
    window: Sequence[date],
    source: str | None,
    template: str,
    strict: bool,
    progress: Callable[[ProgressEvent], None],
) -> tuple[Brief, Path]:
    """Build a topic or weekly brief and keep it (Markdown plus its audit record) in the store's briefs
    folder, where the Briefs page and `briefing briefs` list it later."""
    since = window[0] if window else None
    until = window[1] if len(window) > 1 else None
    if weekly:
        if not (since and until):
            raise BriefError("a weekly brief needs a start and an end date")
        brief = build_weekly(settings, since, until, strict=strict, answerer=answerer, progress=progress)
    else:
        if not topic.strip():
            raise BriefError("a topic brief needs a topic")
        brief = build_brief(
            topic.strip(),
            settings,
            since=since,
            until=until,
            source=source,
            template=template,
            strict=strict,
            answerer=answerer,
            progress=progress,
        )
    return brief, keep(brief, settings)


def brief_html(brief: Brief) -> str:
    """The brief's HTML export (every text escaped there) without its page shell, for st.html: citations
    link to the numbered sources, flags stand out."""
    page = render_html(brief)
    body = page[page.index("<body>") + len("<body>") : page.rindex("</body>")]
    return f'{_BRIEF_STYLE}<div class="brief">{body}</div>'


def docx_bytes(brief: Brief) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "brief.docx"
        write_docx(brief, path)
        return path.read_bytes()
