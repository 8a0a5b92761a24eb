"""A window's stories: its articles clustered by meaning, roundup pages kept out.

A story is a cluster of articles about one event or issue (average linkage on article vectors,
`briefs.story_threshold`). A roundup page ("5 things to know for Oct. 11: Ukraine, Rail strike, ...", "Ten
Things You Need to Know Today", "...: Daily Briefing", a newsletter) covers many unrelated events: it is
never a story, nor a member of one. Each of its passages serves instead the story whose centroid it is
nearest, when it is as near as two articles of one story are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from briefing.brief.context import Context
from briefing.models import Article

# Titles of pages that gather many events. A live page on one event ("Queen funeral updates: ...") is a
# story's article like any other.
_ROUNDUP = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+things\s+(?:you\s+need\s+)?to\s+know\b"
    r"|\b(?:daily|morning|evening|weekly|week's)\s+briefing\b|\bnewsletter\b|\bnews\s+quiz\b"
    r"|\bweek\s+in\s+review\b|\bwhat\s+you\s+(?:missed|need\s+to\s+know\s+today)\b"
    r"|\bphotos\s+(?:this|of\s+the)\s+week\b|\bnews\s+from\s+around\s+our\b|^50\s+states$"
    r"|\bit's\s+\w+day's\b",  # "Justice Stephen Breyer, NATO and R. Kelly. It's Wednesday's ..."
    re.IGNORECASE,
)
_LIST_ITEMS = 4  # a cut title listing this many short topics ("Gas prices, Rudy Giuliani, Liz Cheney, ...")


def roundup(title: str) -> bool:
    """Whether a title names a page gathering many events: a roundup pattern, or a list of short topics cut
    short: four ("Ukraine, R. Kelly, long COVID, Queen Elizabeth, hot zip codes ..."), or three each opening
    with a capital ("Hurricane Ian, Virginia student walkout, Jan. 6 hearing postponed ..."), which spares a
    headline's apposition and verb ("Boris Johnson, British Prime Minister, squeaks through ...")."""
    if _ROUNDUP.search(title):
        return True
    if not title.rstrip().endswith(("...", "…")) or re.match(r"(?:How|Why|What|Who|When|Where)\b", title):
        return False  # one story: a list not cut ("Diahann Carroll, Oscar-nominated, ... dies"), a question
    items = [i.strip(" .…") for i in re.split(r"[:|]| - ", title)[0].split(", ")]
    if not all(0 < len(i.split()) <= 5 for i in items):
        return False
    return len(items) >= _LIST_ITEMS or (len(items) == _LIST_ITEMS - 1 and all(i[0].isupper() for i in items))


@dataclass(frozen=True)
class Story:
    """Articles about one event: the title of its most central article, its outlets and latest date;
    `borrowed` are roundup passages nearest this story. `id` and `first_week` are its kept identity
    (kept.py), once the week is filed."""

    title: str
    article_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    latest: date
    centroid: np.ndarray = field(repr=False, compare=False)
    borrowed: tuple[str, ...] = ()
    id: str = ""
    first_week: str = ""


def week_of(since: date, until: date) -> str:
    """The ISO week a window is filed under: that of its middle day (an ISO week's Thursday)."""
    year, week, _ = (since + timedelta(days=(until - since).days // 2)).isocalendar()
    return f"{year}-W{week:02d}"


def founding_id(week: str, article_ids: Sequence[str]) -> str:
    """A new story's id: its first week and a digest of its articles, so the same store and window give
    the same id."""
    digest = hashlib.sha256("\n".join(sorted(article_ids)).encode()).hexdigest()[:8]
    return f"{week}-{digest}"


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
    """The window's articles grouped into stories (`briefs.story_threshold`), roundup pages left out and
    their passages lent to the stories they touch, ranked by distinct outlets, then articles, then the
    latest publication date."""
    records = [
        r.article
        for r in ctx.store.article_records()
        if r.article.published and since <= r.article.published <= until
    ]
    by_id = ctx.store.article_vectors([a.id for a in records])
    articles = [a for a in records if a.id in by_id and not roundup(a.title)]
    if not articles:
        return []
    vectors = np.stack([by_id[a.id] for a in articles])
    index = {a.id: i for i, a in enumerate(articles)}
    links = [(index[a.id], index[a.duplicate_of]) for a in articles if a.duplicate_of in index]
    groups = cluster(vectors, ctx.settings.briefs.story_threshold, links)
    centroids = np.stack([_unit(vectors[members].mean(axis=0)) for members in groups])
    lent = _lend(ctx, [a for a in records if a.id in by_id and roundup(a.title)], centroids)
    stories = [
        _story(articles, vectors, members, centroid, lent.get(g, ()))
        for g, (members, centroid) in enumerate(zip(groups, centroids))
    ]
    stories.sort(key=lambda s: (len(s.outlets), len(s.article_ids), s.latest), reverse=True)
    return stories


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)


def _story(
    articles: Sequence[Article],
    vectors: np.ndarray,
    members: list[int],
    centroid: np.ndarray,
    borrowed: tuple[str, ...],
) -> Story:
    group = [articles[i] for i in members]
    central = max(members, key=lambda i: float(vectors[i] @ centroid))
    return Story(
        articles[central].title,
        tuple(a.id for a in group),
        tuple(dict.fromkeys(a.source for a in group)),
        max(a.published for a in group if a.published),
        centroid,
        borrowed,
    )


def _lend(ctx: Context, roundups: Sequence[Article], centroids: np.ndarray) -> dict[int, tuple[str, ...]]:
    """Each roundup passage to the story (by index) whose centroid it is nearest, if at least
    `story_threshold` near."""
    chunks = [c for a in roundups for c in ctx.store.article_chunks(a.id)]
    if not chunks:
        return {}
    vectors = np.stack([_unit(v) for v in ctx.embedder.embed_documents([c.text for c in chunks])])
    sims = vectors @ centroids.T
    lent: dict[int, list[str]] = {}
    for c, row in zip(chunks, sims):
        best = int(np.argmax(row))
        if row[best] >= ctx.settings.briefs.story_threshold:
            lent.setdefault(best, []).append(c.id)
    return {g: tuple(ids) for g, ids in lent.items()}
