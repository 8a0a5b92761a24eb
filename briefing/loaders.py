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

from __future__ import annotations

import csv
import email.utils
import html as html_lib
import io
import json
import logging
import re
import time
import unicodedata
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from briefing.clean import is_boilerplate, normalize_chars
from briefing.models import LoadFailure, RawArticle

__all__ = [
    "ManifestRow",
    "load_paths",
    "read_manifest",
    "apply_metadata",
    "find_row",
    "parse_date",
    "FETCH_TIMEOUT",
    "Limits",
    "load_feed",
    "NO_ENTRIES",
    "load_html",
]

FETCH_TIMEOUT = 10.0  # seconds; a briefing run should not hang on one slow site
MAX_FETCH_BYTES = 20_000_000
MANIFEST_NAME = "manifest.csv"
NO_ENTRIES = "feed has no entries"  # a failure for a file given to ingest; a quiet day for a subscription
MIN_HTML_WORDS = 10  # below this, what trafilatura found on a page is navigation residue, not an article

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx"}

# Field aliases for JSON records, in order of preference.
_TITLE_KEYS = ("title", "headline")
_BODY_KEYS = ("body", "text", "content", "article")
_SOURCE_KEYS = ("source", "outlet", "site", "sitename", "publisher")
_DATE_KEYS = ("published", "published_at", "date", "pubDate", "publishedAt")
_URL_KEYS = ("url", "link")
_LIST_KEYS = ("articles", "items", "records", "data", "results")


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------

try:  # dateutil reads almost any human date; it is present with trafilatura/htmldate but optional here
    from dateutil import parser as _dateutil_parser
except ImportError:  # pragma: no cover - depends on the environment
    _dateutil_parser = None

_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%Y/%m/%d", "%Y.%m.%d")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _plausible(d: date) -> date | None:
    return d if 1800 <= d.year <= 2200 else None


def parse_date(value: Any) -> date | None:
    """A publication date from whatever a format carries (ISO text, RFC 822, 'May 22, 2019', a datetime,
    a time.struct_time). Unreadable or implausible dates give None: a missing date is not a load failure."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _plausible(value.date())
    if isinstance(value, date):
        return _plausible(value)
    if isinstance(value, time.struct_time):
        try:
            return _plausible(date(value.tm_year, value.tm_mon, value.tm_mday))
        except ValueError:
            return None
    if not isinstance(value, str):
        return None
    s = value.strip()
    if not s:
        return None
    if _ISO_DATE.match(s):
        try:
            return _plausible(date.fromisoformat(s[:10]))
        except ValueError:
            return None
    try:
        return _plausible(email.utils.parsedate_to_datetime(s).date())
    except (TypeError, ValueError, IndexError):
        pass
    if _dateutil_parser is not None:
        try:
            # A default far in the past exposes strings without a year instead of silently using this year.
            d = _dateutil_parser.parse(s, default=datetime(1, 1, 1)).date()
            return _plausible(d)
        except (ValueError, OverflowError, TypeError):
            return None
    for fmt in _DATE_FORMATS:
        try:
            return _plausible(datetime.strptime(s, fmt).date())
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _one_line(s: Any) -> str | None:
    """Titles and outlet names: normalised characters, single spaces; empty -> None."""
    if not isinstance(s, str):
        return None
    s = " ".join(normalize_chars(s).split())
    return s or None


def _looks_like_text(t: str) -> bool:
    """Guard for the cp1252 fallback: random bytes decode as cp1252 too, but come out full of control
    characters and non-ASCII symbols; real Latin-1-ish prose is mostly ASCII."""
    if not t:
        return False
    controls = sum(1 for c in t if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    non_ascii = sum(1 for c in t if ord(c) > 127)
    return controls == 0 and non_ascii <= 0.3 * len(t)


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """Bytes -> (text, None) or (None, reason). UTF-8 (with or without BOM), UTF-16 with BOM, then cp1252
    only when the result looks like text."""
    if not data.strip():
        return None, "empty file"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, "undecodable text: UTF-16 byte-order mark but invalid UTF-16"
    elif b"\x00" in data:
        return None, "binary file (contains NUL bytes), not text"
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = ""
            if not _looks_like_text(text):
                return None, (
                    f"undecodable or binary file: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset "
                    f"{e.start}) and not plausible cp1252 text"
                )
    if not text.strip():
        return None, "empty file"
    controls = sum(1 for c in text[:100_000] if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if controls > 0.01 * min(len(text), 100_000):
        return None, "binary file (many control characters), not text"
    return text, None


def _html_fragment_to_text(fragment: str) -> str:
    """HTML snippet (feed summary, JSON body) -> plain text with paragraph breaks; scripts dropped."""
    if "<" not in fragment:
        return html_lib.unescape(fragment)
    try:
        import lxml.html

        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        for bad in root.xpath("//script|//style|//noscript"):
            bad.drop_tree()
        for br in root.iter("br"):
            br.tail = "\n" + (br.tail or "")
        for el in root.iter(
            "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "figcaption", "pre"
        ):
            el.tail = "\n\n" + (el.tail or "")
        text = root.text_content()
    except Exception:  # lxml rejects some fragments; a tag-stripping regex is good enough then
        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()


def _looks_like_html(s: str) -> bool:
    return bool(re.search(r"<(?:p|div|br|span|a|em|strong|h[1-6]|ul|li|img)\b[^>]*>", s[:5000], re.I))


def _looks_like_feed(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _same_title(a: str | None, b: str | None) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[\W_]+", " ", normalize_chars(s).casefold()).strip()

    return a is not None and b is not None and norm(a) == norm(b)


# --------------------------------------------------------------------------------------------------
# Plain text and markdown
# --------------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def _markdown_to_text(md: str) -> str:
    """Light markdown -> text: markup characters would otherwise end up in sentences and citations."""
    md = re.sub(r"(?m)^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", r"\1", md)  # headings
    md = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", md)  # images
    md = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)  # links
    md = re.sub(r"(\*\*|__)(\S(?:.*?\S)?)\1", r"\2", md)  # bold
    md = re.sub(r"(?m)^ {0,3}>[ \t]?", "", md)  # block quotes
    md = re.sub(r"(?m)^ {0,3}(?:[-*_][ \t]*){3,}$", "", md)  # rules
    md = re.sub(r"(?m)^([ \t]*)[*+][ \t]+", r"\1- ", md)  # bullets
    return md


def _load_plain(path: Path, text: str, *, markdown: bool) -> RawArticle | LoadFailure:
    """Title = first non-empty line (skipping share-bar/icon residue); that line is removed from the body
    so the headline is not indexed twice. `apply_metadata` puts it back if a manifest names another title."""
    meta: dict[str, str] = {}
    if markdown:
        fm = _FRONT_MATTER.match(text)
        if fm:
            for line in fm.group(1).splitlines():
                key, sep, value = line.partition(":")
                if sep:
                    meta[key.strip().lower()] = value.strip().strip("\"'")
            text = text[fm.end() :]
        text = _markdown_to_text(text)
    lines = text.splitlines()
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonempty:
        return LoadFailure(str(path), "empty file (no text)")
    title_idx = next((i for i in nonempty if not is_boilerplate(lines[i])), nonempty[0])
    title = _one_line(meta.get("title"))
    body = text
    if title is None and len(nonempty) > 1:
        title = _one_line(lines[title_idx])
        body = "\n".join(lines[:title_idx] + lines[title_idx + 1 :])
    return RawArticle(
        text=body.strip("\n"),
        path=str(path),
        title=title,
        source=_one_line(meta.get("source") or meta.get("outlet")),
        published=parse_date(meta.get("published") or meta.get("date")),
        url=meta.get("url") or None,
    )


# --------------------------------------------------------------------------------------------------
# HTML, PDF, DOCX
# --------------------------------------------------------------------------------------------------


def load_html(where: str, data: bytes | str, url: str | None = None) -> RawArticle | LoadFailure:
    """Main text and metadata by trafilatura: navigation, scripts, footers and comments are dropped."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            data, url=url, with_metadata=True, include_comments=False, include_images=False
        )
    except Exception as e:  # trafilatura/lxml raise various errors on broken markup
        return LoadFailure(where, f"malformed HTML: {e}")
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        return LoadFailure(where, "no article text found in the HTML page")
    title = _one_line(doc.title)
    paras = [p for p in text.split("\n") if p.strip()]
    if paras and _same_title(paras[0], title):
        paras = paras[1:]  # headline repeated as the first paragraph
    words = sum(len(p.split()) for p in paras)
    if words < MIN_HTML_WORDS:  # a menu label or cookie line is what the fallback extractors find then
        return LoadFailure(where, f"no article text found in the HTML page (only {words} words extracted)")
    return RawArticle(
        text="\n\n".join(paras),  # trafilatura gives one paragraph per line
        path=where,
        title=title,
        source=_one_line(doc.sitename) or _one_line(doc.hostname),
        published=parse_date(doc.date),
        url=doc.url or url,
    )


def _reflow_pdf_text(text: str) -> str:
    """pypdf returns one line per printed line; rejoin them into paragraphs. A line ends a paragraph when
    it is followed by a blank line, stops well short of the column width (last line of a paragraph, or a
    heading), or ends a sentence and is visibly shorter than the column."""
    lines = [ln.rstrip() for ln in text.split("\n")]
    lengths = sorted(len(ln) for ln in lines if ln.strip())
    if not lengths:
        return ""
    width = lengths[round(0.9 * (len(lengths) - 1))]
    paras: list[str] = []
    cur = ""
    for ln in lines:
        s = ln.strip()
        if not s:
            if cur:
                paras.append(cur)
                cur = ""
            continue
        if not cur:
            cur = s
        elif cur.endswith("-") and s[:1].islower():
            cur += s
        else:
            cur += " " + s
        short = len(ln) < 0.6 * width  # a paragraph's last line (or a heading) stops short of the margin
        if short or (re.search(r"""[.!?:"')]$""", s) and len(ln) < 0.85 * width):
            paras.append(cur)
            cur = ""
    if cur:
        paras.append(cur)
    return "\n\n".join(paras)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pypdf_messages() -> Iterator[list[str]]:
    """pypdf's own warnings ("Ignoring wrong pointing object") collected for the file's report instead of
    reaching stderr as bare lines with no file named."""
    logger, handler = logging.getLogger("pypdf"), _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield handler.messages
        handler.messages += [str(w.message) for w in caught]
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _load_pdf(path: Path) -> RawArticle | LoadFailure:
    from pypdf import PdfReader

    where = str(path)
    with path.open("rb") as f:
        if b"%PDF-" not in f.read(1024):
            return LoadFailure(where, "not a PDF (no PDF header; is it another kind of file named .pdf?)")
    with _pypdf_messages() as said:
        try:
            reader = PdfReader(str(path))
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception:
                    return LoadFailure(where, "encrypted PDF (password required)")
            pages = []
            for page in reader.pages:
                pages.append(_reflow_pdf_text(page.extract_text() or ""))
            meta = reader.metadata
        except Exception as e:  # pypdf raises many types for truncated or corrupt files
            return LoadFailure(where, f"malformed or truncated PDF: {e or type(e).__name__}")
    notes = tuple(dict.fromkeys(f"pypdf: {m}" for m in said))
    text = "\n\n".join(p for p in pages if p.strip())
    if not text.strip():
        return LoadFailure(where, "PDF has no extractable text (scanned images?)")
    title = _one_line(getattr(meta, "title", None)) if meta else None
    if title and (
        re.search(r"\.(docx?|pdf|odt|rtf)$", title, re.I) or title.lower() in {"untitled", "title"}
    ):
        title = None  # a file name left by the authoring tool, not a headline
    first, _, rest = text.partition("\n\n")
    if rest.strip() and (title is None and len(first.split()) <= 30 or _same_title(first, title)):
        title, text = title or _one_line(first), rest
    return RawArticle(text=text, path=where, title=title, notes=notes)


def _load_docx(path: Path) -> RawArticle | LoadFailure:
    import docx

    where = str(path)
    try:
        document = docx.Document(str(path))
    except Exception as e:
        return LoadFailure(where, f"malformed Word document: {e or type(e).__name__}")
    paras = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    if not paras:
        return LoadFailure(where, "Word document has no text")
    title = _one_line(document.core_properties.title)
    if title is None and len(paras) > 1:
        title, paras = _one_line(paras[0]), paras[1:]
    return RawArticle(text="\n\n".join(paras), path=where, title=title)  # created date is not publication


# --------------------------------------------------------------------------------------------------
# JSON records
# --------------------------------------------------------------------------------------------------


def _first(rec: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for k in keys:
        v = rec.get(k)
        if v not in (None, "", [], {}):
            return v
    return None


def _record_to_article(rec: Any, where: str) -> RawArticle | LoadFailure:
    if not isinstance(rec, dict):
        return LoadFailure(where, f"expected a JSON object, got {type(rec).__name__}")
    body = _first(rec, _BODY_KEYS)
    if not isinstance(body, str) or not body.strip():
        return LoadFailure(
            where, "record has no body (expected a non-empty 'body', 'text' or 'content' field)"
        )
    if _looks_like_html(body):
        body = _html_fragment_to_text(body)
    source = _first(rec, _SOURCE_KEYS)
    if isinstance(source, dict):  # NewsAPI style {"id": ..., "name": ...}
        source = source.get("name") or source.get("title")
    url = _first(rec, _URL_KEYS)
    return RawArticle(
        text=body.strip(),
        path=where,
        title=_one_line(_first(rec, _TITLE_KEYS)),
        source=_one_line(source),
        published=parse_date(_first(rec, _DATE_KEYS)),
        url=url if isinstance(url, str) and url.strip() else None,
    )


def _load_json(path: Path, text: str) -> Iterator[RawArticle | LoadFailure]:
    where = str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        yield LoadFailure(where, f"malformed or truncated JSON: {e.msg} at line {e.lineno} column {e.colno}")
        return
    if isinstance(data, dict):
        if _first(data, _BODY_KEYS) is None:
            inner = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
            if inner is not None:
                data = inner
        if isinstance(data, dict):
            yield _record_to_article(data, where)
            return
    if not isinstance(data, list):
        yield LoadFailure(where, f"expected a JSON object or a list of objects, got {type(data).__name__}")
        return
    if not data:
        yield LoadFailure(where, "JSON file holds no records")
        return
    for i, rec in enumerate(data, 1):
        yield _record_to_article(rec, f"{where}:record {i}")


def _load_jsonl(path: Path, text: str) -> Iterator[RawArticle | LoadFailure]:
    where = str(path)
    seen = False
    # split("\n"), not splitlines(): JSON strings may legally hold U+2028 and friends.
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        seen = True
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            yield LoadFailure(f"{where}:line {n}", f"malformed JSON: {e.msg} at column {e.colno}")
            continue
        yield _record_to_article(rec, f"{where}:line {n}")
    if not seen:
        yield LoadFailure(where, "empty file (no JSON lines)")


# --------------------------------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------------------------------


def _entry_text(entry: Any) -> str:
    parts = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    best = max(parts, key=len) if parts else entry.get("summary", "")
    return _html_fragment_to_text(best or "")


def load_feed(where: str, data: bytes) -> Iterator[RawArticle | LoadFailure]:
    """Each entry becomes an article; the feed's title is the outlet."""
    import feedparser

    parsed = feedparser.parse(data)
    entries = parsed.get("entries", [])
    if not parsed.get("version") and not entries:
        why = parsed.get("bozo_exception")
        yield LoadFailure(where, "not an RSS/Atom feed" + (f" ({why})" if why else ""))
        return
    if parsed.get("bozo") and not isinstance(
        parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
    ):
        # Lenient parsing recovered entries from a broken feed: keep them, say the file is damaged, and drop
        # the last entry of a cut-off file, whose text may stop mid-sentence.
        note = ""
        if entries and not re.search(rb"</(?:rss|feed|rdf:RDF)>\s*$", data[-200:]):
            entries = entries[:-1]
            note = "; the last entry was dropped as possibly incomplete"
        yield LoadFailure(
            where,
            f"malformed or truncated feed ({parsed.get('bozo_exception')}); "
            f"entries recovered: {len(entries)}{note}",
        )
    elif not entries:
        yield LoadFailure(where, NO_ENTRIES)
    outlet = _one_line(parsed.feed.get("title"))
    for i, e in enumerate(entries, 1):
        ewhere = f"{where}:entry {i}"
        text = _entry_text(e)
        if not text.strip():
            yield LoadFailure(ewhere, "feed entry has no text (no content or summary)")
            continue
        yield RawArticle(
            text=text,
            path=ewhere,
            title=_one_line(e.get("title")),
            source=outlet,
            published=parse_date(e.get("published_parsed") or e.get("updated_parsed"))
            or parse_date(e.get("published") or e.get("updated")),
            url=e.get("link") or None,
        )


# --------------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------------


def _load_url(url: str, allow_network: bool) -> Iterator[RawArticle | LoadFailure]:
    if not allow_network:
        yield LoadFailure(url, "could not fetch URL: network access is disabled")
        return
    req = urllib.request.Request(url, headers={"User-Agent": "briefing/0.1 (+news ingestion)"})
    try:
        with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT) as resp:
            data = resp.read(MAX_FETCH_BYTES)
            ctype = resp.headers.get("Content-Type", "")
            final_url = resp.geturl()
    except urllib.error.HTTPError as e:
        yield LoadFailure(url, f"could not fetch URL: HTTP {e.code} {e.reason}")
        return
    except urllib.error.URLError as e:
        yield LoadFailure(url, f"could not fetch URL: {e.reason}")
        return
    except (OSError, ValueError) as e:  # timeouts, resets, malformed URLs
        yield LoadFailure(url, f"could not fetch URL: {e or type(e).__name__}")
        return
    if not data.strip():
        yield LoadFailure(url, "could not fetch URL: empty response")
    elif re.search(r"(rss|atom|xml)", ctype, re.I) or _looks_like_feed(data):
        yield from load_feed(url, data)
    elif "pdf" in ctype.lower():
        yield LoadFailure(url, "unsupported content at URL: PDF (download it and load the file)")
    else:
        yield load_html(url, data, url=final_url)


# --------------------------------------------------------------------------------------------------
# Files and folders
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Largest files read, in bytes: a file holding one article, and one holding many (JSON, JSON Lines,
    feeds). Checked before a file is read, so a 5 GB mistake costs nothing. Ingest takes them from the
    settings (`max_file_mb`, `max_collection_mb`)."""

    article_file: int
    collection_file: int


def _too_big(path: Path, suffix: str, limits: Limits | None) -> LoadFailure | None:
    if limits is None:
        return None
    many = suffix in JSON_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES
    limit = limits.collection_file if many else limits.article_file
    size = path.stat().st_size
    if size <= limit:
        return None
    setting = "max_collection_mb" if many else "max_file_mb"
    return LoadFailure(str(path), f"{size / 2**20:.1f} MB is over the {limit / 2**20:g} MB limit for "
                                  f"{'a file of articles' if many else 'an article file'} (setting {setting})")


def _load_file(path: Path, limits: Limits | None) -> Iterator[RawArticle | LoadFailure]:
    where = str(path)
    suffix = path.suffix.lower()
    try:
        if too_big := _too_big(path, suffix, limits):
            yield too_big
            return
        if suffix in PDF_SUFFIXES:
            yield _load_pdf(path)
            return
        if suffix in DOCX_SUFFIXES:
            yield _load_docx(path)
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
    if suffix in FEED_SUFFIXES or (
        suffix not in TEXT_SUFFIXES | MARKDOWN_SUFFIXES and _looks_like_feed(data)
    ):
        if not data.strip():
            yield LoadFailure(where, "empty file")
        else:
            yield from load_feed(where, data)
        return
    known = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES
    if suffix not in known:
        yield LoadFailure(where, f"unsupported file type {suffix or '(no extension)'!r}")
        return
    text, why = _decode(data)
    if text is None:
        yield LoadFailure(where, why or "unreadable file")
    elif suffix in JSON_SUFFIXES:
        yield from _load_json(path, text)
    elif suffix in JSONL_SUFFIXES:
        yield from _load_jsonl(path, text)
    else:
        yield _load_plain(path, text, markdown=suffix in MARKDOWN_SUFFIXES)


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
                    found.append((rel, LoadFailure(str(path), f"symlink loop (links back to {target}), not followed")))
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
    paths: Iterable[str | Path], *, allow_network: bool = True, limits: Limits | None = None
) -> Iterator[RawArticle | LoadFailure]:
    """Yield one `RawArticle` per article found and one `LoadFailure` per unreadable or oversized input, in
    input order (folders sorted). Never raises for bad input; metadata from a manifest is applied by
    `apply_metadata`."""
    for item in paths:
        s = str(item)
        if re.match(r"(?i)^https?://", s):
            yield from _load_url(s, allow_network)
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


# --------------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestRow:
    """One manifest line: metadata a user supplies for a file, which wins over what the file suggests."""

    file: str
    title: str | None = None
    source: str | None = None
    published: date | None = None
    url: str | None = None


def _manifest_key(name: str) -> str:
    key = Path(name.strip()).as_posix()
    return key[2:] if key.startswith("./") else key


def read_manifest(path: str | Path) -> tuple[dict[str, ManifestRow], list[LoadFailure]]:
    """Read a CSV with columns file,title,source,published (url optional; header case-insensitive).

    Keys are file paths relative to the manifest's folder, as written. Each bad row is a failure named
    ``<manifest>:row N`` where N is the spreadsheet row (the header is row 1). A row with an unreadable
    date is kept without its date (the title and outlet are still useful) and reported; a row naming a
    missing file is reported and dropped.
    """
    path = Path(path)
    where = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, [LoadFailure(where, "manifest not found")]
    except OSError as e:
        return {}, [LoadFailure(where, f"cannot read manifest: {e.strerror or e}")]
    text, why = _decode(data)
    if text is None:
        return {}, [LoadFailure(where, f"unreadable manifest: {why}")]
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    except csv.Error as e:
        return {}, [LoadFailure(where, f"malformed CSV: {e}")]
    if "file" not in fields:
        return {}, [
            LoadFailure(where, f"manifest has no 'file' column (columns: {', '.join(fields) or 'none'})")
        ]
    reader.fieldnames = fields
    rows: dict[str, ManifestRow] = {}
    failures: list[LoadFailure] = []
    folder = path.parent
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            failures.append(LoadFailure(f"{where}:row {reader.line_num}", f"malformed CSV row: {e}"))
            continue
        rwhere = f"{where}:row {reader.line_num}"

        def cell(name: str, raw: dict[str, Any] = raw) -> str:
            v = raw.get(name)
            return v.strip() if isinstance(v, str) else ""

        name = cell("file")
        if not name:
            if any(cell(f) for f in fields):
                failures.append(LoadFailure(rwhere, "row has no file name"))
            continue
        key = _manifest_key(name)
        if not (folder / key).is_file():
            failures.append(LoadFailure(rwhere, f"row names a missing file: {name}"))
            continue
        if key in rows:
            failures.append(LoadFailure(rwhere, f"duplicate row for {name}; the first one is used"))
            continue
        published = parse_date(cell("published")) if cell("published") else None
        if cell("published") and published is None:
            failures.append(
                LoadFailure(rwhere, f"bad date {cell('published')!r} for {name} (expected e.g. 2019-05-22)")
            )
        rows[key] = ManifestRow(
            file=key,
            title=_one_line(cell("title")),
            source=_one_line(cell("source")),
            published=published,
            url=cell("url") or None,
        )
    return rows, failures


def find_row(
    rows: Mapping[str, ManifestRow], manifest: str | Path, article_path: str
) -> ManifestRow | LoadFailure | None:
    """The manifest row for a loaded file: the row naming its path relative to the manifest's folder
    (paths are resolved, so 'seeds/x.txt' and '/abs/seeds/x.txt' both match). A file elsewhere that only
    shares a row's file name is a failure naming both files: it may be another article altogether, and
    giving it that row's title, outlet and date would mislabel it silently."""
    folder = Path(manifest).resolve().parent
    path = Path(article_path).resolve()
    try:
        return rows.get(path.relative_to(folder).as_posix())
    except ValueError:
        pass
    for key in rows:
        if Path(key).name == path.name:
            return LoadFailure(
                article_path,
                f"manifest {manifest} names {folder / key}, not this file; "
                "give the manifest this file's path relative to the manifest's folder",
            )
    return None


def _drop_headline(text: str, title: str) -> str:
    """Remove the headline line from the top of a text file, with the page furniture above it (section
    labels such as 'Trade war', share bars). Only looks at the first few lines, and only drops short
    lines above the headline, so prose is never removed."""
    lines = text.split("\n")
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()][:6]
    for rank, i in enumerate(nonempty):
        if _same_title(lines[i], title):
            if all(len(lines[j].split()) <= 30 for j in nonempty[:rank]):
                return "\n".join(lines[i + 1 :]).strip("\n")
            return "\n".join(lines[:i] + lines[i + 1 :]).strip("\n")
    return text


def apply_metadata(
    raw: RawArticle, row: ManifestRow | None, *, source: str | None, published: date | None
) -> RawArticle:
    """Fill an article's metadata: the manifest row overrides what the file suggested (the user knows
    better than a first-line guess); CLI `source`/`published` only fill what is still missing.

    For text files whose first line was taken as the title, a different manifest title means that line
    was not the headline: it is put back into the body, and the manifest's headline (with anything short
    above it) is removed from the top of the body instead.
    """
    text, title, src, pub, url = raw.text, raw.title, raw.source, raw.published, raw.url
    if row is not None:
        if row.title:
            is_text_file = Path(raw.path).suffix.lower() in TEXT_SUFFIXES | MARKDOWN_SUFFIXES
            if is_text_file and not _same_title(raw.title, row.title):
                if raw.title:
                    text = raw.title + "\n\n" + text
                text = _drop_headline(text, row.title)
            title = row.title
        src = row.source or src
        pub = row.published or pub
        url = row.url or url
    src = src or _one_line(source)
    pub = pub or published
    return replace(raw, text=text, title=title, source=src, published=pub, url=url)
