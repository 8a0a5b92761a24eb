"""Bare embedding throughput on real news chunks: the ceiling any ingest run is measured against.

    .venv/bin/python bench/embed.py [--articles 300] [--runs 3] [--model NAME]

Chunks are ~180-word windows with 40 words of overlap, each prefixed with its article's title, as
ingest makes them, so the figure is comparable with ingest's chunks/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "eval" / "realtimeqa" / "corpus.jsonl"
sys.path.insert(0, str(ROOT))

from briefing.config import load_settings  # noqa: E402
from briefing.embeddings import get_embedder  # noqa: E402


def make_chunks(articles: int, words: int, overlap: int) -> list[str]:
    """Title-prefixed word windows from the first `articles` articles of the corpus."""
    chunks: list[str] = []
    with CORPUS.open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= articles:
                break
            doc = json.loads(line)
            tokens = doc["body"].split()
            step = max(words - overlap, 1)
            for start in range(0, max(len(tokens) - overlap, 1), step):
                chunks.append(f"{doc['title']}\n\n" + " ".join(tokens[start : start + words]))
    return chunks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="first N articles of the corpus")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--model", default=None, help="embedding model (default: settings.embedding)")
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args(argv)

    if not CORPUS.is_file():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 2
    settings = load_settings(embedding=args.model, embedding_batch_size=args.batch_size)
    chunks = make_chunks(args.articles, settings.chunk_words, settings.chunk_overlap_words)
    embedder = get_embedder(settings)
    embedder.embed_documents(chunks[:8])  # warm-up: first run pays for memory allocation

    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        embedder.embed_documents(chunks)
        rates.append(len(chunks) / (time.perf_counter() - start))
    print(
        f"model={embedder.name} dim={embedder.dim} articles={args.articles} chunks={len(chunks)} "
        f"batch_size={settings.embedding_batch_size} runs={[round(r, 1) for r in rates]} "
        f"median={statistics.median(rates):.1f} chunks/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
