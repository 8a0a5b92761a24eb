"""Read articles from files, folders, feeds and URLs into `RawArticle`s, and report every unreadable input
as one `LoadFailure` instead of raising: an analyst's pile of files always has a few bad ones, and one bad
file must not stop the other hundred from loading.

Formats: .txt/.text, .md/.markdown, .html/.htm/.xhtml (trafilatura), .pdf (pypdf), .docx (python-docx),
.json (one record, a list of records, or {"articles": [...]}), .jsonl/.ndjson (one record per line),
RSS/Atom (.xml/.rss/.atom, or any file whose content is a feed; feedparser), and http(s) URLs (an HTML
page or a feed).

Where a failure or article comes from: `path` is the file or URL; a record inside a file adds a suffix:
``<file>:line N`` (JSON lines), ``<file>:record N`` (JSON list), ``<file>:entry N`` (feed); N is 1-based.
"""

from briefing.loaders.common import (
    DOCX_SUFFIXES,
    FEED_SUFFIXES,
    FETCH_TIMEOUT,
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    JSONL_SUFFIXES,
    MANIFEST_NAME,
    MARKDOWN_SUFFIXES,
    NO_ENTRIES,
    PDF_SUFFIXES,
    TEXT_SUFFIXES,
    parse_date,
)
from briefing.loaders.documents import load_html
from briefing.loaders.manifest import ManifestRow, apply_metadata, find_row, read_manifest, write_manifest
from briefing.loaders.paths import Limits, load_paths
from briefing.loaders.records import load_feed

__all__ = [
    "DOCX_SUFFIXES",
    "FEED_SUFFIXES",
    "FETCH_TIMEOUT",
    "HTML_SUFFIXES",
    "JSONL_SUFFIXES",
    "JSON_SUFFIXES",
    "MANIFEST_NAME",
    "MARKDOWN_SUFFIXES",
    "NO_ENTRIES",
    "PDF_SUFFIXES",
    "TEXT_SUFFIXES",
    "Limits",
    "ManifestRow",
    "apply_metadata",
    "find_row",
    "load_feed",
    "load_html",
    "load_paths",
    "parse_date",
    "read_manifest",
    "write_manifest",
]
