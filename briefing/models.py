"""Typed records passed between pipeline stages.

Every stage (load -> clean -> dedupe -> chunk -> store -> retrieve -> cite) speaks in these types, so a
citation can always be traced back to the article, outlet, date and character offsets it came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RawArticle:
    """What a loader read from one file, record or feed entry, before cleaning.

    Fields a format does not carry are None; the manifest or CLI flags may fill them later.
    """

    text: str
    path: str
    title: str | None = None
    source: str | None = None
    published: date | None = None
    url: str | None = None
    notes: tuple[str, ...] = ()  # what the reader of the file warned about, for the file's report


@dataclass(frozen=True)
class LoadFailure:
    """One input that could not be read; `path` names the file (and record, for JSON lines)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Article:
    """A cleaned article as stored. `id` is derived from its outlet and cleaned text, so re-ingesting the
    same file gives the same id."""

    id: str
    title: str
    source: str
    published: date | None
    url: str | None
    path: str | None
    text: str
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        return d


@dataclass(frozen=True)
class Carrier:
    """Another article that carries (part of) a stored chunk word for word or nearly so: a wire story
    reprinted, or a statement quoted by two outlets. `start`/`end` are offsets in the chunk's text."""

    article_id: str
    source: str
    title: str
    published: date | None
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A passage of one article: what is embedded, indexed, retrieved and cited.

    `start`/`end` are character offsets in the cleaned article text, so `article.text[start:end] == text`.
    """

    id: str
    article_id: str
    title: str
    source: str
    published: date | None
    url: str | None
    path: str | None
    position: int
    start: int
    end: int
    text: str
    carriers: tuple[Carrier, ...] = field(default=())

    @property
    def outlets(self) -> list[str]:
        """Every outlet that carries some of this passage, its own first."""
        seen = [self.source]
        for c in self.carriers:
            if c.source not in seen:
                seen.append(c.source)
        return seen

    def to_dict(self) -> dict[str, Any]:
        """The passage and where it came from, as JSON output names them."""
        return {
            "chunk_id": self.id,
            "article_id": self.article_id,
            "title": self.title,
            "outlet": self.source,
            "outlets": self.outlets,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url,
            "path": self.path,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its rank (1-based) and fused score."""

    rank: int
    score: float
    chunk: Chunk

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "score": round(self.score, 6), **self.chunk.to_dict()}
