"""The digest: what a Monday-morning schedule runs in one go. Refresh the feeds, write the weekly brief of the
last complete week, and list per saved topic what arrived since the previous digest.

Each part runs whatever became of the ones before it (a feed down must not cost the brief), and says what it
did; the report is not ok when any part failed. When the last digest ran is kept in the store
(`<collection>_digests`), beside the subscriptions and topics, so a schedule on another machine of a server
deployment carries on where this one stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from briefing.answer import Answerer
from briefing.archive import keep, previous_weekly
from briefing.brief import Brief, BriefError, Progress, build_weekly, iso_week, weekly_filename
from briefing.config import Settings
from briefing.export import save
from briefing.refresh import FeedResult, RefreshReport, refresh
from briefing.store import Store, StoreError
from briefing.topics import Matcher, SavedTopics, Topic, TopicMatch

KIND = "digests"  # the side collection's suffix
LAST = "last"  # its one record: when the last digest looked for topic news
FIRST_LOOK_BACK = timedelta(days=7)  # a first digest lists what came in over the last week


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class WeeklyPart:
    """The weekly brief's part: where it was kept and written, or why it could not be made."""

    since: date
    until: date
    kept: Path | None = None
    written: Path | None = None
    failed_sections: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed_sections


@dataclass
class DigestReport:
    """What each part did. `refresh` is None when the refresh could not run (`refresh_error` says why)."""

    refresh: RefreshReport | None = None
    refresh_error: str = ""
    weekly: WeeklyPart | None = None
    topics_since: str = ""  # the previous digest's time, or the first digest's look-back
    topics: list[tuple[Topic, list[TopicMatch]]] = field(default_factory=list)
    topics_error: str = ""

    @property
    def ok(self) -> bool:
        refreshed = self.refresh is not None and self.refresh.ok
        return refreshed and self.weekly is not None and self.weekly.ok and not self.topics_error


def weekly_part(
    store: Store,
    settings: Settings,
    today: date,
    output_dir: Path | None,
    fmt: str,
    progress: Progress | None,
) -> WeeklyPart:
    """The last complete week's brief, kept in the store's archive and written to `output_dir` when given."""
    since, until = iso_week("last", today)
    part = WeeklyPart(since, until)
    try:
        brief: Brief = build_weekly(
            settings,
            since,
            until,
            answerer=Answerer(settings, store),
            progress=progress,
            previous=previous_weekly(settings, since, until),
        )
        part.kept = keep(brief, settings)
        if output_dir is not None:
            part.written = save(brief, output_dir / weekly_filename(since, until, fmt), fmt).path
    except (BriefError, OSError) as exc:
        part.error = str(exc)
        return part
    part.failed_sections = list(brief.to_dict()["checker"]["failed_sections"])
    return part


def topic_news(settings: Settings, report: DigestReport) -> None:
    """Per saved topic, the articles stored since the previous digest that match it; then this digest is
    remembered by the latest storage time it saw and the articles stored in that second, so an article
    stored later in the same second is still listed next time, and none is listed twice."""
    store = Store(settings)  # read afresh: the listing must include what was stored since the store opened
    state = store.records(KIND)
    previous = state.get(LAST) or {}
    look_back = (datetime.now(UTC) - FIRST_LOOK_BACK).isoformat(timespec="seconds")
    through, seen = previous.get("through", look_back), set(json.loads(previous.get("seen", "[]")))
    report.topics_since = previous.get("ran_at", look_back)
    records = store.article_records()
    new = [
        r.article.id
        for r in records
        if r.ingested_at > through or (r.ingested_at == through and r.article.id not in seen)
    ]
    topics = SavedTopics(store).list()
    if topics:
        report.topics = Matcher(store, settings).news(topics, new) if new else [(t, []) for t in topics]
    latest = max((r.ingested_at for r in records), default=through)
    at_latest = sorted(r.article.id for r in records if r.ingested_at == latest)
    state.put(LAST, {"ran_at": _now(), "through": latest, "seen": json.dumps(at_latest)})


def digest(
    settings: Settings,
    *,
    output_dir: Path | None = None,
    fmt: str = "md",
    today: date | None = None,
    on_feed: Callable[[FeedResult], None] | None = None,
    progress: Progress | None = None,
) -> DigestReport:
    """Refresh, the weekly brief of the last complete week, and the topic news, each part reported; only a
    store that cannot be opened at all raises (StoreError)."""
    store = Store(settings)
    report = DigestReport()
    try:
        report.refresh = refresh(settings, store=store, on_feed=on_feed)
    except StoreError as exc:
        report.refresh_error = str(exc)
    report.weekly = weekly_part(store, settings, today or date.today(), output_dir, fmt, progress)
    try:
        topic_news(settings, report)
    except StoreError as exc:
        report.topics_error = str(exc)
    return report
