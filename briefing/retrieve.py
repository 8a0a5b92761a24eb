"""Hybrid retrieval: BM25 keyword ranking and vector similarity, fused, filtered and diversified.

Keyword ranking catches names and rare terms a small embedding model blurs; vectors catch paraphrase.
Reciprocal-rank fusion combines them without calibrating their scores against each other. The top hits are
then spread across stories: a syndicated copy counts as its twin, and an article's second passage only
comes after every other article's best one, so five copies of one wire story do not fill the list.
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

CANDIDATES = 100  # per ranker, before fusion
RRF_K = 60

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
        rankings = []
        if self.mode != "vector":
            keyword = self.store.keyword_index
            rankings.append(keyword.search(query, CANDIDATES, keyword.mask(since, until, outlets)))
        if self.mode != "keyword":
            vector = self.embedder.embed_query(query)
            rankings.append(self.store.vector_search(vector, CANDIDATES, _where(since, until, outlets)))
        fused: dict[str, float] = {}
        for ranking in rankings:
            for rank, (cid, _) in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        order = sorted(fused, key=fused.__getitem__, reverse=True)
        chunks = self.store.get_chunks(order[: max(4 * k, 40)])
        return [Hit(rank, fused[c.id], c) for rank, c in enumerate(self._diversify(chunks, k), start=1)]

    def _diversify(self, chunks: Sequence[Chunk], k: int) -> list[Chunk]:
        """Round-robin over stories in fused order: each story's best chunk first, then second-best..."""
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
