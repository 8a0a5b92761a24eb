"""Bare embedding throughput on real news chunks: the ceiling any ingest run is measured against.

    .venv/bin/python bench/embed.py [--articles 300] [--runs 3] [--model NAME]
    .venv/bin/python bench/embed.py --quality --model e5-small   # also: how well it finds gold articles
    .venv/bin/python bench/embed.py --quality --lead-words 40 --articles 20 --runs 1   # quicker comparison

`--quality` compares models cheaply, without a full ingest per model: it embeds each corpus article's lead
chunk (title and first window) and reports vector-only Hit@1/5/10 of the gold article for the dev
questions, open and within the question's week.

Chunks are ~180-word windows with 40 words of overlap, each prefixed with its article's title, as
ingest makes them, so the figure is comparable with ingest's chunks/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REALTIMEQA, read_jsonl  # noqa: E402
from bench.retrieval import metrics  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.embeddings import Embedder, get_embedder  # noqa: E402

CORPUS = REALTIMEQA / "corpus.jsonl"


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
    parser.add_argument("--quality", action="store_true", help="also rank lead chunks for the dev questions")
    parser.add_argument(
        "--lead-words", type=int, default=None, help="words of body in a lead chunk (default: chunk_words)"
    )
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
    if args.quality:
        lead_chunk_quality(embedder, args.lead_words or settings.chunk_words)
    return 0


def lead_chunk_quality(embedder: Embedder, words: int) -> None:
    """Vector-only Hit@k of the gold article over every article's lead chunk, open and week window."""
    docs = list(read_jsonl(CORPUS))
    leads = [f"{d['title']}\n\n" + " ".join(d["body"].split()[:words]) for d in docs]
    start = time.perf_counter()
    vectors = embedder.embed_documents(leads)
    seconds = time.perf_counter() - start
    days = np.array(
        [date.fromisoformat(d["published_at"]).toordinal() if d["published_at"] else -1 for d in docs]
    )
    ranks: dict[str, list[int | None]] = {"open": [], "week": []}
    for q in read_jsonl(CORPUS.with_name("queries_dev.jsonl")):
        scores = vectors @ embedder.embed_query(q["query"])
        asked = date.fromisoformat(q["question_date"]).toordinal()
        gold = set(q["gold_doc_ids"])
        week = (days >= asked - 7) & (days <= asked + 1)
        for setting, keep in (("open", np.ones(len(docs), bool)), ("week", week)):
            order = np.argsort(-np.where(keep, scores, -np.inf))[:10]
            ranks[setting].append(next((i + 1 for i, j in enumerate(order) if docs[j]["id"] in gold), None))
    print(f"lead chunks of {len(docs)} articles embedded in {seconds:.0f} s; dev questions, vector only:")
    for setting, r in ranks.items():
        m = metrics(r)
        print(f"  {setting:5} " + "  ".join(f"{name} {value:.3f}" for name, value in m.items()))


if __name__ == "__main__":
    raise SystemExit(main())
