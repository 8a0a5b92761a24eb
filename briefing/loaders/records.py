"""Many articles per file: JSON records, JSON lines, RSS/Atom feeds (feedparser)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from briefing.loaders.common import (
    BODY_KEYS,
    DATE_KEYS,
    LIST_KEYS,
    NO_ENTRIES,
    SOURCE_KEYS,
    TITLE_KEYS,
    URL_KEYS,
    html_fragment_to_text,
    looks_like_html,
    one_line,
    parse_date,
)
from briefing.models import LoadFailure, RawArticle

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
    body = _first(rec, BODY_KEYS)
    if not isinstance(body, str) or not body.strip():
        return LoadFailure(
            where, "record has no body (expected a non-empty 'body', 'text' or 'content' field)"
        )
    if looks_like_html(body):
        body = html_fragment_to_text(body)
    source = _first(rec, SOURCE_KEYS)
    if isinstance(source, dict):  # NewsAPI style {"id": ..., "name": ...}
        source = source.get("name") or source.get("title")
    url = _first(rec, URL_KEYS)
    return RawArticle(
        text=body.strip(),
        path=where,
        title=one_line(_first(rec, TITLE_KEYS)),
        source=one_line(source),
        published=parse_date(_first(rec, DATE_KEYS)),
        url=url if isinstance(url, str) and url.strip() else None,
    )


def load_json(path: Path, text: str) -> Iterator[RawArticle | LoadFailure]:
    where = str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        yield LoadFailure(where, f"malformed or truncated JSON: {e.msg} at line {e.lineno} column {e.colno}")
        return
    if isinstance(data, dict):
        if _first(data, BODY_KEYS) is None:
            inner = next((data[k] for k in LIST_KEYS if isinstance(data.get(k), list)), None)
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


def load_jsonl(path: Path, text: str) -> Iterator[RawArticle | LoadFailure]:
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
    return html_fragment_to_text(best or "")


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
    outlet = one_line(parsed.feed.get("title"))
    for i, e in enumerate(entries, 1):
        ewhere = f"{where}:entry {i}"
        text = _entry_text(e)
        if not text.strip():
            yield LoadFailure(ewhere, "feed entry has no text (no content or summary)")
            continue
        yield RawArticle(
            text=text,
            path=ewhere,
            title=one_line(e.get("title")),
            source=outlet,
            published=parse_date(e.get("published_parsed") or e.get("updated_parsed"))
            or parse_date(e.get("published") or e.get("updated")),
            url=e.get("link") or None,
        )
