"""Ingest speed and memory on the RealTime QA corpus, beside the bare embedding throughput.

The embedder is the cost floor of ingest; everything else (loading, cleaning, reuse detection, chunking,
Chroma writes, the keyword index) should add little on top. Prints articles/s, chunks/s, peak RSS, and the
bare embedder's chunks/s on the same chunks, with the ratio.

    .venv/bin/python bench/ingest.py                  # whole corpus (40-60 min on 2 cores, 53,791 chunks)
    .venv/bin/python bench/ingest.py --articles 300   # quick look
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REALTIMEQA, peak_rss_mb  # noqa: E402
from briefing.chunk import chunk_spans, split_sentences  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.embeddings import get_embedder  # noqa: E402
from briefing.ingest import ingest, to_article  # noqa: E402
from briefing.loaders import load_paths  # noqa: E402
from briefing.models import Article, RawArticle  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, help="Only the first N corpus records (default: all).")
    ap.add_argument("--bare-chunks", type=int, default=3000, help="Chunks for the bare embedding run.")
    ap.add_argument("--keep", type=Path, help="Keep the store here instead of a temporary folder.")
    args = ap.parse_args()

    corpus = REALTIMEQA / "corpus.jsonl"
    work = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    if args.articles:
        subset = work / "corpus.jsonl"
        with corpus.open() as src, subset.open("w") as dst:
            dst.writelines(itertools.islice(src, args.articles))
        corpus = subset
    store_dir = args.keep or work / "store"
    settings = load_settings(store_dir=store_dir)

    embedder = get_embedder(settings)  # loaded before the clock starts, as in a long-running process
    t0 = time.perf_counter()
    report = ingest([corpus], settings, progress=False)
    seconds = time.perf_counter() - t0
    rss = peak_rss_mb()
    print(report.summary())
    print(
        f"ingest: {len(report.added)} articles in {seconds:.1f} s = {len(report.added) / seconds:.2f} articles/s, "
        f"{report.chunks / seconds:.1f} chunks/s; peak RSS {rss:.0f} MB"
    )

    texts: list[str] = []
    for raw in load_paths([corpus]):
        article = to_article(raw) if isinstance(raw, RawArticle) else raw
        if isinstance(article, Article):
            spans = chunk_spans(
                article.text,
                split_sentences(article.text),
                target_words=settings.chunk_words,
                overlap_words=settings.chunk_overlap_words,
            )
            texts += [f"{article.title}\n{article.text[s:e]}" for s, e in spans]
        if len(texts) >= args.bare_chunks:
            break
    texts = texts[: args.bare_chunks]
    t0 = time.perf_counter()
    embedder.embed_documents(texts, batch_size=settings.embedding_batch_size)
    bare = len(texts) / (time.perf_counter() - t0)
    ratio = (report.chunks / seconds) / bare
    print(
        f"bare embedding ({embedder.name}): {bare:.1f} chunks/s on {len(texts)} chunks; "
        f"ingest runs at {ratio:.0%} of it"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
