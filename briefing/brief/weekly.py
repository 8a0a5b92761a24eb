"""The weekly brief: the window's articles clustered into stories, ranked by coverage and recency.

An overview bullet per story (its most relevant claim), then each story from its further claims, then what
to watch: forward-looking claims from the window not stated above. Every passage is checked to lie inside
the window, so an article published outside it can never be cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from briefing.answer import Answerer
from briefing.brief.build import assemble, now, place, without_sides
from briefing.brief.claims import Claim, claims_from, retrieve
from briefing.brief.context import Context
from briefing.brief.disagreements import find_disagreements
from briefing.brief.headline import LEAD_CLAIMS, story_headline, titles_of
from briefing.brief.reporting import reported_by, story_outlets
from briefing.brief.results import Brief, BriefError, Progress
from briefing.brief.sections import FUTURE_CUE
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


@dataclass(frozen=True)
class Story:
    """Articles about one event: the title of its most central article, its outlets and latest date."""

    title: str
    article_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    latest: date
    centroid: np.ndarray = field(repr=False, compare=False)


def cluster(vectors: np.ndarray, threshold: float, links: Sequence[tuple[int, int]] = ()) -> list[list[int]]:
    """Average-linkage agglomerative clustering of unit vectors: merge the two clusters with the highest
    mean cosine while it is above `threshold`. `links` are pairs that must end in one cluster (a syndicated
    copy and its twin). O(n^2) memory, fine for a week of news."""
    n = len(vectors)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in links:
        parent[find(a)] = find(b)
    merged: dict[int, list[int]] = {}
    for i in range(n):
        merged.setdefault(find(i), []).append(i)
    groups = list(merged.values())
    m = len(groups)
    membership = np.zeros((m, n))
    for g, members in enumerate(groups):
        membership[g, members] = 1.0
    total = membership @ (vectors @ vectors.T) @ membership.T  # summed similarities; mean = sum / (|a| |b|)
    sizes = membership.sum(axis=1)
    alive = np.ones(m, dtype=bool)
    while alive.sum() > 1:
        mean = total / np.outer(sizes, sizes)
        mask = np.outer(alive, alive)
        np.fill_diagonal(mask, False)
        mean[~mask] = -np.inf
        i, j = np.unravel_index(int(np.argmax(mean)), mean.shape)
        if mean[i, j] < threshold:
            break
        groups[i] += groups[j]
        sizes[i] += sizes[j]
        total[i, :] += total[j, :]
        total[:, i] += total[:, j]
        alive[j] = False
    return [groups[i] for i in range(m) if alive[i]]


def find_stories(ctx: Context, since: date, until: date) -> list[Story]:
    """The window's articles grouped into stories (`briefs.story_threshold`), ranked by distinct outlets,
    then articles, then the latest publication date."""
    records = [
        r.article
        for r in ctx.store.article_records()
        if r.article.published and since <= r.article.published <= until
    ]
    by_id = ctx.store.article_vectors([a.id for a in records])
    articles = [a for a in records if a.id in by_id]
    if not articles:
        return []
    vectors = np.stack([by_id[a.id] for a in articles])
    index = {a.id: i for i, a in enumerate(articles)}
    links = [(index[a.id], index[a.duplicate_of]) for a in articles if a.duplicate_of in index]
    stories = []
    for members in cluster(vectors, ctx.settings.briefs.story_threshold, links):
        group = [articles[i] for i in members]
        centroid = vectors[members].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        central = max(members, key=lambda i: float(vectors[i] @ centroid))
        stories.append(
            Story(
                articles[central].title,
                tuple(a.id for a in group),
                tuple(dict.fromkeys(a.source for a in group)),
                max(a.published for a in group if a.published),
                centroid,
            )
        )
    stories.sort(key=lambda s: (len(s.outlets), len(s.article_ids), s.latest), reverse=True)
    return stories


def story_claims(ctx: Context, story: Story) -> list[Claim]:
    """The claims of the story's own passages, most relevant to its title first."""
    chunks = ctx.in_window(c for aid in story.article_ids for c in ctx.store.article_chunks(aid))
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
) -> Brief:
    """A brief of the window's news: the top stories by coverage and recency, an overview bullet each,
    each story from its own articles, then what to watch; every passage published inside the window."""
    if until < since:
        raise BriefError(f"the window ends ({until}) before it starts ({since})")
    started = now()
    ctx = Context.of(answerer or Answerer(settings), Filters(since, until))
    stories = find_stories(ctx, since, until)[:max_stories]
    if not stories:
        raise BriefError(f"no articles published between {since} and {until}")
    pool = [c for s in stories for aid in s.article_ids for c in ctx.store.article_chunks(aid)]
    found = find_disagreements(ctx.in_window(pool), ctx.store.story_of)
    per_story = [without_sides(story_claims(ctx, s), found) for s in stories]
    heads = [
        story_headline(
            ctx.model, titles_of(ctx.store, s.title, s.article_ids), [c.text for c in claims[:LEAD_CLAIMS]]
        )
        for s, claims in zip(stories, per_story)
    ]
    leads = [claims[0] for claims in per_story if claims]
    used = [c for claims in per_story for c in claims[: 1 + STORY_CLAIMS]]
    watch = [
        c
        for c in claims_from(ctx, " ".join(WATCH_QUERIES), retrieve(ctx, WATCH_QUERIES))
        if FUTURE_CUE.search(c.text) and not any(overlap(c.evidence, u.evidence) for u in used)
    ][:WATCH_ITEMS]
    jobs = [
        Job(
            "overview",
            "Overview",
            "bullets",
            "The week's main stories, most covered first.",
            tuple(heads),
            tuple(leads),
        )
    ]
    for i, (story, head, claims) in enumerate(zip(stories, heads, per_story), start=1):
        jobs.append(
            Job(
                f"story-{i}",
                head,
                "prose",
                f"As reported by {', '.join(story.outlets)}.",
                (story.title,),
                tuple(claims[1 : 1 + STORY_CLAIMS]),
                label=reported_by(story_outlets(ctx.store, story.article_ids)),
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
    place(found, sections)
    return assemble(
        ctx,
        sections,
        strict,
        kind="weekly",
        title=f"Weekly brief: {since} to {until}",
        topic=None,
        template="weekly",
        started_at=started,
    )
