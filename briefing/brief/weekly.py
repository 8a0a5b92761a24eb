"""The weekly brief: the window's stories (stories.py), kept week to week (kept.py), ranked by coverage
and recency.

"Since last week" first (changes.py: what is new in the continuing stories, which are new, which went
quiet), an overview bullet per story (its most relevant claim), then each story from its further claims,
then what to watch: forward-looking claims from the window not stated above. A claim the last weekly brief
stated is not stated again. Every passage is checked to lie inside the window, so an article published
outside it can never be cited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from briefing.answer import Answerer
from briefing.brief.build import assemble, now, place, without_sides
from briefing.brief.changes import Changes, LastBrief, unstated
from briefing.brief.claims import Claim, claims_from, retrieve
from briefing.brief.context import Context
from briefing.brief.disagreements import find_disagreements
from briefing.brief.headline import LEAD_CLAIMS, story_headline, titles_of
from briefing.brief.kept import StoryBook
from briefing.brief.reporting import reported_by, story_outlets
from briefing.brief.results import Brief, BriefError, Progress
from briefing.brief.sections import FUTURE_CUE
from briefing.brief.stories import Story, find_stories, week_of
from briefing.brief.writing import Job, Writer
from briefing.config import Settings
from briefing.evidence import overlap
from briefing.retrieve import Filters

STORY_CLAIMS = 3  # claims per story section, after the one in the overview
WATCH_QUERIES = (
    "what happens next: scheduled votes, decisions, deadlines and meetings",
    "plans announced for next week",
    "officials expected to decide or respond",
)
WATCH_ITEMS = 4


def story_claims(ctx: Context, story: Story) -> list[Claim]:
    """The claims of the story's own passages and those roundup pages lend it, most relevant to its title
    first."""
    own = [c for aid in story.article_ids for c in ctx.store.article_chunks(aid)]
    chunks = ctx.in_window([*own, *ctx.store.get_chunks(story.borrowed)])
    return claims_from(ctx, story.title, chunks)


def iso_week(spec: str, today: date | None = None) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written like 2019-W21, or of `last` (the last complete week before
    `today`, what a Monday-morning schedule wants) or `this` (today's week, so far)."""
    relative = spec.strip().casefold()
    if relative in ("last", "this"):
        today = today or date.today()
        monday = today - timedelta(days=today.weekday() + (7 if relative == "last" else 0))
        return monday, monday + timedelta(days=6)
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", spec.strip(), re.I)
    if not m:
        raise BriefError(f"{spec!r} is not an ISO week like 2019-W21, 'last' or 'this'")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        return date.fromisocalendar(year, week, 1), date.fromisocalendar(year, week, 7)
    except ValueError as exc:
        raise BriefError(f"{spec!r}: {exc}") from None


def weekly_filename(since: date, until: date, fmt: str) -> str:
    """The file name a weekly brief gets in an output folder: its ISO week (`weekly-2026-W48.md`) when the
    window is one, so a schedule's briefs sort and never overwrite another week's; else its dates."""
    year, week, weekday = since.isocalendar()
    if weekday == 1 and until == since + timedelta(days=6):
        return f"weekly-{year}-W{week:02d}.{fmt}"
    return f"weekly-{since}-to-{until}.{fmt}"


def build_weekly(
    settings: Settings,
    since: date,
    until: date,
    *,
    max_stories: int = 6,
    strict: bool = False,
    answerer: Answerer | None = None,
    progress: Progress | None = None,
    previous: Mapping[str, Any] | None = None,
    book: StoryBook | None = None,
) -> Brief:
    """A brief of the window's news: since last week, the top stories by coverage and recency, an overview
    bullet each, each story from its own articles, then what to watch; every passage published inside the
    window. `previous` is the last weekly brief's audit record (archive.previous_weekly); the window's
    stories are filed in `book` (the store's story book unless given)."""
    if until < since:
        raise BriefError(f"the window ends ({until}) before it starts ({since})")
    started = now()
    ctx = Context.of(answerer or Answerer(settings), Filters(since, until))
    week = week_of(since, until)
    filed = (book or StoryBook.of(settings)).file_week(
        week, find_stories(ctx, since, until), settings.briefs.story_match
    )
    stories = filed[:max_stories]
    if not stories:
        raise BriefError(f"no articles published between {since} and {until}")
    last = LastBrief.of(previous)
    pool = [c for s in stories for aid in s.article_ids for c in ctx.store.article_chunks(aid)]
    found = find_disagreements(ctx.in_window(pool), ctx.store.story_of)
    per_story = [unstated(ctx, without_sides(story_claims(ctx, s), found), last) for s in stories]
    stories = [  # each headed by a checked headline, which "Since last week" names it by too
        replace(
            s,
            title=story_headline(
                ctx.model,
                titles_of(ctx.store, s.title, s.article_ids),
                [c.text for c in claims[:LEAD_CLAIMS]],
            ),
        )
        for s, claims in zip(stories, per_story)
    ]
    changes = Changes.of(week, last, filed, stories, per_story)
    leads = [claims[0] for claims in per_story if claims]
    used = [*changes.news.values(), *(c for claims in per_story for c in claims[: 1 + STORY_CLAIMS])]
    watch = [
        c
        for c in unstated(ctx, claims_from(ctx, " ".join(WATCH_QUERIES), retrieve(ctx, WATCH_QUERIES)), last)
        if FUTURE_CUE.search(c.text) and not any(overlap(c.evidence, u.evidence) for u in used)
    ][:WATCH_ITEMS]
    jobs = [
        changes.job(),
        Job(
            "overview",
            "Overview",
            "bullets",
            "The week's main stories, most covered first.",
            tuple(s.title for s in stories),
            tuple(leads),
        ),
    ]
    for i, (story, claims) in enumerate(zip(stories, per_story), start=1):
        if changes.continuing(story) and not claims[1:]:
            continue  # all it has that the last brief did not state is in "Since last week" and the overview
        jobs.append(
            Job(
                f"story-{i}",
                story.title,
                "prose",
                f"As reported by {', '.join(story.outlets)}.",
                (story.title,),
                tuple(claims[1 : 1 + STORY_CLAIMS]),
                label=f"{changes.label(story)} {reported_by(story_outlets(ctx.store, story.article_ids))}",
            )
        )
    jobs.append(
        Job(
            "watch",
            "What to watch",
            "bullets",
            "What is scheduled, expected or undecided.",
            WATCH_QUERIES,
            tuple(watch),
        )
    )
    writer = Writer(ctx, "the week's news", strict, progress)
    sections = [writer.section(job, i, len(jobs)) for i, job in enumerate(jobs, start=1)]
    changes.finish(sections[0])
    place(found, sections, sections[1])  # a note no section cites goes under the overview
    return assemble(
        ctx,
        sections,
        strict,
        kind="weekly",
        title=f"Weekly brief: {since} to {until}",
        topic=None,
        template="weekly",
        started_at=started,
        stories=changes.record(filed, {s.key for s in sections}),
    )
