"""Hybrid retrieval: keyword and vector rankings of passages and of whole articles, fused, filtered and
diversified.

Keyword ranking catches names and rare terms a small embedding model blurs; vectors catch paraphrase.
Passage rankings find the paragraph that answers; article rankings (BM25 over the whole article, and the
article's mean vector) find what the article as a whole is about, which a question about "this week's
news" usually names. Reciprocal-rank fusion combines the four without calibrating their scores: articles
are ordered by the fused score, each contributing its best passages. The list is then spread across
stories: a syndicated copy counts as its twin, and an article's second passage only comes after every
other story's best one, so five copies of one wire story do not fill the list.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from briefing.config import RetrievalTuning, Settings
from briefing.embeddings import Embedder, get_embedder
from briefing.models import Chunk, Hit
from briefing.records import day_of
from briefing.store import Store

Mode = Literal["hybrid", "keyword", "vector"]
Ranking = list[tuple[str, float]]  # (chunk or article id, the ranker's own score), best first


@dataclass(frozen=True)
class Rankings:
    """What each ranker returned for one query, before fusion; empty for rankers the mode leaves out."""

    chunk_keyword: Ranking
    chunk_vector: Ranking
    article_keyword: Ranking
    article_vector: Ranking
    vector: np.ndarray | None  # the query's embedding, to pick the best passage of an article-only hit
    now: date | None  # the day ages are counted from for the freshness prior; None inside a date window


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to a publication window (inclusive) and/or outlets: those whose name contains
    `source` (case-insensitive, so 'reuters' finds 'Free Malaysia Today (Reuters)'), and/or exactly the
    `outlets` named (the app's outlet picker)."""

    since: date | None = None
    until: date | None = None
    source: str | None = None
    outlets: tuple[str, ...] = ()


class Retriever:
    """Searches one store. Create once per process: it holds the query embedder and the keyword index."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        embedder: Embedder | None = None,
        mode: Mode = "hybrid",
        tuning: RetrievalTuning | None = None,
    ):
        self.store = store
        self.settings = settings
        self.mode = mode
        self.tuning = tuning or settings.retrieval  # another one only for bench/retrieval.py's grid
        self.embedder = embedder or get_embedder(settings)

    def _outlets(self, filters: Filters) -> list[str] | None:
        if filters.source is None and not filters.outlets:
            return None
        wanted = (filters.source or "").casefold()
        named = set(filters.outlets)
        return [o for o in self.store.outlets() if wanted in o.casefold() and (not named or o in named)]

    def search(self, query: str, k: int | None = None, filters: Filters = Filters()) -> list[Hit]:
        rankings = self.rank(query, filters)
        return self.fuse(rankings, k or self.settings.top_k) if rankings else []

    def rank(
        self, query: str, filters: Filters = Filters(), within: Collection[str] | None = None
    ) -> Rankings | None:
        """Run the mode's rankers under the filters (and, with `within`, over those articles only); None
        when the outlet filter matches no outlet.

        Separate from `fuse` so that fusion settings can be tuned without re-running the rankers."""
        outlets = self._outlets(filters)
        if outlets == []:
            return None
        since = day_of(filters.since) if filters.since else None
        until = day_of(filters.until) if filters.until else None
        chunks, articles = self.store.chunk_index, self.store.article_index
        n_chunks, n_articles = self.tuning.candidates, self.tuning.article_candidates
        chunk_mask = chunks.mask(since, until, outlets, within)
        article_mask = articles.mask(since, until, outlets, within)
        chunk_kw: Ranking = []
        article_kw: Ranking = []
        if self.mode != "vector":
            chunk_kw = chunks.keyword(query, n_chunks, chunk_mask)
            article_kw = articles.keyword(query, n_articles, article_mask)
        now = None if filters.since or filters.until else self.store.latest_published()
        if self.mode == "keyword":
            return Rankings(chunk_kw, [], article_kw, [], None, now)
        vector = self.embedder.embed_query(query)
        return Rankings(
            chunk_kw,
            chunks.nearest(vector, n_chunks, chunk_mask),
            article_kw,
            articles.nearest(vector, n_articles, article_mask),
            vector,
            now,
        )

    def fuse(self, rankings: Rankings, k: int) -> list[Hit]:
        """Articles ordered by fused score, each contributing its best passages, spread across stories."""
        f = self.tuning
        chunk_score: dict[str, float] = {}
        article_score: dict[str, float] = {}
        chunk_rankings = ((f.chunk_keyword, rankings.chunk_keyword), (f.chunk_vector, rankings.chunk_vector))
        article_rankings = (
            (f.article_keyword, rankings.article_keyword),
            (f.article_vector, rankings.article_vector),
        )
        for weight, ranking in chunk_rankings:
            seen: set[str] = set()
            for rank, (cid, _) in enumerate(ranking):
                chunk_score[cid] = chunk_score.get(cid, 0.0) + weight / (f.rrf_k + rank + 1)
                aid = cid.rsplit(":", 1)[0]
                if aid not in seen:  # an article ranks where its best passage does
                    seen.add(aid)
                    article_score[aid] = article_score.get(aid, 0.0) + weight / (f.rrf_k + len(seen))
        for weight, ranking in article_rankings:
            for rank, (aid, _) in enumerate(ranking):
                article_score[aid] = article_score.get(aid, 0.0) + weight / (f.rrf_k + rank + 1)
        if f.recency and rankings.now:
            for aid in article_score:
                published = self.store.published(aid)  # undated: as old as one half-life
                age = (rankings.now - published).days - f.grace_days if published else f.half_life_days
                article_score[aid] *= (1 - f.recency) + f.recency * 0.5 ** (max(age, 0) / f.half_life_days)

        articles = sorted(article_score, key=article_score.__getitem__, reverse=True)[: max(2 * k, 20)]
        by_article: dict[str, list[str]] = {}
        for cid in sorted(chunk_score, key=chunk_score.__getitem__, reverse=True):
            by_article.setdefault(cid.rsplit(":", 1)[0], []).append(cid)
        for aid in articles:  # found only as a whole article: take its passage closest to the query
            if aid not in by_article:
                best = self.store.best_chunk_of(aid, rankings.vector)
                by_article[aid] = [best] if best else []
        score: dict[str, float] = {}  # a copy's passages are its twin's: keep the better-ranked claim on them
        for aid in articles:
            for cid in by_article.get(aid, [])[:3]:
                score.setdefault(cid, article_score[aid] + chunk_score.get(cid, 0.0))
        chunks = self.store.get_chunks(list(score))
        return [Hit(rank, score[c.id], c) for rank, c in enumerate(self._diversify(chunks, k), start=1)]

    def _diversify(self, chunks: Sequence[Chunk], k: int) -> list[Chunk]:
        """Round-robin over stories in ranked order: each story's best chunk first, then second-best..."""
        rounds: list[list[Chunk]] = []
        per_story: dict[str, int] = {}
        for c in chunks:
            story = self.store.story_of(c.article_id)
            n = per_story.get(story, 0)
            per_story[story] = n + 1
            while len(rounds) <= n:
                rounds.append([])
            rounds[n].append(c)
        return [c for r in rounds for c in r][:k]
