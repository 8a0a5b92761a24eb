"""The Briefs page's work: a topic or weekly brief drafted, kept in the archive, and its progress shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from briefing.answer import Answerer
from briefing.archive import EarlierBrief, earlier_briefs, keep, previous_weekly
from briefing.brief import Brief, BriefError, KeptStory, ProgressEvent, StoryBook, build_brief, build_weekly
from briefing.config import Settings
from briefing.store import Store
from briefing.topics import Matcher, SavedTopics, Topic, TopicMatch

DEFAULT_TEMPLATE = "standard"  # build_brief's own default


def progress_step(event: ProgressEvent) -> tuple[float, str]:
    """Progress-bar position and caption for a brief's section event."""
    done = event.index - (event.status in ("drafting", "waiting"))
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
    pinned: Sequence[str] = (),
) -> tuple[Brief, Path]:
    """Build a topic or weekly brief (a topic brief with the passages of the notes chosen, `pinned`) and
    keep it (Markdown plus its audit record) in the store's briefs folder, where the Briefs page and
    `briefing briefs` list it later."""
    since = window[0] if window else None
    until = window[1] if len(window) > 1 else None
    if weekly:
        if not (since and until):
            raise BriefError("a weekly brief needs a start and an end date")
        brief = build_weekly(
            settings,
            since,
            until,
            strict=strict,
            answerer=answerer,
            progress=progress,
            previous=previous_weekly(settings, since, until),
        )
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
            pinned=pinned,
        )
    return brief, keep(brief, settings)


def latest_weekly(settings: Settings) -> EarlierBrief | None:
    """The newest weekly brief in the archive that can be shown (kept with its HTML)."""
    return next((b for b in earlier_briefs(settings) if b.kind == "weekly" and b.html), None)


def arrivals(settings: Settings, store: Store, since: date | None) -> list[tuple[Topic, list[TopicMatch]]]:
    """Per saved topic, the stored articles published after `since` (a brief's last day) that match it:
    what the next brief will have to say."""
    topics = SavedTopics(store).list()
    if not topics:
        return []
    matcher = Matcher(store, settings)
    after = since + timedelta(days=1) if since else None
    return [(t, matcher.matches(t, since=after)) for t in topics]


def story_weeks(settings: Settings, limit: int = 20) -> list[tuple[KeptStory, list[dict[str, object]]]]:
    """The latest kept stories, each with a table row per week (articles, outlets), for the Briefs page."""
    return [
        (
            k,
            [
                {"week": w, "articles": len(s.articles), "outlets": ", ".join(s.outlets), "title": s.title}
                for w, s in sorted(k.weeks.items(), reverse=True)
            ],
        )
        for k in StoryBook.of(settings).listing()[:limit]
    ]
