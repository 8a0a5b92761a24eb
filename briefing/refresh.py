"""Refresh: fetch every subscribed feed and put what is new through the normal ingest.

An unchanged feed costs one conditional request answered 304: nothing is parsed, and a refresh where
every feed says so never takes the store's write lock or loads the embedder. An entry carrying only a
summary is replaced by its linked page's article text (the HTML loader). Each feed's new articles are
committed before its status and validators (ETag, Last-Modified) are saved, so a refresh killed mid-way
asks that feed again next time and ingest's dedupe skips what was committed. One broken feed is reported
and the others still run; two refreshes of one store never run at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from itertools import zip_longest
from typing import Literal
from urllib.parse import urlparse

from briefing.config import Settings
from briefing.feeds import Feed, Subscriptions
from briefing.fetch import Fetcher, FetchError
from briefing.ingest import IngestReport, Writer, limits_of, to_article
from briefing.loaders import NO_ENTRIES, load_feed, load_html
from briefing.models import LoadFailure, RawArticle
from briefing.store import Store

SUMMARY_WORDS = 150  # an entry shorter than this, with a link, is a summary: its page holds the article
PAGE_FAILURES = 3  # pages of one feed that time out or cannot be reached before the rest wait a refresh
LOCK = "refresh.lock"


Outcome = Literal["added", "not modified", "error"]


@dataclass(frozen=True)
class FeedResult:
    """What one feed's refresh did; `feed` is its status as saved."""

    feed: Feed
    outcome: Outcome
    added: int = 0
    linked: int = 0  # of the added, near-duplicates linked to a twin (a syndicated copy)
    known: int = 0  # entries already stored
    errors: tuple[str, ...] = ()  # the feed's, or its entries'
    unread: int = 0  # older entries left unread, over feed_max_entries
    added_ids: tuple[str, ...] = ()  # the articles this refresh stored, for matching saved topics

    @property
    def ok(self) -> bool:
        return not self.errors

    def line(self) -> str:
        return f"{self.feed.label}: {self.said()}"

    def said(self) -> str:
        """What happened: 'not modified', 'added N ...', 'error: ...', or the last two."""
        parts = []
        if self.outcome == "not modified":
            parts.append("not modified")
        elif self.added or self.known or not self.errors:
            parts.append(
                f"added {self.added}"
                + (f" ({self.linked} linked to a twin)" if self.linked else "")
                + (f", {self.known} already stored" if self.known else "")
                + (f", {self.unread} older entries left unread (feed_max_entries)" if self.unread else "")
            )
        if self.errors:
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            parts.append(f"error: {self.errors[0]}{more}")
        return "; ".join(parts)


@dataclass
class RefreshReport:
    """Every feed's result, in the order fetched, for the summary line and the exit code."""

    results: list[FeedResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def added_ids(self) -> list[str]:
        """Every article this refresh stored: what saved topics are matched against."""
        return [aid for r in self.results for aid in r.added_ids]

    def summary(self) -> str:
        failed = sum(1 for r in self.results if not r.ok)
        unchanged = sum(1 for r in self.results if r.outcome == "not modified")
        return (
            f"{len(self.results)} feeds: {sum(r.added for r in self.results)} articles added "
            f"({sum(r.linked for r in self.results)} linked to a twin), "
            f"{sum(r.known for r in self.results)} entries already stored, {unchanged} not modified, "
            f"{failed} with errors"
        )


class _Intake:
    """The ingest writer, opened (write lock taken, reuse index and embedder loaded) only when a feed has
    an entry not stored yet."""

    def __init__(self, store: Store, settings: Settings, stack: contextlib.ExitStack):
        self.store, self.settings, self.stack = store, settings, stack
        self.report = IngestReport()
        self.writer: Writer | None = None

    @cached_property
    def urls(self) -> set[str]:
        """Links of stored articles: an entry linking to one is not fetched or ingested again."""
        return {r.article.url for r in self.store.article_records() if r.article.url}

    def take(self, raw: RawArticle) -> None:
        if self.writer is None:
            self.stack.enter_context(self.store.writing())
            self.writer = Writer(self.store, self.settings, self.report, lambda path, outcome: None)
        self.writer.take(to_article(raw, self.settings.max_article_words))
        if raw.url:
            self.urls.add(raw.url)

    def counts(self) -> tuple[int, int, int, int, int]:
        r = self.report
        unstored = self.writer.unstored if self.writer else 0
        return len(r.added), len(r.near_duplicates), len(r.skipped), len(r.failures), unstored

    def commit(self) -> None:
        if self.writer:
            self.writer.flush()

    def close(self) -> None:
        if self.writer:
            self.writer.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _interleaved(feeds: list[Feed]) -> list[Feed]:
    """Feeds ordered round-robin over their hosts, so the per-host pause overlaps other hosts' requests."""
    by_host: dict[str, list[Feed]] = {}
    for feed in feeds:
        by_host.setdefault(urlparse(feed.url).hostname or "", []).append(feed)
    return [f for row in zip_longest(*by_host.values()) for f in row if f is not None]


def _full_text(raw: RawArticle, fetcher: Fetcher, settings: Settings) -> RawArticle:
    """The entry with its linked page's article text in place of its summary; FetchError if the page
    cannot be had."""
    assert raw.url
    page = fetcher.get(raw.url, limits_of(settings).article_file, "max_file_mb")
    article = load_html(raw.url, page.content, url=page.url)
    if isinstance(article, LoadFailure):
        raise FetchError(article.reason, False)
    return replace(
        raw, text=article.text, title=raw.title or article.title, published=raw.published or article.published
    )


def _newest(items: list[RawArticle | LoadFailure], cap: int) -> tuple[list[RawArticle | LoadFailure], int]:
    """The feed's failures and its `cap` newest entries (dated ones newest first, then undated ones in the
    feed's order), and how many entries were left out: a feed of thousands of entries, or an outside
    publisher's flood, costs one refresh no more than `cap` pages and articles."""
    entries = [i for i in items if isinstance(i, RawArticle)]
    kept = sorted(entries, key=lambda e: (e.published is None, -(e.published or date.min).toordinal()))[:cap]
    return [i for i in items if isinstance(i, LoadFailure)] + kept, len(entries) - len(kept)


def refresh_feed(feed: Feed, fetcher: Fetcher, intake: _Intake, settings: Settings) -> FeedResult:
    """Fetch one feed, ingest its new entries and commit them; the feed's new status is in the result."""
    now = _now()
    asked = {k: v for k, v in (("If-None-Match", feed.etag), ("If-Modified-Since", feed.last_modified)) if v}
    try:
        got = fetcher.get(feed.url, limits_of(settings).collection_file, "max_collection_mb", asked)
    except FetchError as exc:
        result = FeedResult(feed, "error", errors=(str(exc),))
        status = replace(feed, last_fetched=now, last_error=str(exc), last_outcome=result.said())
        return replace(result, feed=status)
    if got.status == 304:
        result = FeedResult(feed, "not modified")
        status = replace(feed, last_fetched=now, last_error="", last_outcome=result.said())
        return replace(result, feed=status)
    before = intake.counts()
    errors: list[str] = []
    keep_validators = False  # True when asking again later could bring what failed now
    known, title, failed_pages, deferred = 0, feed.title, 0, 0
    items, unread = _newest(list(load_feed(feed.url, got.content)), settings.feed_max_entries)
    for item in items:
        if isinstance(item, LoadFailure):
            if item.path == feed.url and item.reason == NO_ENTRIES:
                continue
            errors.append(item.reason if item.path == feed.url else f"{item.path}: {item.reason}")
            keep_validators |= item.path == feed.url  # a broken feed document, not one bad entry
            continue
        title = item.source or title
        if item.url and item.url in intake.urls:
            known += 1
            continue
        if item.url and len(item.text.split()) < SUMMARY_WORDS:
            if failed_pages >= PAGE_FAILURES:  # a feed of stalling pages must not hold refresh for hours
                deferred += 1
                continue
            try:
                item = _full_text(item, fetcher, settings)
            except FetchError as exc:
                errors.append(f"{item.path}: page {item.url}: {exc}")
                keep_validators |= exc.retryable
                failed_pages += exc.retryable
                continue
        intake.take(replace(item, source=item.source or feed.name or None))
    intake.commit()
    if deferred:
        keep_validators = True
        errors.append(
            f"{deferred} more entries' pages left for the next refresh after {PAGE_FAILURES} failed"
        )
    added, linked, skipped, failed, unstored = (b - a for a, b in zip(before, intake.counts()))
    keep_validators |= unstored > 0
    errors += [
        f"{f.path}: {f.reason}" for f in intake.report.failures[len(intake.report.failures) - failed :]
    ]
    ids = tuple(a.id for a in intake.report.added[before[0] :])
    result = FeedResult(
        feed,
        "error" if errors else "added",
        added,
        linked,
        known + skipped,
        tuple(errors),
        unread=unread,
        added_ids=ids,
    )
    status = replace(
        feed,
        title=title,
        last_fetched=now,
        last_new=now if added else feed.last_new,
        added=feed.added + added,
        last_error="; ".join(errors),
        last_outcome=result.said(),
        etag=feed.etag if keep_validators else got.etag,
        last_modified=feed.last_modified if keep_validators else got.last_modified,
    )
    return replace(result, feed=status)


@contextlib.contextmanager
def _refreshing(store: Store, settings: Settings) -> Iterator[tuple[Fetcher, _Intake]]:
    """The refresh lock, an HTTP client and the lazily opened ingest writer, closed in reverse order; the
    writer finishes (indexes rebuilt once) only when the refresh did."""
    with contextlib.ExitStack() as stack:
        busy = f"another refresh is running on {store.describe()}; not starting"
        stack.enter_context(store.holding(LOCK, busy))
        fetcher = Fetcher.for_feeds(settings)
        stack.callback(fetcher.close)
        intake = _Intake(store, settings, stack)
        yield fetcher, intake
        intake.close()


def refresh(
    settings: Settings,
    *,
    tag: str | None = None,
    store: Store | None = None,
    on_feed: Callable[[FeedResult], None] | None = None,
) -> RefreshReport:
    """Refresh the subscribed feeds (those tagged `tag`), one after another; never raises for a feed's
    failure, reports it. Raises StoreBusy when another refresh of this store is running."""
    store = store or Store(settings)
    subscriptions = Subscriptions(store)
    report = RefreshReport()
    with _refreshing(store, settings) as (fetcher, intake):
        for feed in _interleaved(subscriptions.list(tag)):
            result = refresh_feed(feed, fetcher, intake, settings)
            subscriptions.save(result.feed)
            report.results.append(result)
            if on_feed:
                on_feed(result)
    return report
