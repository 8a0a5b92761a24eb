"""Retrieval quality on RealTime QA: does the gold article come back, and how high?

Reports Hit@1/5/10 and MRR@10 of the gold article for hybrid, keyword-only and vector-only retrieval, in two
settings: open (whole corpus) and the question's week (published from seven days before the question date
to the day after it). Dev and heldout are reported separately; tune on dev only.

Ans@1 is a diagnostic beside them: the share of questions whose top article contains every term of the
quiz answer (stemmed, as the keyword index sees it). Each question has one gold article, usually CNN's,
while other outlets report the same event; Ans@1 tells such a near miss from a wrong story. It is loose (a
one-word answer such as "Ford" can occur in an unrelated article), so it is never a target.

    .venv/bin/python bench/retrieval.py                 # ingests the corpus into bench/out/ on first run
    .venv/bin/python bench/retrieval.py --split dev --modes hybrid
    .venv/bin/python bench/retrieval.py --tune          # grid over the fusion weights, dev queries only
    .venv/bin/python bench/retrieval.py --misses        # dev questions whose gold is not first, and why
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, REALTIMEQA, read_jsonl  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.index import tokens  # noqa: E402
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


def window(q: dict, week: bool) -> Filters:
    """No filter in the open setting; in the week setting, seven days before the question to the day after."""
    if not week:
        return Filters()
    asked = date.fromisoformat(q["question_date"])
    return Filters(since=asked - timedelta(days=7), until=asked + timedelta(days=1))


def gold_rank(hits: list[Hit], q: dict, ids: dict[str, str]) -> int | None:
    """1-based rank of the first gold article among the hits' articles; `ids` maps the corpus's record ids
    to store article ids."""
    gold = {ids[g] for g in q["gold_doc_ids"] if g in ids}
    return next((i + 1 for i, a in enumerate(ranked_articles(hits)) if a in gold), None)


def metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks)
    result = {f"hit@{k}": sum(1 for r in ranks if r and r <= k) / n for k in KS}
    result["mrr@10"] = sum(1 / r for r in ranks if r and r <= 10) / n
    return result


def holds_answer(store: Store, article_id: str, answer: str) -> bool:
    """Whether the article's text contains every term of `answer`, as the keyword index tokenises both."""
    article = store.get_article(article_id)
    wanted = set(tokens([answer])[0])
    return bool(article and wanted) and wanted <= set(tokens([f"{article.title}\n{article.text}"])[0])


def evaluate(retriever: Retriever, queries: list[dict], week: bool, ids: dict[str, str]) -> dict[str, float]:
    ranks: list[int | None] = []
    latencies: list[float] = []
    answered = 0
    for q in queries:
        t0 = time.perf_counter()
        hits = retriever.search(q["query"], 10, window(q, week))
        latencies.append(time.perf_counter() - t0)
        ranks.append(gold_rank(hits, q, ids))
        top = ranked_articles(hits)[:1]
        answered += bool(top) and holds_answer(retriever.store, top[0], q["answer"])
    return {**metrics(ranks), "ans@1": answered / len(queries), "p50_ms": statistics.median(latencies) * 1000}


def show_misses(retriever: Retriever, queries: list[dict], week: bool, ids: dict[str, str]) -> None:
    """Print each question whose gold article is not first: its rank, the top article and the gold, with
    outlet, date and title, so a reader can tell another outlet's report of the same event (top article
    marked "holds answer") from a wrong story."""

    def describe(article_id: str) -> str:
        a = retriever.store.get_article(article_id)
        return f"{a.source[:14]:14} {a.published} {a.title[:80]}" if a else article_id

    for q in queries:
        hits = retriever.search(q["query"], 10, window(q, week))
        rank = gold_rank(hits, q, ids)
        if rank == 1:
            continue
        top = ranked_articles(hits)[:1]
        print(f"\n[{q['id']}] gold rank {rank or '>10'}: {q['query'][:150]}\n  answer: {q['answer']}")
        if top:
            held = " (holds answer)" if holds_answer(retriever.store, top[0], q["answer"]) else ""
            print(f"  top:  {describe(top[0])}{held}")
        for g in dict.fromkeys(ids[g] for g in q["gold_doc_ids"] if g in ids):
            print(f"  gold: {describe(g)}")


class _CachedStore:
    """The store with chunk reads memoised: tuning fuses the same rankings hundreds of times."""

    def __init__(self, store: Store):
        self._store = store
        self._chunks: dict[str, object] = {}

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def get_chunks(self, ids: list[str]) -> list:
        missing = [i for i in ids if i not in self._chunks]
        for c in self._store.get_chunks(missing) if missing else []:
            self._chunks[c.id] = c
        return [self._chunks[i] for i in ids if i in self._chunks]


def tune(store: Store, settings, queries: list[dict], ids: dict[str, str]) -> None:
    """Grid over the fusion weights and RRF k on these queries (dev only), ranking each query once.

    Scores each setting by Hit@1 + Hit@5 + MRR@10 summed over the open and week settings, and prints the
    best twenty, so a choice can favour a broad plateau over one lucky point."""
    cached = _CachedStore(store)
    base = Retriever(cached, settings)  # type: ignore[arg-type]
    rankings = {week: [base.rank(q["query"], window(q, week)) for q in queries] for week in (False, True)}
    levels = (0.5, 1.0, 2.0)
    freshness = [(0.0, 365.0, 0.0)] + [
        (r, h, g) for r in (0.3, 0.6) for h in (180.0, 365.0) for g in (0.0, 90.0)
    ]
    results = []
    for ck, cv, ak, av, rrf_k, (recency, half_life, grace) in itertools.product(
        levels, levels, levels, levels, (30, 60), freshness
    ):
        fusion = settings.retrieval.model_copy(
            update=dict(
                chunk_keyword=ck,
                chunk_vector=cv,
                article_keyword=ak,
                article_vector=av,
                rrf_k=rrf_k,
                recency=recency,
                half_life_days=half_life,
                grace_days=grace,
            )
        )
        fused = Retriever(cached, settings, embedder=base.embedder, tuning=fusion)  # type: ignore[arg-type]
        per = {
            week: metrics([gold_rank(fused.fuse(r, 10), q, ids) for q, r in zip(queries, rankings[week])])
            for week in (False, True)
        }
        score = sum(m["hit@1"] + m["hit@5"] + m["mrr@10"] for m in per.values())
        results.append((score, fusion, per))
    results.sort(key=lambda r: r[0], reverse=True)
    print(
        "score | chunk_kw chunk_vec art_kw art_vec rrf_k recency half_life grace "
        "| open H@1 H@5 MRR | week H@1 H@5 MRR"
    )
    current = next(r for r in results if r[1] == settings.retrieval)
    for score, fusion, per in [*results[:20], current]:
        print(
            f"{score:5.3f} | "
            + " ".join(f"{v:g}" for k, v in fusion.model_dump().items() if "candidates" not in k)
            + " | "
            + " | ".join(f"{m['hit@1']:.3f} {m['hit@5']:.3f} {m['mrr@10']:.3f}" for m in per.values())
        )


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
    ap.add_argument("--tune", action="store_true", help="Grid-search the fusion settings on the dev queries.")
    ap.add_argument("--misses", action="store_true", help="List dev questions whose gold is not the top hit.")
    args = ap.parse_args()

    settings = load_settings(store_dir=args.store)
    store = Store(settings)
    if not store.article_records():
        print(
            f"ingesting {REALTIMEQA / 'corpus.jsonl'} into {args.store} (once; 40-60 min on 2 cores)",
            flush=True,
        )
        report = ingest([REALTIMEQA / "corpus.jsonl"], settings, store=store)
        print(report.summary(), flush=True)
    ids = store_ids()
    if args.tune:
        tune(store, settings, list(read_jsonl(REALTIMEQA / "queries_dev.jsonl")), ids)
        return
    if args.misses:  # dev only: reading heldout misses one by one would be tuning on them
        for setting in ("open", "week"):
            print(f"\n## dev, {setting}: hybrid")
            show_misses(
                Retriever(store, settings),
                list(read_jsonl(REALTIMEQA / "queries_dev.jsonl")),
                setting == "week",
                ids,
            )
        return
    splits = ["dev", "heldout"] if args.split == "both" else [args.split]
    figures: dict[str, dict] = {}
    print(
        f"{'split':8} {'setting':6} {'mode':8} {'n':>4} {'Hit@1':>6} {'Hit@5':>6} {'Hit@10':>6} {'MRR@10':>6} "
        f"{'Ans@1':>6} {'p50 ms':>7}"
    )
    for split in splits:
        queries = list(read_jsonl(REALTIMEQA / f"queries_{split}.jsonl"))
        for mode in args.modes.split(","):
            retriever = Retriever(store, settings, mode=mode)  # type: ignore[arg-type]
            for setting in ("open", "week"):
                r = evaluate(retriever, queries, setting == "week", ids)
                figures[f"{split}/{setting}/{mode}"] = r
                print(
                    f"{split:8} {setting:6} {mode:8} {len(queries):4d} {r['hit@1']:6.3f} {r['hit@5']:6.3f} "
                    f"{r['hit@10']:6.3f} {r['mrr@10']:6.3f} {r['ans@1']:6.3f} {r['p50_ms']:7.1f}",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
