"""Ingest: load -> clean -> dedupe -> chunk -> embed -> store, with a report of what happened to each input.

Articles are prepared one by one (dedupe must see the articles before them, including earlier ones of the
same run) and embedded in batches across articles, because the embedder is fastest on many chunks of
similar length at once. Each article is committed on its own: a failure costs that article, never the
ones stored before it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from tqdm import tqdm

from briefing.chunk import Sentence, chunk_spans, split_sentences
from briefing.clean import clean_text
from briefing.config import Settings
from briefing.dedupe import SHARED_SENTENCE_SHARE, GramIndex, SharedSentence, text_grams
from briefing.embeddings import get_embedder
from briefing.loaders import Limits, apply_metadata, find_row, load_paths, read_manifest
from briefing.models import Article, Carrier, Chunk, LoadFailure, RawArticle
from briefing.records import Commit
from briefing.store import Store

EMBED_SLICE = 256  # passages embedded between two updates of the embedding bar
EMBED_BATCH_CHUNKS = (
    1024  # chunks embedded together: sorted by length, fewer padded tokens; still commits every ~70 articles
)


UNKNOWN_OUTLET = "unknown outlet"  # an article whose file, manifest and URL name no outlet


@dataclass(frozen=True)
class Skip:
    """An input that added nothing because its article is stored already, or came earlier in this run."""

    path: str
    stored_as: str | None = None  # the stored article's id
    same_as: str | None = None  # the earlier input's path

    @property
    def reason(self) -> str:
        return f"already stored as {self.stored_as}" if self.stored_as else f"identical to {self.same_as}"


@dataclass
class IngestReport:
    """What one ingest run did, for the summary line and the exit code."""

    added: list[Article] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    near_duplicates: list[tuple[Article, str]] = field(default_factory=list)  # (article, twin id)
    chunks: int = 0
    failures: list[LoadFailure] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (path, what its reader warned about)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (
            f"{len(self.added)} articles added ({len(self.near_duplicates)} near-duplicates linked to a twin), "
            f"{self.chunks} chunks, {len(self.skipped)} skipped, {len(self.failures)} failed"
        )


def article_id(source: str, text: str) -> str:
    """Stable id from outlet and cleaned text: the same file ingested twice gets the same id, while the
    same story under another outlet's name is a different article (a near-duplicate, linked)."""
    return hashlib.sha256(f"{source}\n{text}".encode()).hexdigest()[:16]


def to_article(raw: RawArticle, max_words: int | None = None) -> Article | LoadFailure:
    """Clean a loaded article and settle its metadata. A page whose body is all furniture but which has a
    headline (a saved video page) is kept with the headline as its text, so it can still be found and
    cited for what it announces; with neither, it is a failure. A text over `max_words` is refused before
    cleaning: chunking and embedding it would take minutes and gigabytes for something not an article."""
    if max_words is not None and (words := len(raw.text.split())) > max_words:
        return LoadFailure(
            raw.path,
            f"{words:,} words is over the limit of {max_words:,} per article (setting max_article_words)",
        )
    text = clean_text(raw.text) or clean_text(raw.title or "")
    if not text.strip():
        return LoadFailure(raw.path, "no article text left after cleaning")
    source = raw.source or (urlparse(raw.url).hostname if raw.url else None) or UNKNOWN_OUTLET
    title = raw.title or text.split("\n", 1)[0][:200]
    return Article(article_id(source, text), title, source, raw.published, raw.url, raw.path, text)


@dataclass
class _Prepared:
    article: Article
    chunks: list[Chunk]
    carried: list[tuple[str, Carrier]]  # notes for other articles' chunks: (chunk id, this article carries)


class Writer:
    """Dedupes, chunks, embeds and commits articles into one store, in order. Every way articles arrive
    (files and folders, feed refreshes) ends here, so all get the same cleaning, dedupe and commit order."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        report: IngestReport,
        tell: Callable[[str, str], None],
        quiet: bool | None = True,
    ):
        self.store = store
        self.quiet = quiet  # tqdm's `disable`: None shows bars on a terminal only
        self.tell = tell
        self.settings = settings
        self.report = report
        self.grams: GramIndex = store.gram_index()
        self.embedder = get_embedder(settings)
        self.pending: list[_Prepared] = []
        self.run_chunks: dict[str, list[Chunk]] = {}  # chunks of articles prepared in this run
        self.seen: dict[str, str] = {}  # id -> path of the articles taken in this run
        self.changed = False
        self.unstored = 0  # articles whose commit failed: unlike bad input, they may be stored next time

    def _chunks_of(self, article_id: str) -> list[Chunk]:
        if article_id not in self.run_chunks:
            self.run_chunks[article_id] = self.store.article_chunks(article_id)
        return self.run_chunks[article_id]

    def take(self, article: Article | LoadFailure) -> None:
        """A loaded article, stored unless it is stored already or came earlier in this run; a failure is
        reported."""
        path = (article.path or article.id) if isinstance(article, Article) else article.path
        if isinstance(article, LoadFailure):
            self.report.failures.append(article)
            self.tell(path, f"failed: {article.reason}")
        elif self.store.has_article(article.id):
            self.report.skipped.append(skip := Skip(path, stored_as=article.id))
            self.tell(path, f"skipped: {skip.reason}")
        elif article.id in self.seen:
            self.report.skipped.append(skip := Skip(path, same_as=self.seen[article.id]))
            self.tell(path, f"skipped: {skip.reason}")
        else:
            self.seen[article.id] = path
            self.add(article)

    def add(self, article: Article) -> None:
        sentences = split_sentences(article.text)
        grams = text_grams(article.text)
        reuse = self.grams.find_reuse(grams, sentences)
        twin = reuse.near_duplicate_of
        if twin:
            twin_record = self.store.get_article(twin) or next(
                (p.article for p in self.pending if p.article.id == twin), None
            )
            if (
                twin_record
                and twin_record.text == article.text
                and article.source in (UNKNOWN_OUTLET, twin_record.source)
            ):
                # The same text again without its outlet (a re-upload with no manifest), or under the outlet
                # it was edited to (its id still names the old one): the stored article, not a copy that
                # would then show up in citations.
                self.seen.pop(article.id, None)
                path = article.path or article.id
                self.report.skipped.append(skip := Skip(path, stored_as=twin_record.id))
                self.tell(path, f"skipped: {skip.reason}")
                return
            twin = (twin_record.duplicate_of or twin_record.id) if twin_record else None
            article = replace(article, duplicate_of=twin)
        reprinted = {s.sentence for s in reuse.shared if s.share >= SHARED_SENTENCE_SHARE}
        spans = chunk_spans(
            article.text,
            sentences,
            target_words=self.settings.chunk_words,
            overlap_words=self.settings.chunk_overlap_words,
            exclude=reprinted,
        )
        chunks = [
            Chunk(
                id=f"{article.id}:{i:03d}",
                article_id=article.id,
                title=article.title,
                source=article.source,
                published=article.published,
                url=article.url,
                path=article.path,
                position=i,
                start=start,
                end=end,
                text=article.text[start:end],
            )
            for i, (start, end) in enumerate(spans)
        ]
        carried = [note for s in reuse.shared if (note := self._carrier_note(article, sentences, s))]
        self.grams.add(article.id, grams, spans)
        self.run_chunks[article.id] = chunks
        self.pending.append(_Prepared(article, chunks, carried))
        if sum(len(p.chunks) for p in self.pending) >= EMBED_BATCH_CHUNKS:
            self.flush()

    def _carrier_note(
        self, article: Article, sentences: Sequence[Sentence], shared: SharedSentence
    ) -> tuple[str, Carrier] | None:
        """Which stored chunk holds the shared passage, and the note saying this article carries it."""
        best, overlap = None, 0
        for chunk in self._chunks_of(shared.article_id):
            o = min(chunk.end, shared.end) - max(chunk.start, shared.start)
            if o > overlap:
                best, overlap = chunk, o
        if best is None:
            return None
        start, end = max(best.start, shared.start) - best.start, min(best.end, shared.end) - best.start
        return best.id, Carrier(article.id, article.source, article.title, article.published, start, end)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts`; a long batch (a long article, or many) shows its own bar, since it can take
        a minute with nothing else moving."""
        size = self.settings.embedding_batch_size
        if len(texts) <= EMBED_SLICE:
            return self.embedder.embed_documents(texts, batch_size=size) if texts else np.zeros((0, 0))
        parts = []
        with tqdm(
            total=len(texts), unit=" passage", desc="embedding", leave=False, disable=self.quiet
        ) as bar:
            for at in range(0, len(texts), EMBED_SLICE):
                parts.append(self.embedder.embed_documents(texts[at : at + EMBED_SLICE], batch_size=size))
                bar.update(len(parts[-1]))
        return np.concatenate(parts)

    def flush(self) -> None:
        """Embed the pending chunks together, then store the articles together."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        texts = [f"{c.title}\n{c.text}" for p in batch for c in p.chunks]
        vectors = self._embed(texts)
        commits, at = [], 0
        for p in batch:
            n = len(p.chunks)
            commits.append(Commit(p.article, p.chunks, vectors[at : at + n], p.carried))
            at += n
        failed = self.store.commit_articles(commits)
        for c in commits:
            article = c.article
            if article.id in failed:  # one article's storage failure must not stop the run
                failure = LoadFailure(article.path or article.id, f"could not store: {failed[article.id]}")
                self.report.failures.append(failure)
                self.unstored += 1
                self.grams.remove({article.id})
                self.tell(failure.path, f"failed: {failure.reason}")
                continue
            self.changed = True
            self.report.added.append(article)
            self.report.chunks += len(c.chunks)
            twin = article.duplicate_of
            if twin:
                self.report.near_duplicates.append((article, twin))
            self.tell(
                article.path or article.id,
                f"added as {article.id}" + (f", near-duplicate of {twin}" if twin else ""),
            )

    def close(self) -> None:
        self.flush()
        if self.changed:
            self.store.finish_writes(self.grams)


def limits_of(settings: Settings) -> Limits:
    """The size limits the settings give, in bytes."""
    return Limits(
        int(settings.max_file_mb * 2**20), int(settings.max_collection_mb * 2**20), settings.max_article_words
    )


def ingest(
    paths: Iterable[str | Path],
    settings: Settings,
    *,
    manifest: Path | None = None,
    source: str | None = None,
    published: date | None = None,
    store: Store | None = None,
    progress: bool | None = None,
    on_article: Callable[[str, str], None] | None = None,
) -> IngestReport:
    """Ingest files, folders and URLs into the store; never raises for bad input, reports it instead.

    `on_article(path, outcome)` is told the outcome of each input (added, duplicate, failed: reason), for
    callers that show per-file results (the app)."""
    report = IngestReport()
    rows = {}
    if manifest is not None:
        rows, manifest_failures = read_manifest(manifest)
        report.failures += manifest_failures
    store = store or Store(settings)

    def tell(path: str, outcome: str) -> None:
        if on_article:
            on_article(path, outcome)

    with store.writing():
        quiet = (not progress) if progress is not None else None
        writer = Writer(store, settings, report, tell, quiet)
        bar = tqdm(
            load_paths(paths, limits=limits_of(settings), allow_hosts=settings.fetch_allow_hosts),
            unit=" article",
            disable=quiet,
        )
        for item in bar:
            if isinstance(item, LoadFailure):
                writer.take(item)
                continue
            report.warnings += [(item.path, note) for note in item.notes]
            row = find_row(rows, manifest, item.path) if manifest is not None else None
            writer.take(
                row
                if isinstance(row, LoadFailure)
                else to_article(
                    apply_metadata(item, row, source=source, published=published), settings.max_article_words
                )
            )
        writer.close()
    return report


def remove(article_id: str, settings: Settings, *, store: Store | None = None) -> list[str]:
    """Delete an article and its chunks. Articles whose shared passages were stored under it (syndicated
    copies, reprinted paragraphs) are re-chunked from their stored text, so nothing they said is lost.
    Returns the ids of the articles so restored; raises KeyError for an unknown id."""
    store = store or Store(settings)
    with store.writing():
        if not store.has_article(article_id):
            raise KeyError(article_id)
        dependents = {
            carrier.article_id for chunk in store.article_chunks(article_id) for carrier in chunk.carriers
        } | {r.article.id for r in store.article_records() if r.article.duplicate_of == article_id}
        dependents.discard(article_id)
        restored = [a for a in (store.get_article(d) for d in sorted(dependents)) if a]
        for gone in [article_id, *(a.id for a in restored)]:
            store.delete_article(gone)
        store.rebuild_indexes()  # the writer then loads reuse data without the deleted articles
        report = IngestReport()
        writer = Writer(store, settings, report, lambda path, outcome: None)
        for article in restored:
            writer.add(replace(article, duplicate_of=None))
        writer.close()
        if not writer.changed:
            store.finish_writes(writer.grams)
        if report.failures:
            raise RuntimeError("; ".join(f"{f.path}: {f.reason}" for f in report.failures))
    return [a.id for a in restored]
