"""The Briefs page's work: a topic or weekly brief drafted, kept in the archive, and its progress shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from briefing.answer import Answerer
from briefing.archive import keep
from briefing.brief import Brief, BriefError, ProgressEvent, build_brief, build_weekly
from briefing.config import Settings

DEFAULT_TEMPLATE = "standard"  # build_brief's own default


def progress_step(event: ProgressEvent) -> tuple[float, str]:
    """Progress-bar position and caption for a brief's section event."""
    done = event.index - (event.status == "drafting")
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
) -> tuple[Brief, Path]:
    """Build a topic or weekly brief and keep it (Markdown plus its audit record) in the store's briefs
    folder, where the Briefs page and `briefing briefs` list it later."""
    since = window[0] if window else None
    until = window[1] if len(window) > 1 else None
    if weekly:
        if not (since and until):
            raise BriefError("a weekly brief needs a start and an end date")
        brief = build_weekly(settings, since, until, strict=strict, answerer=answerer, progress=progress)
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
        )
    return brief, keep(brief, settings)
