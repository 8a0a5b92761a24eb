"""The store: Chroma collections for chunks and articles, plus derived indexes kept beside them.

Chroma is the source of truth, embedded (`PersistentClient` in `store_dir`) or a server (`HttpClient`).
Two collections: `<name>_chunks` (what is searched and cited) and `<name>_articles` (one record per article
with its full cleaned text). An article is written chunks first and its article record last: the record is
the commit mark, so readers ignore chunks of articles without one, and the next ingest deletes such
leftovers of a crashed run. The search indexes and the reuse (gram) index are derived from Chroma's
content and cached on local disk (`index_cache.py`), tagged with the store's generation, its counts and the
index format, so they are rebuilt only when the store changed elsewhere or a new version indexes differently.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from filelock import FileLock, Timeout

from briefing import originals
from briefing.config import Settings
from briefing.dedupe import GramIndex, text_grams
from briefing.index import IndexedText, SearchIndex
from briefing.index_cache import ARTICLES, CHUNKS, GRAMS, IndexCache
from briefing.models import Article, Carrier, Chunk
from briefing.records import (
    ArticleRecord,
    Commit,
    Records,
    article_meta,
    carrier_note,
    chunk_meta,
    outlets_of,
    record_from_meta,
    relabelled,
    stored_date,
)

_PAGE = 2000  # rows per Chroma get() page when reading a whole collection


class StoreError(Exception):
    """The store cannot be used as asked: missing, busy, or built with another embedding model."""


class StoreBusy(StoreError):
    """Another process is writing to this store."""


def open_client(settings: Settings) -> ClientAPI:
    """Chroma server when a URL is configured, else the embedded on-disk store."""
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(f"chroma_url {settings.chroma_url!r} is not a URL like http://127.0.0.1:8000")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store_dir))


def notebooks(client: ClientAPI) -> list[str]:
    """The notebooks (collections) a store holds: every name with both its passages and its articles."""
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    return sorted(
        n[: -len("_articles")] for n in names if n.endswith("_articles") and f"{n[:-9]}_chunks" in names
    )


class Store:
    """One briefing store. Cheap to open; indexes and the article table load on first use."""

    def __init__(self, settings: Settings, client: ClientAPI | None = None):
        self.settings = settings
        self.client = client or open_client(settings)
        name = settings.collection
        self.chunks: Collection = self.client.get_or_create_collection(
            f"{name}_chunks",
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding": settings.embedding, "generation": 0},
        )
        self.articles_col: Collection = self.client.get_or_create_collection(
            f"{name}_articles", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        built_with = (self.chunks.metadata or {}).get("embedding")
        if built_with != settings.embedding:
            raise StoreError(
                f"this store was built with embedding model {built_with!r} but the configuration asks for "
                f"{settings.embedding!r}; set BRIEFING_EMBEDDING={built_with} or use another store/collection"
            )
        self.cache = IndexCache(settings.store_dir, settings.chroma_url or "local", name)
        self._indexes: dict[str, SearchIndex] = {}  # CHUNKS, ARTICLES: loaded or built on first use
        self._writer: int | None = None  # the thread holding writing(), if one does

    # --- generation and locking -------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Bumped after every committed change; derived indexes record the generation they were built at."""
        return int((self.client.get_collection(self.chunks.name).metadata or {}).get("generation", 0))

    def _bump_generation(self) -> None:
        meta = dict(self.client.get_collection(self.chunks.name).metadata or {})
        meta["generation"] = int(meta.get("generation", 0)) + 1
        self.chunks.modify(metadata=meta)

    @contextlib.contextmanager
    def holding(self, name: str, busy: str) -> Iterator[None]:
        """Hold the lock file `name`, or fail at once with StoreBusy(busy). The file is beside the local
        index cache, so it guards processes on this machine (embedded or server store alike)."""
        self.cache.folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.cache.folder / name))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise StoreBusy(busy) from None
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's write lock, or fail at once with StoreBusy: two writers must not interleave.
        Nested in the same thread it holds on (an upload saves its files and ingests them in one hold).
        Entering removes what a crashed writer left; leaving, the uploaded originals no article names."""
        if self._writer == threading.get_ident():
            yield
            return
        busy = f"store busy: another ingest, refresh or removal is writing to {self.describe()}"
        busy += "; try again when it ends"
        with self.holding("write.lock", busy):
            self._writer = threading.get_ident()
            try:
                self._remove_orphans()
                yield
                self._prune_originals()
            finally:
                self._writer = None

    def describe(self) -> str:
        return self.settings.chroma_url or str(self.settings.store_dir)

    def records(self, kind: str) -> Records:
        """The side collection `<collection>_<kind>` of small metadata records that are not articles (feed
        subscriptions): kept in Chroma, so every process on a server deployment sees the same ones."""
        name = f"{self.settings.collection}_{kind}"
        return Records(self.client.get_or_create_collection(name, embedding_function=None))

    # --- reading ----------------------------------------------------------------------------------------

    def _all(
        self, col: Collection, include: list[str], where: dict | None = None
    ) -> Iterator[tuple[str, Any, Any, Any]]:
        """(id, metadata, document, embedding) for every row, None where not included; paged so a big
        collection is not one giant response."""
        offset = 0
        while True:
            page = col.get(include=include, where=where, limit=_PAGE, offset=offset)
            n = len(page["ids"])
            columns = [page.get(name) for name in ("metadatas", "documents", "embeddings")]
            yield from zip(page["ids"], *(c if c is not None else [None] * n for c in columns))
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    @cached_property
    def _article_table(self) -> dict[str, ArticleRecord]:
        rows = self._all(self.articles_col, ["metadatas"])
        return {aid: record_from_meta(aid, meta, "") for aid, meta, _, _ in rows}

    def article_records(self) -> list[ArticleRecord]:
        """Committed articles, newest publication first."""
        return sorted(
            self._article_table.values(), key=lambda r: r.article.published or date.min, reverse=True
        )

    def article_record(self, article_id: str) -> ArticleRecord | None:
        """A committed article's listing (no text), or None."""
        return self._article_table.get(article_id)

    def has_article(self, article_id: str) -> bool:
        return article_id in self._article_table

    def get_article(self, article_id: str) -> Article | None:
        got = self.articles_col.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return record_from_meta(article_id, got["metadatas"][0], got["documents"][0]).article

    def story_of(self, article_id: str) -> str:
        """The article a syndicated copy was linked to, else the article itself."""
        record = self._article_table.get(article_id)
        return (record.article.duplicate_of or article_id) if record else article_id

    def published(self, article_id: str) -> date | None:
        record = self._article_table.get(article_id)
        return record.article.published if record else None

    def latest_published(self) -> date | None:
        """The newest publication date in the store: "now" for a store of last year's news."""
        return max(
            (r.article.published for r in self._article_table.values() if r.article.published), default=None
        )

    def outlets(self) -> list[str]:
        """Every outlet with an article in the store, for filters."""
        return sorted({r.article.source for r in self._article_table.values()})

    def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked, skipping ids that are not (or no longer) committed."""
        if not ids:
            return []
        got = self.chunks.get(ids=list(ids), include=["metadatas", "documents"])
        by_id = {
            cid: self._chunk(cid, meta, doc)
            for cid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"])
        }
        return [by_id[i] for i in ids if i in by_id and by_id[i].article_id in self._article_table]

    def article_chunks(self, article_id: str) -> list[Chunk]:
        rows = self._all(self.chunks, ["metadatas", "documents"], where={"article_id": article_id})
        return sorted((self._chunk(cid, meta, doc) for cid, meta, doc, _ in rows), key=lambda c: c.position)

    def article_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored article vectors (the mean of each article's passages) by id, for clustering stories."""
        if not ids:
            return {}
        got = self.articles_col.get(ids=list(ids), include=["embeddings"])
        return dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))

    def _chunk(self, chunk_id: str, meta: dict[str, Any], text: str) -> Chunk:
        carriers = tuple(
            Carrier(
                c["article_id"], c["source"], c["title"], stored_date(c["published"]), c["start"], c["end"]
            )
            for c in json.loads(meta.get("carriers") or "[]")
            if c["article_id"] in self._article_table
        )
        return Chunk(
            id=chunk_id,
            article_id=meta["article_id"],
            title=meta["title"],
            source=meta["source"],
            published=stored_date(meta["published"]),
            url=meta["url"] or None,
            path=meta["path"] or None,
            position=meta["position"],
            start=meta["start"],
            end=meta["end"],
            text=text,
            carriers=carriers,
        )

    def best_chunk_of(self, article_id: str, embedding: np.ndarray | None) -> str | None:
        """The passage of an article nearest the query (its lead without a query vector). A syndicated copy
        has no passages of its own: its twin's are used."""
        return self.chunk_index.best_of(f"{self.story_of(article_id)}:", embedding)

    def stats(self) -> dict[str, Any]:
        """Counts of what is stored. Passages a crashed ingest left without their article's record are not
        stored articles' passages: they are counted apart, and the next ingest removes them."""
        records = self._article_table.values()
        days = [r.article.published for r in records if r.article.published]
        committed = sum(r.chunks for r in records)
        return {
            "store": self.describe(),
            "collection": self.settings.collection,
            "embedding": self.settings.embedding,
            "articles": len(self._article_table),
            "near_duplicates": sum(1 for r in records if r.article.duplicate_of),
            "chunks": committed,
            "unfinished_chunks": max(self.chunks.count() - committed, 0),
            "outlets": len({r.article.source for r in records}),
            "earliest": min(days).isoformat() if days else None,
            "latest": max(days).isoformat() if days else None,
            "generation": self.generation,
        }

    # --- derived indexes --------------------------------------------------------------------------------

    def _counts(self) -> list[int]:
        """Passages and articles in Chroma, which a cached index must have been built from."""
        return [self.chunks.count(), self.articles_col.count()]

    def _current(self, name: str) -> bool:
        return self.cache.current(name, self.generation, self._counts())

    def _index(self, name: str) -> SearchIndex:
        """A search index, loaded from the local cache when it matches the store, else rebuilt."""
        if name not in self._indexes:
            if self._current(name):
                self._indexes[name] = self.cache.search_index(name)
            else:
                self.rebuild_indexes()
        return self._indexes[name]

    @property
    def chunk_index(self) -> SearchIndex:
        """Keyword and vector search over passages."""
        return self._index(CHUNKS)

    @property
    def article_index(self) -> SearchIndex:
        """The same over whole articles (title and text; the mean of their passage vectors), for what an
        article as a whole is about."""
        return self._index(ARTICLES)

    def gram_index(self) -> GramIndex:
        """The reuse index, for ingest (which holds the write lock)."""
        return self.cache.grams() if self._current(GRAMS) else self.rebuild_indexes()[1]

    def _vectors(self, col: Collection, ids: list[str]) -> np.ndarray:
        """The embeddings of `ids`, in that order, read page by page into one matrix: on the full RealTime
        QA store, fetching them with the texts cost 160 MB more at the peak. A row deleted meanwhile stays
        zero, which matches nothing."""
        where = {i: n for n, i in enumerate(ids)}
        out: np.ndarray | None = None
        for rid, _, _, vector in self._all(col, ["embeddings"]):
            if out is None:
                out = np.zeros((len(ids), len(vector)), dtype=np.float32)
            if rid in where:
                out[where[rid]] = vector
        return out if out is not None else np.zeros((len(ids), 0), dtype=np.float32)

    def rebuild_indexes(self, grams: GramIndex | None = None) -> tuple[SearchIndex, GramIndex]:
        """Rebuild the search indexes from the stored chunks and articles (and the gram index from article
        texts, unless the caller kept it up to date), save them and tag them with the current generation.

        Rows are reduced to what the indexes need as Chroma pages them in, and the passage index is built
        before the articles are read: holding every row's full metadata cost ~300 MB more at the peak on
        the RealTime QA store, which ingest pays on top of its own memory when it finishes."""
        building_grams = grams is None
        chunk_items: list[IndexedText] = []
        spans: dict[str, list[tuple[int, int]]] = {}
        for cid, meta, doc, _ in self._all(self.chunks, ["metadatas", "documents"]):
            if meta["article_id"] in self._article_table:
                chunk_items.append(IndexedText(cid, f"{meta['title']}\n{doc}", meta["day"], meta["outlets"]))
            if building_grams:
                spans.setdefault(meta["article_id"], []).append((meta["start"], meta["end"]))
        chunk_index = SearchIndex.build(chunk_items, self._vectors(self.chunks, [c.id for c in chunk_items]))
        del chunk_items
        grams = GramIndex() if grams is None else grams
        article_items: list[IndexedText] = []
        for aid, meta, text, _ in self._all(self.articles_col, ["metadatas", "documents"]):
            article_items.append(IndexedText(aid, f"{meta['title']}\n{text}", meta["day"], [meta["source"]]))
            if building_grams:
                grams.add(aid, text_grams(text), spans.get(aid, []))
        article_vectors = self._vectors(self.articles_col, [a.id for a in article_items])
        article_index = SearchIndex.build(article_items, article_vectors)
        self.cache.save(chunk_index, article_index, grams, self.generation, self._counts())
        self._indexes = {CHUNKS: chunk_index, ARTICLES: article_index}
        return chunk_index, grams

    # --- writing (call inside `writing()`) --------------------------------------------------------------

    def commit_articles(self, commits: Sequence[Commit]) -> dict[str, Exception]:
        """Store articles together, and return the ones that failed with their errors.

        Chroma spends ~15 ms on every add whatever its size; written article by article, that was 12% of
        ingest's time. If the batch fails it is undone and the articles are written one by one, so a bad
        article fails alone and the others are stored."""
        try:
            self._write(commits)
        except Exception as exc:
            if len(commits) == 1:
                return {commits[0].article.id: exc}
            failures: dict[str, Exception] = {}
            for commit in commits:
                try:
                    self._write([commit])
                except Exception as one:
                    failures[commit.article.id] = one
            return failures
        return {}

    def _write(self, commits: Sequence[Commit]) -> None:
        """Write atomically as far as readers can tell: the chunks, then the carrier notes on other
        articles' chunks, then the article records, the commit mark. On failure the chunks and notes
        written so far are taken back."""
        ids = [c.article.id for c in commits]
        chunks = [chunk for c in commits for chunk in c.chunks]
        carried = [note for c in commits for note in c.carried]
        try:
            if chunks:
                vectors = np.concatenate([c.embeddings for c in commits if len(c.chunks)])
                step = self.client.get_max_batch_size()
                for at in range(0, len(chunks), step):
                    part = chunks[at : at + step]
                    self.chunks.add(
                        ids=[chunk.id for chunk in part],
                        embeddings=vectors[at : at + step],
                        documents=[chunk.text for chunk in part],
                        metadatas=[chunk_meta(chunk) for chunk in part],
                    )
            self._add_carriers(carried)
            # The generation mark is part of the commit: bumped before the records land, so a writer killed
            # after them still leaves derived indexes that readers see are behind, and rebuild.
            self._bump_generation()
            self.articles_col.add(
                ids=ids,
                embeddings=[self._article_vector(c).tolist() for c in commits],
                documents=[c.article.text for c in commits],
                metadatas=[article_meta(c.article, len(c.chunks)) for c in commits],
            )
        except Exception:
            with contextlib.suppress(Exception):
                self._drop_passages(set(ids))
            raise
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for c in commits:
            self._article_table[c.article.id] = ArticleRecord(c.article, len(c.chunks), now)

    def _article_vector(self, commit: Commit) -> np.ndarray:
        """The mean of the article's chunk vectors; an article with no chunks of its own (a syndicated copy)
        is placed where the chunks it shares are."""
        if len(commit.chunks):
            vector = commit.embeddings.mean(axis=0)
        else:
            got = self.chunks.get(ids=sorted({cid for cid, _ in commit.carried}), include=["embeddings"])
            vector = np.asarray(got["embeddings"], dtype=np.float32).mean(axis=0)
        return vector / (np.linalg.norm(vector) or 1.0)

    def _add_carriers(self, carried: Sequence[tuple[str, Carrier]]) -> None:
        by_chunk: dict[str, list[Carrier]] = {}
        for cid, carrier in carried:
            by_chunk.setdefault(cid, []).append(carrier)
        if not by_chunk:
            return
        got = self.chunks.get(ids=list(by_chunk), include=["metadatas"])
        metas = []
        for cid, meta in zip(got["ids"], got["metadatas"]):
            notes = json.loads(meta.get("carriers") or "[]")
            notes += [carrier_note(c) for c in by_chunk[cid]]
            meta = dict(meta, carriers=json.dumps(notes))
            meta["outlets"] = list(dict.fromkeys([*meta["outlets"], *(c.source for c in by_chunk[cid])]))
            metas.append(meta)
        self.chunks.update(ids=got["ids"], metadatas=metas)

    def finish_writes(self, grams: GramIndex) -> None:
        """After a batch of commits: bump the generation and refresh the derived indexes."""
        self._bump_generation()
        self.rebuild_indexes(grams)

    def relabel(self, article: Article) -> None:
        """Store a committed article's new title, outlet and date (`article` as it now is) on its record, its
        passages and the notes it left on passages it reprints; texts and vectors stay as they are, so
        nothing is re-chunked or re-embedded. Call inside `writing()`, then `finish_writes`, so the search
        indexes, which filter by date and outlet, follow. Raises KeyError for an unknown article."""
        record = self._article_table[article.id]
        changed_ids, changed = [], []
        for cid, meta, _, _ in self._all(self.chunks, ["metadatas"]):
            if (new := relabelled(meta, article)) != meta:
                changed_ids.append(cid)
                changed.append(new)
        self._bump_generation()  # before the change: an index built meanwhile is seen to be behind
        step = self.client.get_max_batch_size()
        for at in range(0, len(changed_ids), step):
            self.chunks.update(ids=changed_ids[at : at + step], metadatas=changed[at : at + step])
        got = self.articles_col.get(ids=[article.id], include=["metadatas"])
        self.articles_col.update(ids=[article.id], metadatas=[relabelled(got["metadatas"][0], article)])
        self._article_table[article.id] = replace(record, article=replace(article, text=""))

    def delete_article(self, article_id: str) -> None:
        """Remove an article: its record first (so it is gone at once for readers), then its chunks and
        the carrier notes it left on other articles' chunks."""
        self.articles_col.delete(ids=[article_id])
        self._article_table.pop(article_id, None)
        self._drop_passages({article_id})

    def _drop_passages(self, article_ids: set[str]) -> None:
        """Delete the chunks these articles own and the carrier notes they left on other articles' chunks."""
        self.chunks.delete(where={"article_id": {"$in": sorted(article_ids)}})
        self._strip_carriers(article_ids)

    def _strip_carriers(self, gone: set[str]) -> None:
        changed_ids, changed = [], []
        for cid, meta, _, _ in self._all(self.chunks, ["metadatas"]):
            notes = json.loads(meta.get("carriers") or "[]")
            kept = [n for n in notes if n["article_id"] not in gone]
            if len(kept) != len(notes):
                changed_ids.append(cid)
                meta = dict(meta, carriers=json.dumps(kept))
                changed.append(meta | {"outlets": outlets_of(meta)})
        if changed_ids:
            self.chunks.update(ids=changed_ids, metadatas=changed)

    def _remove_orphans(self) -> None:
        """Delete what a crashed writer left: chunks whose article was never committed, carrier notes
        naming such articles, and uploaded originals no article names."""
        self.__dict__.pop("_article_table", None)  # re-read: another writer may have committed meanwhile
        committed = set(self._article_table)
        orphans = {meta["article_id"] for _, meta, _, _ in self._all(self.chunks, ["metadatas"])} - committed
        if orphans:
            self._drop_passages(orphans)
        self._prune_originals()

    def _prune_originals(self) -> None:
        originals.prune(self.settings, (r.article.path for r in self._article_table.values()))
