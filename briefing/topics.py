"""Saved topics: the stories an analyst follows, and which stored articles match each one.

Topics live in the store (`<collection>_topics`, one record per topic) like the feed subscriptions, so a
Chroma server deployment shares them. An article matches a topic when hybrid retrieval, restricted to the
articles in question (those one refresh added, or everything since a date), finds it and its match score
passes `topics.match_threshold`. The score is the best cosine between the topic and the article as a whole
or any of its passages: an absolute measure, unlike the fused rank score, whose best article gets the same
score in any set whether it is on the topic or not (bench/topics.py measures both).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from briefing.config import Settings
from briefing.retrieve import Filters, Retriever
from briefing.store import Store

KIND = "topics"  # the side collection's suffix


class TopicError(Exception):
    """A topic request that cannot be done: an empty name, an unknown topic."""


@dataclass(frozen=True)
class Topic:
    """One saved topic; `since` (ISO date, '' for none) keeps older articles from ever matching it."""

    name: str
    since: str = ""
    added_at: str = ""

    @property
    def id(self) -> str:
        return topic_id(self.name)

    @property
    def since_date(self) -> date | None:
        return date.fromisoformat(self.since) if self.since else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, meta: dict[str, Any]) -> Topic:
        return cls(**{f.name: meta[f.name] for f in fields(cls) if f.name in meta})


@dataclass(frozen=True)
class TopicMatch:
    """A stored article matching a topic, with its match score."""

    article_id: str
    title: str
    outlet: str
    published: date | None
    score: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        d["score"] = round(self.score, 4)
        return d

    def line(self) -> str:
        return (
            f"{self.score:.2f}  {str(self.published or 'undated'):10}  {self.outlet[:24]:24}  "
            f"{self.title[:70]}  ({self.article_id})"
        )


def topic_id(name: str) -> str:
    return hashlib.sha256(" ".join(name.casefold().split()).encode()).hexdigest()[:16]


class SavedTopics:
    """The topics of one store."""

    def __init__(self, store: Store):
        self.records = store.records(KIND)

    def list(self) -> list[Topic]:
        """Topics by name."""
        return sorted(
            (Topic.from_record(meta) for meta in self.records.all().values()), key=lambda t: t.name.casefold()
        )

    def add(self, name: str, since: date | None = None) -> tuple[Topic, bool]:
        """Save a topic, or change the `since` of one saved already (same name, any case). Returns the topic
        and whether it is new."""
        name = " ".join(name.split())
        if not name:
            raise TopicError("a topic needs a name, e.g. 'Hikvision export controls'")
        old = self.records.get(topic_id(name))
        added_at = old["added_at"] if old else datetime.now(UTC).isoformat(timespec="seconds")
        topic = Topic(name, since.isoformat() if since else "", added_at)
        self.records.put(topic.id, topic.to_dict())
        return topic, old is None

    def find(self, name: str) -> Topic:
        meta = self.records.get(topic_id(name))
        if meta is None:
            raise TopicError(f"no saved topic {name!r}; see `briefing topics list`")
        return Topic.from_record(meta)

    def remove(self, name: str) -> Topic:
        topic = self.find(name)
        self.records.delete(topic.id)
        return topic


class Matcher:
    """Matches topics against stored articles; holds one retriever (embedder and indexes loaded once)."""

    def __init__(self, store: Store, settings: Settings, retriever: Retriever | None = None):
        self.store = store
        self.threshold = settings.topics.match_threshold
        self.retriever = retriever or Retriever(store, settings)

    def scores(
        self, text: str, since: date | None = None, within: Collection[str] | None = None
    ) -> dict[str, float]:
        """Every article the hybrid rankers return for `text` (published since `since`, among `within`)
        with its match score: the best cosine of the article or one of its passages with the topic."""
        rankings = self.retriever.rank(text, Filters(since=since), within)
        best: dict[str, float] = {}
        if rankings is None:
            return best
        ranked = (
            *((cid.rsplit(":", 1)[0], score) for cid, score in rankings.chunk_vector),
            *rankings.article_vector,
        )
        for aid, score in ranked:
            best[aid] = max(best.get(aid, -1.0), score)
        return best

    def matches(
        self, topic: Topic, since: date | None = None, within: Collection[str] | None = None
    ) -> list[TopicMatch]:
        """The articles matching the topic, best first: published since `since` (else the topic's own
        `since`), among `within` when given."""
        if within is not None and not within:
            return []
        found = []
        for aid, score in self.scores(topic.name, since or topic.since_date, within).items():
            record = self.store.article_record(aid) if score >= self.threshold else None
            if record is not None:
                a = record.article
                found.append(TopicMatch(aid, a.title, a.source, a.published, score))
        return sorted(found, key=lambda m: (-m.score, m.article_id))

    def news(self, topics: Iterable[Topic], within: Collection[str]) -> list[tuple[Topic, list[TopicMatch]]]:
        """Per topic, the articles among `within` (what a refresh added) that match it."""
        return [(topic, self.matches(topic, within=within)) for topic in topics]
