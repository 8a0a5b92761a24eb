"""The records the store takes and gives, and how they are laid out in Chroma's metadata.

Chroma metadata holds flat values: a date is an ISO string ("" for none) beside the day number the search
indexes filter on, and the notes of the other articles that reprint a passage are a JSON list on its chunk.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from briefing.index import UNKNOWN_DAY
from briefing.models import Article, Carrier, Chunk


def day_of(d: date | None) -> int:
    """The day number stored beside a date, which the search indexes filter on."""
    return d.toordinal() if d else UNKNOWN_DAY


def stored_date(value: str) -> date | None:
    """The date a stored ISO string holds; "" stands for none."""
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ArticleRecord:
    """An article as listed: its metadata, how many chunks it owns, and its twin if it is a copy."""

    article: Article
    chunks: int
    ingested_at: str

    def to_dict(self) -> dict[str, Any]:
        d = self.article.to_dict()
        del d["text"]
        d["chunks"] = self.chunks
        d["ingested_at"] = self.ingested_at
        return d


@dataclass(frozen=True)
class Commit:
    """An article ready to store: its chunks with their vectors (row i for chunk i), and the notes it
    leaves on other articles' chunks whose passages it reprints (chunk id, note)."""

    article: Article
    chunks: Sequence[Chunk]
    embeddings: np.ndarray
    carried: Sequence[tuple[str, Carrier]]


class Records:
    """Metadata-only records by id. Chroma wants a vector and a document per row: a constant one-number
    vector and the id stand in, since these records are looked up by id, never by similarity."""

    def __init__(self, col: Collection):
        self.col = col

    def all(self) -> dict[str, dict[str, Any]]:
        got = self.col.get(include=["metadatas"])
        return dict(zip(got["ids"], got["metadatas"]))

    def get(self, rid: str) -> dict[str, Any] | None:
        got = self.col.get(ids=[rid], include=["metadatas"])
        return got["metadatas"][0] if got["ids"] else None

    def put(self, rid: str, meta: dict[str, Any]) -> None:
        """Write the whole record (Chroma merges an upsert's keys into the old ones: give every key)."""
        self.col.upsert(ids=[rid], embeddings=[[1.0]], documents=[rid], metadatas=[meta])

    def delete(self, rid: str) -> None:
        self.col.delete(ids=[rid])


def chunk_meta(chunk: Chunk) -> dict[str, Any]:
    """A passage as stored: its outlets start with its own, and grow as other articles reprint it."""
    return {
        "article_id": chunk.article_id,
        "title": chunk.title,
        "source": chunk.source,
        "outlets": [chunk.source],
        "published": chunk.published.isoformat() if chunk.published else "",
        "day": day_of(chunk.published),
        "url": chunk.url or "",
        "path": chunk.path or "",
        "position": chunk.position,
        "start": chunk.start,
        "end": chunk.end,
        "carriers": "[]",
    }


def carrier_note(c: Carrier) -> dict[str, Any]:
    return {
        "article_id": c.article_id,
        "source": c.source,
        "title": c.title,
        "published": c.published.isoformat() if c.published else "",
        "start": c.start,
        "end": c.end,
    }


def article_meta(article: Article, chunks: int) -> dict[str, Any]:
    return {
        "title": article.title,
        "source": article.source,
        "published": article.published.isoformat() if article.published else "",
        "day": day_of(article.published),
        "outlets": [article.source],
        "url": article.url or "",
        "path": article.path or "",
        "duplicate_of": article.duplicate_of or "",
        "chunks": chunks,
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def outlets_of(meta: dict[str, Any]) -> list[str]:
    """A passage's outlets as its metadata lists them: its own first, then those of the articles that
    reprint it (from its carrier notes), each once."""
    notes = json.loads(meta.get("carriers") or "[]")
    return list(dict.fromkeys([meta["source"], *(n["source"] for n in notes)]))


def relabelled(meta: dict[str, Any], article: Article) -> dict[str, Any]:
    """Stored metadata (the article's record, one of its passages, or a passage it reprints) with the
    article's title, outlet and date as `article` now gives them; everything else kept."""
    published = article.published.isoformat() if article.published else ""
    label = {"title": article.title, "source": article.source, "published": published}
    own = meta.get("article_id", article.id) == article.id  # an article record names no article_id
    meta = dict(meta, **label, day=day_of(article.published)) if own else dict(meta)
    if "carriers" not in meta:
        return meta | {"outlets": [article.source]}
    notes = json.loads(meta["carriers"])
    meta["carriers"] = json.dumps([n | label if n["article_id"] == article.id else n for n in notes])
    meta["outlets"] = outlets_of(meta)
    return meta


def record_from_meta(article_id: str, meta: dict[str, Any], text: str) -> ArticleRecord:
    article = Article(
        id=article_id,
        title=meta["title"],
        source=meta["source"],
        published=stored_date(meta["published"]),
        url=meta["url"] or None,
        path=meta["path"] or None,
        text=text,
        duplicate_of=meta["duplicate_of"] or None,
    )
    return ArticleRecord(article, meta["chunks"], meta["ingested_at"])
