"""Saved-topic matching on RealTime QA: which threshold tells a topic's articles from the rest of its week?

Each dev question stands for a saved topic; what should match it is its gold article(s) among the articles
published in its week (seven days before the question date to the day after, as in bench/retrieval.py),
and every other article of that week should not. A question whose gold lies outside its week is left out.
Printed by threshold: precision, recall and F1 over all (topic, article) pairs, for the score topics.py
uses (the best cosine of the article or one of its passages with the topic) and, for comparison, the
fused rank score of hybrid retrieval. Other outlets' reports of the same event count as false matches
here, so precision is a lower bound.

A refresh adds a handful of articles, not a week: each score is also tried, at its best threshold, on a
refresh's worth per topic (its gold and four other articles of its week, drawn with a fixed seed). A fused
score only ranks articles against each other, so in a small set it rises for whatever is there.

    .venv/bin/python bench/topics.py          # dev only; heldout is never read

Uses the full-corpus store at bench/out/realtimeqa-store (built by bench/retrieval.py on its first run).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.common import OUT, REALTIMEQA, read_jsonl  # noqa: E402
from bench.retrieval import store_ids, window  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.store import Store  # noqa: E402
from briefing.topics import Matcher  # noqa: E402

Scored = list[tuple[float, bool]]  # (score, gold) for every article of every topic's week


def fused(matcher: Matcher, text: str, week: list[str]) -> dict[str, float]:
    """Each article's best fused hit score, hybrid retrieval over the week's articles."""
    rankings = matcher.retriever.rank(text, within=week)
    best: dict[str, float] = {}
    for hit in matcher.retriever.fuse(rankings, len(week)) if rankings else []:
        best[hit.chunk.article_id] = max(best.get(hit.chunk.article_id, 0.0), hit.score)
    return best


def table(name: str, scored: Scored, thresholds: np.ndarray) -> tuple[float, float]:
    """Print precision/recall/F1 by threshold; the best F1 and its threshold."""
    scores = np.array([s for s, _ in scored])
    gold = np.array([g for _, g in scored])
    print(f"\n## {name}: {gold.sum()} gold of {len(gold)} (topic, article) pairs")
    print(f"{'threshold':>9} {'matched':>7} {'precision':>9} {'recall':>6} {'F1':>6}")
    best = (0.0, float(thresholds[0]))
    for t in thresholds:
        hit = scores >= t
        tp = int((hit & gold).sum())
        p = tp / hit.sum() if hit.sum() else 0.0
        r = tp / gold.sum()
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        best = max(best, (f1, float(t)))
        print(f"{t:9.3f} {int(hit.sum()):7d} {p:9.3f} {r:6.3f} {f1:6.3f}")
    print(f"best F1 {best[0]:.3f} at {best[1]:.3f}")
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=OUT / "realtimeqa-store")
    args = ap.parse_args()
    settings = load_settings(store_dir=args.store)
    store = Store(settings)
    if not store.article_records():
        sys.exit(f"{args.store} is empty: build it with bench/retrieval.py (ingests the corpus once)")
    ids = store_ids()
    matcher = Matcher(store, settings)
    kinds: dict[str, Callable[[str, list[str]], dict[str, float]]] = {
        "best cosine (topics.py)": lambda text, week: matcher.scores(text, within=week),
        "fused hybrid score": lambda text, week: fused(matcher, text, week),
    }
    scored: dict[str, Scored] = {name: [] for name in kinds}
    small: dict[str, list[tuple[dict[str, float], set[str]]]] = {name: [] for name in kinds}
    rng = random.Random(15)
    topics = 0
    for q in read_jsonl(REALTIMEQA / "queries_dev.jsonl"):
        w = window(q, week=True)
        week = [
            r.article.id
            for r in store.article_records()
            if r.article.published and w.since <= r.article.published <= w.until
        ]
        gold = {ids[g] for g in q["gold_doc_ids"] if g in ids} & set(week)
        if not gold:
            continue
        topics += 1
        for name, score in kinds.items():
            got = score(q["query"], week)
            scored[name] += [(got.get(aid, -1.0), aid in gold) for aid in week]
        others = rng.sample(sorted(set(week) - gold), 4)
        for name, score in kinds.items():
            small[name].append((score(q["query"], [*gold, *others]), gold))
    print(f"{topics} dev topics with a gold article in their week; store {args.store}")
    top = max(s for s, _ in scored["fused hybrid score"])
    grids = {
        "best cosine (topics.py)": np.arange(0.2, 0.801, 0.025),
        "fused hybrid score": np.linspace(0, top, 17),
    }
    for name, grid in grids.items():
        _, threshold = table(name, scored[name], grid)
        hits = [(aid in gold, s >= threshold) for got, gold in small[name] for aid, s in got.items()]
        gold_n = sum(len(gold) for _, gold in small[name])
        tp = sum(g and m for g, m in hits)
        fp = sum(m and not g for g, m in hits)
        others = 4 * len(small[name])
        print(
            f"a refresh's worth per topic (gold + 4 others of its week) at {threshold:.3f}: "
            f"recall {tp / gold_n:.3f}, other articles matched {fp}/{others} ({fp / others:.0%})"
        )


if __name__ == "__main__":
    main()
