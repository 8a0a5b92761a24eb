"""The Library page's work: uploads saved and ingested with a verdict per file, and the article table."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from briefing import originals
from briefing.config import Settings
from briefing.index import tokens
from briefing.ingest import UNKNOWN_OUTLET, IngestReport, ingest
from briefing.loaders import (
    DOCX_SUFFIXES,
    FEED_SUFFIXES,
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    JSONL_SUFFIXES,
    MANIFEST_NAME,
    MARKDOWN_SUFFIXES,
    PDF_SUFFIXES,
    TEXT_SUFFIXES,
    ManifestRow,
    write_manifest,
)
from briefing.originals import NAME_MAX, uploads_dir
from briefing.store import Store

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
    warning: str = ""  # added, but without an outlet or a date: it cannot be filtered or cited by them


@dataclass
class UploadOutcome:
    results: list[FileResult] = field(default_factory=list)
    report: IngestReport | None = None


def safe_name(name: str) -> str:
    """The name an upload is saved under: its base name, with characters a file name should not hold replaced."""
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"


def shown_name(name: str, keep: int = 60) -> str:
    """A file name short enough for a message: a long one keeps its start and its end (the type)."""
    return name if len(name) <= keep else f"{name[: keep - 21]}…{name[-20:]}"


def check_upload(upload: Upload, limit_mb: float) -> str | None:
    """Why an upload is refused before ingest (type, size or name length), or None."""
    suffix = Path(upload.name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        return f"failed: .{suffix or '(none)'} files are not supported; use one of {', '.join(UPLOAD_TYPES)}"
    if upload.size > limit_mb * 2**20:
        return f"failed: {upload.size / 2**20:.1f} MB is over the {limit_mb:g} MB limit per file (setting max_file_mb)"
    if (n := len(safe_name(upload.name).encode())) > NAME_MAX:
        return f"failed: its name is {n} bytes, over the {NAME_MAX} a file name may have; rename it shorter"
    return None


def ingest_uploads(
    uploads: Sequence[Upload],
    settings: Settings,
    open_store: Callable[[], Store],
    *,
    labels: Mapping[str, ManifestRow] | None = None,
    source: str | None = None,
    published: date | None = None,
    on_progress: Callable[[float, str], None] = lambda fraction, text: None,
) -> UploadOutcome:
    """Save the accepted uploads under the notebook's uploads folder (owner-only), ingest them into the store
        `open_store` gives (a writer's own, see `state.writable_store`; opened only when a file is accepted), and
        say per file what happened: added (maybe as a near-duplicate), duplicate of an article already stored,
        or failed with the reason. `labels` (by upload name: the upload table as edited) is the files' manifest;
    `source` and `published` fill what a file and its label leave blank (as `briefing ingest` takes them).
        Files are saved holding the store's write lock, whose end removes those that added nothing (see
        `originals`: the manifest written for ingest too)."""
    outcome = UploadOutcome()
    accepted = []
    for up in uploads:
        if why := check_upload(up, settings.max_file_mb):
            outcome.results.append(FileResult(shown_name(up.name), "failed", why.removeprefix("failed: ")))
        else:
            accepted.append(up)
    if not accepted:
        return outcome
    store = open_store()
    with store.writing():
        names = _save(accepted, uploads_dir(settings), outcome)
        if names:
            _ingest_saved(names, settings, store, outcome, labels or {}, (source, published), on_progress)
    return outcome


def _save(uploads: Sequence[Upload], root: Path, outcome: UploadOutcome) -> dict[str, str]:
    """Save each upload in a new folder; a file the disk refuses fails alone. Returns saved path -> name."""
    folder = root / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    names: dict[str, str] = {}
    for up in uploads:
        path = folder / safe_name(up.name)
        n = 1
        while str(path) in names:
            n += 1
            path = folder / f"{Path(safe_name(up.name)).stem}-{n}{path.suffix}"
        try:
            originals.save(path, up.getvalue())
        except OSError as exc:
            outcome.results.append(FileResult(shown_name(up.name), "failed", f"not saved: {exc.strerror}"))
        else:
            names[str(path)] = up.name
    return names


def _ingest_saved(
    names: dict[str, str],
    settings: Settings,
    store: Store,
    outcome: UploadOutcome,
    labels: Mapping[str, ManifestRow],
    fill: tuple[str | None, date | None],
    on_progress: Callable[[float, str], None],
) -> None:
    done: set[str] = set()

    def uploaded_name(path: str) -> str:
        file = next((p for p in names if path == p or path.startswith(p + ":")), path)
        return names.get(file, path) + path[len(file) :]

    def progress(path: str, _outcome: str) -> None:
        done.add(next((p for p in names if path == p or path.startswith(p + ":")), path))
        on_progress(
            min(1.0, len(done) / len(names)), f"{len(done)} of {len(names)} files: {uploaded_name(path)}"
        )

    manifest = Path(next(iter(names))).parent / MANIFEST_NAME  # the upload's own folder
    rows = [replace(labels[name], file=Path(path).name) for path, name in names.items() if name in labels]
    write_manifest(manifest, rows)
    source, published = fill
    report = ingest(
        list(names), settings, store=store, manifest=manifest, source=source, published=published,
        on_article=progress,
    )  # fmt: skip
    outcome.report = report
    twins = {a.id: t for a, t in report.near_duplicates}
    for a in report.added:
        twin = twins.get(a.id)
        detail = f"added: “{a.title}”" + (f", near-duplicate of {_title(store, twin)}" if twin else "")
        missing = [
            what for what, gone in (("outlet", a.source == UNKNOWN_OUTLET), ("date", not a.published)) if gone
        ]
        warning = (
            f"stored without {' or '.join(missing)}: it will be cited as {a.source}, "
            f"{a.published or 'undated'}; set them under “Edit an article” below"
            if missing
            else ""
        )
        outcome.results.append(FileResult(uploaded_name(a.path or ""), "added", detail, warning))
    for skip in report.skipped:
        if skip.stored_as:
            detail = f"duplicate of {_title(store, skip.stored_as)}, already in the library"
        else:
            detail = f"duplicate of {uploaded_name(skip.same_as or '')} in this upload"
        outcome.results.append(FileResult(uploaded_name(skip.path), "duplicate", detail))
    for f in report.failures:
        outcome.results.append(FileResult(uploaded_name(f.path), "failed", f.reason))


def _title(store: Store, article_id: str) -> str:
    article = store.get_article(article_id)
    return f"“{article.title}” ({article.source})" if article else article_id


def _mentioning(store: Store, query: str, n: int) -> set[str]:
    """Articles whose text has every word of the query (stemmed, as search matches them), found in the
    keyword index rather than by reading every article's text."""
    found: set[str] | None = None
    for word in query.split():
        if not tokens([word])[0]:
            continue  # a stop word ("the", "which") is in no index and in every article
        hits = {aid for aid, _ in store.article_index.keyword(word, n)}
        found = hits if found is None else found & hits
    return found or set()


def article_rows(store: Store, query: str = "") -> list[dict[str, Any]]:
    """The library table: one row per article, filtered by a case-insensitive search over title, outlet,
    id and the article's text."""
    records = store.article_records()
    titles = {r.article.id: r.article.title for r in records}
    q = query.strip().casefold()
    in_text = _mentioning(store, q, len(records)) if q else set()
    rows = []
    for r in records:
        a = r.article
        if q and q not in f"{a.title}\n{a.source}\n{a.id}".casefold() and a.id not in in_text:
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
