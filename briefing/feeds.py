"""Feed subscriptions: which feeds a store follows, and how each one's last refresh went.

They live in the store (`<collection>_feeds`, one record per feed), not in a local file, so every machine
using one Chroma server follows the same feeds. OPML, what feed readers import and export, moves lists in
and out; it is parsed with the standard library, and a file declaring a DTD or entities is refused
(entity expansion is how a small XML file becomes gigabytes).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from xml.parsers import expat

from briefing.store import Store

KIND = "feeds"  # the side collection's suffix


class FeedError(Exception):
    """A subscription request that cannot be done: a bad URL, an unknown feed, an unreadable OPML file."""


@dataclass(frozen=True)
class Feed:
    """One subscription and its status. Times are ISO 8601 UTC, '' when never; `etag` and `last_modified`
    are the validators the feed's server gave, sent back so an unchanged feed answers 304."""

    url: str
    name: str = ""  # the analyst's label
    tag: str = ""
    title: str = ""  # the feed's own title, learned at refresh
    last_fetched: str = ""
    last_new: str = ""  # when the last new article came in
    last_error: str = ""  # of the last fetch; '' when it went well
    last_outcome: str = ""  # the last refresh's line for this feed
    added: int = 0  # articles added over all refreshes
    etag: str = ""
    last_modified: str = ""

    @property
    def id(self) -> str:
        return feed_id(self.url)

    @property
    def label(self) -> str:
        return self.name or self.title or self.url

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, meta: dict[str, Any]) -> Feed:
        return cls(**{f.name: meta[f.name] for f in fields(cls) if f.name in meta})


def feed_id(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def check_url(url: str) -> str:
    """The URL stripped, or FeedError: only http(s) URLs with a host can be fetched."""
    url = url.strip()
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError(f"{url!r} is not a feed URL like https://example.com/rss.xml")
    return url


class Subscriptions:
    """The feeds of one store."""

    def __init__(self, store: Store):
        self.records = store.records(KIND)

    def list(self, tag: str | None = None) -> list[Feed]:
        """Feeds by label; with `tag`, only those tagged so (case-insensitive)."""
        feeds = [Feed.from_record(meta) for meta in self.records.all().values()]
        if tag is not None:
            feeds = [f for f in feeds if f.tag.casefold() == tag.casefold()]
        return sorted(feeds, key=lambda f: (f.label.casefold(), f.url))

    def add(self, url: str, name: str | None = None, tag: str | None = None) -> tuple[Feed, bool]:
        """Subscribe, or update the name and tag given of a feed already followed (its status is kept).
        Returns the feed and whether it is new."""
        url = check_url(url)
        old = self.records.get(feed_id(url))
        feed = Feed.from_record(old) if old else Feed(url)
        changes = {k: v.strip() for k, v in (("name", name), ("tag", tag)) if v is not None}
        feed = Feed(**{**feed.to_dict(), **changes})
        self.records.put(feed.id, feed.to_dict())
        return feed, old is None

    def find(self, which: str) -> Feed:
        """The feed with this URL, or else with this name (or title), case-insensitive."""
        feeds = self.list()
        hits = [f for f in feeds if f.url == which.strip()] or [
            f for f in feeds if which.strip().casefold() in (f.name.casefold(), f.title.casefold())
        ]
        if not hits:
            raise FeedError(f"no feed with URL or name {which!r}; see `briefing feeds list`")
        if len(hits) > 1:
            raise FeedError(
                f"{len(hits)} feeds are named {which!r}; give the URL: " + ", ".join(f.url for f in hits)
            )
        return hits[0]

    def remove(self, which: str) -> Feed:
        feed = self.find(which)
        self.records.delete(feed.id)
        return feed

    def save(self, feed: Feed) -> None:
        """Write a feed's status after a refresh; a feed removed meanwhile stays removed."""
        if self.records.get(feed.id) is not None:
            self.records.put(feed.id, feed.to_dict())

    def import_opml(self, path: Path) -> tuple[list[Feed], list[Feed]]:
        """Subscribe to every feed of an OPML file (all or none: the file is checked first). Returns the
        feeds added and those already followed (their name and tag updated from the file)."""
        added, known = [], []
        for listed in read_opml(path):
            feed, new = self.add(listed.url, listed.name or None, listed.tag or None)
            (added if new else known).append(feed)
        return added, known


def read_opml(path: Path) -> list[Feed]:
    """The feeds an OPML file lists: each outline with an `xmlUrl`, its tag from its `category` or else
    the folder outline it sits in. Any problem is a FeedError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        _refuse_dtd(data, path)
        root = ET.fromstring(data)
    except (ET.ParseError, expat.ExpatError) as exc:
        raise FeedError(f"{path}: not valid OPML: malformed XML ({exc})") from None
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise FeedError(f"{path}: not an OPML file (root <{root.tag}>, expected <opml> with a <body>)")
    feeds: list[Feed] = []

    def walk(parent: ET.Element, folder: str) -> None:
        for outline in parent.findall("outline"):
            text = (outline.get("title") or outline.get("text") or "").strip()
            url = (outline.get("xmlUrl") or "").strip()
            if not url:
                walk(outline, text or folder)
                continue
            try:
                url = check_url(url)
            except FeedError as exc:
                raise FeedError(f"{path}: outline {text or url!r}: {exc}") from None
            category = (outline.get("category") or "").split(",")[0].strip().strip("/")
            feeds.append(Feed(url, name="" if text == url else text, tag=category or folder))

    walk(body, "")
    return feeds


def _refuse_dtd(data: bytes, path: Path) -> None:
    """Raise FeedError if the XML declares a DTD or entities; expat reads the declarations, so a DTD
    hidden by an encoding (UTF-16) is found as well."""
    parser = expat.ParserCreate()

    def refuse(*_: Any) -> None:
        raise FeedError(f"{path}: not accepted: OPML with a DTD or entity declarations")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.Parse(data, True)


def export_opml(feeds: list[Feed]) -> str:
    """OPML 2.0 listing the feeds, each with its name and its tag as `category`."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = "briefing feeds"
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(opml, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.label, "title": feed.label, "xmlUrl": feed.url}
        if feed.tag:
            attrs["category"] = feed.tag
        ET.SubElement(body, "outline", attrs)
    ET.indent(opml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"
