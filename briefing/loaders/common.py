"""Dates, decoding and the small checks every reader shares; the suffixes each reader takes."""

from __future__ import annotations

import email.utils
import html as html_lib
import re
import time
import unicodedata
from datetime import date, datetime
from typing import Any

from briefing.clean import normalize_chars

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
TITLE_KEYS = ("title", "headline")
BODY_KEYS = ("body", "text", "content", "article")
SOURCE_KEYS = ("source", "outlet", "site", "sitename", "publisher")
DATE_KEYS = ("published", "published_at", "date", "pubDate", "publishedAt")
URL_KEYS = ("url", "link")
LIST_KEYS = ("articles", "items", "records", "data", "results")
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


def one_line(s: Any) -> str | None:
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


def decode(data: bytes) -> tuple[str | None, str | None]:
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


def html_fragment_to_text(fragment: str) -> str:
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


def looks_like_html(s: str) -> bool:
    return bool(re.search(r"<(?:p|div|br|span|a|em|strong|h[1-6]|ul|li|img)\b[^>]*>", s[:5000], re.I))


def looks_like_feed(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def same_title(a: str | None, b: str | None) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[\W_]+", " ", normalize_chars(s).casefold()).strip()

    return a is not None and b is not None and norm(a) == norm(b)
