"""Retrieval quality on RealTime QA: does the gold article come back, and how high?

Reports Hit@1/5/10 and MRR@10 of the gold article for hybrid, keyword-only and vector-only retrieval, in two
settings: open (whole corpus) and the question's week (published from seven days before the question date
to the day after it). Dev and heldout are reported separately; tune on dev only.

    .venv/bin/python bench/retrieval.py                 # ingests the corpus into bench/out/ on first run
    .venv/bin/python bench/retrieval.py --split dev --modes hybrid
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, REALTIMEQA, read_jsonl  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.ingest import ingest, to_article  # noqa: E402
from briefing.loaders import load_paths  # noqa: E402
from briefing.models import Article, Hit, RawArticle  # noqa: E402
from briefing.retrieve import Filters, Retriever  # noqa: E402
from briefing.store import Store  # noqa: E402

KS = (1, 5, 10)


def ranked_articles(hits: list[Hit]) -> list[str]:
    """Distinct articles in hit order; an article whose passage is stored under its twin counts where the
    twin's chunk appears (that chunk carries its text)."""
    seen: list[str] = []
    for h in hits:
        for aid in [h.chunk.article_id, *(c.article_id for c in h.chunk.carriers)]:
            if aid not in seen:
                seen.append(aid)
    return seen


def evaluate(retriever: Retriever, queries: list[dict], week: bool, ids: dict[str, str]) -> dict[str, float]:
    """`ids` maps the corpus's record ids to store article ids."""
    ranks: list[int | None] = []
    latencies: list[float] = []
    for q in queries:
        filters = Filters()
        if week:
            asked = date.fromisoformat(q["question_date"])
            filters = Filters(since=asked - timedelta(days=7), until=asked + timedelta(days=1))
        t0 = time.perf_counter()
        hits = retriever.search(q["query"], 10, filters)
        latencies.append(time.perf_counter() - t0)
        order = ranked_articles(hits)
        gold = {ids[g] for g in q["gold_doc_ids"] if g in ids}
        ranks.append(next((i + 1 for i, a in enumerate(order) if a in gold), None))
    n = len(ranks)
    result = {f"hit@{k}": sum(1 for r in ranks if r and r <= k) / n for k in KS}
    result["mrr@10"] = sum(1 / r for r in ranks if r and r <= 10) / n
    result["p50_ms"] = statistics.median(latencies) * 1000
    return result


def store_ids() -> dict[str, str]:
    """Corpus record id -> store article id. Ids derive from outlet and cleaned text, so loading and
    cleaning each record again gives the id it was stored under (or of the identical copy stored instead)."""
    records = list(read_jsonl(REALTIMEQA / "corpus.jsonl"))
    loaded = list(load_paths([REALTIMEQA / "corpus.jsonl"]))
    assert len(records) == len(loaded), "every corpus line should load as one article"
    ids = {}
    for rec, raw in zip(records, loaded):
        article = to_article(raw) if isinstance(raw, RawArticle) else raw
        if isinstance(article, Article):
            ids[rec["id"]] = article.id
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=OUT / "realtimeqa-store")
    ap.add_argument("--split", choices=["dev", "heldout", "both"], default="both")
    ap.add_argument("--modes", default="hybrid,keyword,vector")
    ap.add_argument("--json", type=Path, help="Also write the figures here.")
    args = ap.parse_args()

    settings = load_settings(store_dir=args.store)
    store = Store(settings)
    if not store.article_records():
        print(f"ingesting {REALTIMEQA / 'corpus.jsonl'} into {args.store} (once; ~20 min on 2 cores)", flush=True)
        report = ingest([REALTIMEQA / "corpus.jsonl"], settings, store=store)
        print(report.summary(), flush=True)
    ids = store_ids()
    splits = ["dev", "heldout"] if args.split == "both" else [args.split]
    figures: dict[str, dict] = {}
    print(f"{'split':8} {'setting':6} {'mode':8} {'n':>4} {'Hit@1':>6} {'Hit@5':>6} {'Hit@10':>6} {'MRR@10':>6} {'p50 ms':>7}")
    for split in splits:
        queries = list(read_jsonl(REALTIMEQA / f"queries_{split}.jsonl"))
        for mode in args.modes.split(","):
            retriever = Retriever(store, settings, mode=mode)  # type: ignore[arg-type]
            for setting in ("open", "week"):
                r = evaluate(retriever, queries, setting == "week", ids)
                figures[f"{split}/{setting}/{mode}"] = r
                print(
                    f"{split:8} {setting:6} {mode:8} {len(queries):4d} {r['hit@1']:6.3f} {r['hit@5']:6.3f} "
                    f"{r['hit@10']:6.3f} {r['mrr@10']:6.3f} {r['p50_ms']:7.1f}",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
