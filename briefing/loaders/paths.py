"""From what the user names to articles: URLs, files (by suffix or content, within the size limits), folders."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from briefing.fetch import Fetcher, FetchError
from briefing.loaders.common import (
    DOCX_SUFFIXES,
    FEED_SUFFIXES,
    FETCH_TIMEOUT,
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    JSONL_SUFFIXES,
    MANIFEST_NAME,
    MARKDOWN_SUFFIXES,
    MAX_FETCH_BYTES,
    PDF_SUFFIXES,
    TEXT_SUFFIXES,
    decode,
    looks_like_feed,
)
from briefing.loaders.documents import DOCX_BYTES_PER_WORD, load_docx, load_html, load_pdf, load_plain
from briefing.loaders.records import load_feed, load_json, load_jsonl
from briefing.models import LoadFailure, RawArticle

# --------------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------------


def _load_url(
    url: str, allow_network: bool, limits: Limits | None, allow_hosts: Iterable[str]
) -> Iterator[RawArticle | LoadFailure]:
    if not allow_network:
        yield LoadFailure(url, "could not fetch URL: network access is disabled")
        return
    fetcher = Fetcher(FETCH_TIMEOUT, agent="briefing/0.1 (+news ingestion)", allow_hosts=allow_hosts)
    try:
        got = fetcher.get(url, limits.article_file if limits else MAX_FETCH_BYTES, "max_file_mb")
    except FetchError as exc:
        yield LoadFailure(url, f"could not fetch URL: {exc}")
        return
    finally:
        fetcher.close()
    if not got.content.strip():
        yield LoadFailure(url, "could not fetch URL: empty response")
    elif re.search(r"(rss|atom|xml)", got.content_type, re.I) or looks_like_feed(got.content):
        yield from load_feed(url, got.content)
    elif "pdf" in got.content_type.lower():
        yield LoadFailure(url, "unsupported content at URL: PDF (download it and load the file)")
    else:
        yield load_html(url, got.content, url=got.url)


# --------------------------------------------------------------------------------------------------
# Files and folders
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Largest files read, in bytes: a file holding one article, and one holding many (JSON, JSON Lines,
    feeds). Checked before a file is read, so a 5 GB mistake costs nothing; `article_words` bounds what a
    Word file may unpack to. Ingest takes them from the settings (`max_file_mb`, `max_collection_mb`,
    `max_article_words`)."""

    article_file: int
    collection_file: int
    article_words: int = 30000


def _docx_unpacked(limits: Limits | None) -> int:
    """What a Word file may unpack to: its size limit plus a budget per word of the longest article."""
    limits = limits or Limits(MAX_FETCH_BYTES, MAX_FETCH_BYTES)
    return limits.article_file + limits.article_words * DOCX_BYTES_PER_WORD


def _too_big(path: Path, suffix: str, limits: Limits | None) -> LoadFailure | None:
    if limits is None:
        return None
    many = suffix in JSON_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES
    limit = limits.collection_file if many else limits.article_file
    size = path.stat().st_size
    if size <= limit:
        return None
    setting = "max_collection_mb" if many else "max_file_mb"
    return LoadFailure(
        str(path),
        f"{size / 2**20:.1f} MB is over the {limit / 2**20:g} MB limit for "
        f"{'a file of articles' if many else 'an article file'} (setting {setting})",
    )


def _load_file(path: Path, limits: Limits | None) -> Iterator[RawArticle | LoadFailure]:
    where = str(path)
    suffix = path.suffix.lower()
    try:
        if too_big := _too_big(path, suffix, limits):
            yield too_big
            return
        if suffix in PDF_SUFFIXES:
            yield load_pdf(path)
            return
        if suffix in DOCX_SUFFIXES:
            yield load_docx(path, _docx_unpacked(limits))
            return
        data = path.read_bytes()
    except OSError as e:
        yield LoadFailure(where, f"cannot read file: {e.strerror or e}")
        return
    if suffix in HTML_SUFFIXES:
        if not data.strip():
            yield LoadFailure(where, "empty file")
        elif b"\x00" in data:
            yield LoadFailure(where, "binary file (contains NUL bytes), not HTML")
        else:
            yield load_html(where, data)
        return
    if suffix in FEED_SUFFIXES or (suffix not in TEXT_SUFFIXES | MARKDOWN_SUFFIXES and looks_like_feed(data)):
        if not data.strip():
            yield LoadFailure(where, "empty file")
        else:
            yield from load_feed(where, data)
        return
    known = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES
    if suffix not in known:
        yield LoadFailure(where, f"unsupported file type {suffix or '(no extension)'!r}")
        return
    text, why = decode(data)
    if text is None:
        yield LoadFailure(where, why or "unreadable file")
    elif suffix in JSON_SUFFIXES:
        yield from load_json(path, text)
    elif suffix in JSONL_SUFFIXES:
        yield from load_jsonl(path, text)
    else:
        yield load_plain(path, text, markdown=suffix in MARKDOWN_SUFFIXES)


def _walk(folder: Path) -> list[Path | LoadFailure]:
    """Files under a folder, recursively, in a stable order; hidden files/folders and manifests skipped.
    Linked folders are followed once: a link back into a folder being walked, or a link to nothing, is a
    failure naming it rather than an endless walk or a silent gap."""
    found: list[tuple[str, Path | LoadFailure]] = []

    def visit(real: Path, shown: Path, ancestors: frozenset[Path]) -> None:
        for entry in sorted(real.iterdir()):
            if entry.name.startswith("."):
                continue
            path = shown / entry.name
            rel = path.relative_to(folder).as_posix()
            if entry.is_dir():
                target = entry.resolve()
                if target in ancestors:
                    found.append(
                        (rel, LoadFailure(str(path), f"symlink loop (links back to {target}), not followed"))
                    )
                else:
                    visit(target, path, ancestors | {target})
            elif entry.is_file():
                if entry.name.lower() != MANIFEST_NAME:
                    found.append((rel, path))
            elif entry.is_symlink():
                found.append((rel, LoadFailure(str(path), f"broken symlink (to {entry.readlink()})")))

    root = folder.resolve()
    visit(root, folder, frozenset({root}))
    return [p for _, p in sorted(found, key=lambda item: item[0])]


def load_paths(
    paths: Iterable[str | Path],
    *,
    allow_network: bool = True,
    limits: Limits | None = None,
    allow_hosts: Iterable[str] = (),
) -> Iterator[RawArticle | LoadFailure]:
    """Yield one `RawArticle` per article found and one `LoadFailure` per unreadable or oversized input, in
    input order (folders sorted). Never raises for bad input; metadata from a manifest is applied by
    `apply_metadata`. URLs are fetched under the fetch policy, `allow_hosts` exempt from it."""
    for item in paths:
        s = str(item)
        if re.match(r"(?i)^https?://", s):
            yield from _load_url(s, allow_network, limits, allow_hosts)
            continue
        path = Path(item)
        try:
            if path.is_dir():
                for f in _walk(path):
                    if isinstance(f, LoadFailure):
                        yield f
                    else:
                        yield from _load_file(f, limits)
            elif path.is_file():
                yield from _load_file(path, limits)
            elif path.exists():
                yield LoadFailure(s, "not a regular file")
            else:
                yield LoadFailure(s, "file not found")
        except OSError as e:  # permission errors while walking, etc.
            yield LoadFailure(s, f"cannot read: {e.strerror or e}")
