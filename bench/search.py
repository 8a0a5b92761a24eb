"""Hybrid search latency on the full RealTime QA store: p50 and p95 over every quiz question, open and
week-filtered, plus the cost of the first search in a fresh process (index load).

    .venv/bin/python bench/search.py      # uses the store bench/retrieval.py built (ingests it if missing)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, REALTIMEQA, read_jsonl  # noqa: E402
from bench.retrieval import window  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.embeddings import get_embedder  # noqa: E402
from briefing.ingest import ingest  # noqa: E402
from briefing.retrieve import Retriever  # noqa: E402
from briefing.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=OUT / "realtimeqa-store")
    ap.add_argument("--rounds", type=int, default=3, help="Passes over the questions.")
    args = ap.parse_args()
    settings = load_settings(store_dir=args.store)
    get_embedder(settings)

    t0 = time.perf_counter()
    store = Store(settings)
    if not store.article_records():
        ingest([REALTIMEQA / "corpus.jsonl"], settings, store=store)
    retriever = Retriever(store, settings)
    queries = [q for split in ("dev", "heldout") for q in read_jsonl(REALTIMEQA / f"queries_{split}.jsonl")]
    retriever.search(queries[0]["query"], 10)
    print(
        f"first search in a fresh process (store open + index load + query): {(time.perf_counter() - t0) * 1000:.0f} ms"
    )
    print(f"store: {store.stats()['articles']} articles, {store.stats()['chunks']} chunks")

    for setting in ("open", "week"):
        latencies = []
        for _ in range(args.rounds):
            for q in queries:
                t = time.perf_counter()
                retriever.search(q["query"], 10, window(q, setting == "week"))
                latencies.append((time.perf_counter() - t) * 1000)
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(
            f"{setting:5} k=10: p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms over {len(latencies)} searches"
        )


if __name__ == "__main__":
    main()
