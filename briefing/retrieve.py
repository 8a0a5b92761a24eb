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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from briefing.config import Settings
from briefing.embeddings import Embedder, get_embedder
from briefing.models import Chunk, Hit
from briefing.store import Store, day_of

CANDIDATES = 100  # per passage ranker, before fusion
ARTICLE_CANDIDATES = 50  # per article ranker
RRF_K = 60
# Weights of the rankers in the fusion (tuned on RealTime QA dev questions; bench/retrieval.py).
W_CHUNK_KEYWORD = 1.0
W_CHUNK_VECTOR = 1.0
W_ARTICLE_KEYWORD = 1.0
W_ARTICLE_VECTOR = 1.0

Mode = Literal["hybrid", "keyword", "vector"]


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to a publication window (inclusive) and/or outlets whose name contains `source`
    (case-insensitive, so 'reuters' finds 'Free Malaysia Today (Reuters)')."""

    since: date | None = None
    until: date | None = None
    source: str | None = None


class Retriever:
    """Searches one store. Create once per process: it holds the query embedder and the keyword index."""

    def __init__(self, store: Store, settings: Settings, embedder: Embedder | None = None, mode: Mode = "hybrid"):
        self.store = store
        self.settings = settings
        self.mode = mode
        self.embedder = embedder or get_embedder(settings)

    def _outlets(self, source: str | None) -> list[str] | None:
        if source is None:
            return None
        wanted = source.casefold()
        return [o for o in self.store.outlets() if wanted in o.casefold()]

    def search(self, query: str, k: int | None = None, filters: Filters = Filters()) -> list[Hit]:
        k = k or self.settings.top_k
        outlets = self._outlets(filters.source)
        if outlets == []:
            return []
        since = day_of(filters.since) if filters.since else None
        until = day_of(filters.until) if filters.until else None
        use_keyword, use_vector = self.mode != "vector", self.mode != "keyword"
        chunk_rankings: list[tuple[float, list[tuple[str, float]]]] = []
        article_rankings: list[tuple[float, list[tuple[str, float]]]] = []
        if use_keyword:
            kw = self.store.keyword_index
            chunk_rankings.append((W_CHUNK_KEYWORD, kw.search(query, CANDIDATES, kw.mask(since, until, outlets))))
            akw = self.store.article_keyword_index
            article_rankings.append(
                (W_ARTICLE_KEYWORD, akw.search(query, ARTICLE_CANDIDATES, akw.mask(since, until, outlets)))
            )
        vector = self.embedder.embed_query(query) if use_vector else None
        if vector is not None:
            where = _where(since, until, outlets)
            chunk_rankings.append((W_CHUNK_VECTOR, self.store.vector_search(vector, CANDIDATES, where)))
            article_rankings.append(
                (W_ARTICLE_VECTOR, self.store.article_vector_search(vector, ARTICLE_CANDIDATES, where))
            )

        chunk_score: dict[str, float] = {}
        article_score: dict[str, float] = {}
        for weight, ranking in chunk_rankings:
            seen: set[str] = set()
            for rank, (cid, _) in enumerate(ranking):
                chunk_score[cid] = chunk_score.get(cid, 0.0) + weight / (RRF_K + rank + 1)
                aid = cid.rsplit(":", 1)[0]
                if aid not in seen:  # an article ranks where its best passage does
                    seen.add(aid)
                    article_score[aid] = article_score.get(aid, 0.0) + weight / (RRF_K + len(seen))
        for weight, ranking in article_rankings:
            for rank, (aid, _) in enumerate(ranking):
                article_score[aid] = article_score.get(aid, 0.0) + weight / (RRF_K + rank + 1)

        articles = sorted(article_score, key=article_score.__getitem__, reverse=True)[: max(2 * k, 20)]
        by_article: dict[str, list[str]] = {}
        for cid in sorted(chunk_score, key=chunk_score.__getitem__, reverse=True):
            by_article.setdefault(cid.rsplit(":", 1)[0], []).append(cid)
        for aid in articles:  # found only as a whole article: take its passage closest to the query
            if aid not in by_article:
                best = self.store.best_chunk_of(aid, vector)
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


def _where(since: int | None, until: int | None, outlets: list[str] | None) -> dict | None:
    """The same filters as KeywordIndex.mask, in Chroma's where syntax."""
    clauses: list[dict] = []
    if since is not None:
        clauses.append({"day": {"$gte": since}})
    if until is not None:
        clauses += [{"day": {"$lte": until}}, {"day": {"$gte": 0}}]
    if outlets is not None:
        ors = [{"outlets": {"$contains": o}} for o in outlets]
        clauses.append(ors[0] if len(ors) == 1 else {"$or": ors})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
