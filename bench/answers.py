"""Answer quality and speed per backend: do the cited passages come from a gold article, how many answer
sentences does the checker flag, how long does an answer take.

Two question sets: a handful over the five seed articles (gold = the outlet that reports the fact), and the
RealTime QA dev questions over the full corpus, asked with the question's week as the date window (gold =
the quiz's gold articles). Backends: extractive always; local when the model is installed; openai when
OPENAI_API_KEY or OPENAI_BASE_URL is set.

    .venv/bin/python bench/answers.py                       # every backend that can run, both sets
    .venv/bin/python bench/answers.py --backends extractive --sets seeds
    .venv/bin/python bench/answers.py --limit 10            # first 10 dev questions only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, REALTIMEQA, SHARED, read_jsonl  # noqa: E402
from bench.retrieval import store_ids, window  # noqa: E402
from briefing.answer import Answerer  # noqa: E402
from briefing.cite import NOT_IN_SOURCES  # noqa: E402
from briefing.config import Settings, load_settings  # noqa: E402
from briefing.ingest import ingest  # noqa: E402
from briefing.llm import BackendUnavailable, LLMError, get_chat_model  # noqa: E402
from briefing.retrieve import Filters  # noqa: E402
from briefing.store import Store  # noqa: E402

SEEDS = SHARED / "corpus" / "seeds"
# (question, outlet fragment of the article that reports it)
SEED_QUESTIONS = [
    ("What did the Hikvision executive tell Reuters about the chips the company uses?", "Free Malaysia Today"),
    ("Whom did Hikvision hire to advise on human rights compliance?", "Nikkei"),
    ("What did Nick Marro of the EIU say about technology issues?", "Al Jazeera"),
    ("How many Chinese video surveillance companies could be cut off from American technology, according to Bloomberg?", "South China Morning Post"),
    ("How far did Hikvision's shares fall in Shenzhen after the reports?", "Straits Times"),
    ("What did Megvii say about being on a US government list?", "Nikkei"),
    ("How many global employees does Hikvision say it has?", "Straits Times"),
    ("What did China Mobile's chairman Yang Jie say about the US situation?", "Al Jazeera"),
]


def run(answerer: Answerer, questions: list[tuple[str, set[str], Filters]], gold_of) -> dict[str, float]:
    """Ask every question; `gold_of(chunk)` says whether a cited passage comes from a gold article."""
    seconds, gold_share, flagged, sentences, unanswered, failures = [], [], 0, 0, 0, 0
    for question, gold, filters in questions:
        t0 = time.perf_counter()
        try:
            answer = answerer.ask(question, filters=filters)
        except LLMError as exc:
            failures += 1
            print(f"  failed: {question[:60]}: {exc}", file=sys.stderr)
            continue
        seconds.append(time.perf_counter() - t0)
        if answer.not_in_sources:
            unanswered += 1
        cited = [c.chunk for c in answer.citations]
        if cited:
            gold_share.append(sum(gold_of(c, gold) for c in cited) / len(cited))
        sentences += sum(1 for s in answer.check.sentences if s.text.strip() != NOT_IN_SOURCES)
        flagged += len(answer.unsupported)
    return {
        "n": len(questions),
        "cited_gold": statistics.mean(gold_share) if gold_share else 0.0,
        "flagged": flagged / sentences if sentences else 0.0,
        "not_in_sources": unanswered / len(questions),
        "failures": failures,
        "s_per_answer": statistics.median(seconds) if seconds else float("nan"),
    }


def seed_set(tmp: Path) -> tuple[Settings, list[tuple[str, set[str], Filters]]]:
    settings = load_settings(store_dir=tmp / "seeds-store")
    if not Store(settings).article_records():
        ingest([SEEDS], settings, manifest=SEEDS / "manifest.csv", progress=False)
    return settings, [(q, {outlet}, Filters()) for q, outlet in SEED_QUESTIONS]


def dev_set(store_dir: Path, limit: int | None) -> tuple[Settings, list[tuple[str, set[str], Filters]]]:
    settings = load_settings(store_dir=store_dir)
    if not Store(settings).article_records():
        print(f"ingesting the RealTime QA corpus into {store_dir} (once)", flush=True)
        ingest([REALTIMEQA / "corpus.jsonl"], settings)
    ids = store_ids()
    return settings, [
        (q["query"], {ids[g] for g in q["gold_doc_ids"] if g in ids}, window(q, week=True))
        for q in list(read_jsonl(REALTIMEQA / "queries_dev.jsonl"))[:limit]
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="extractive,local,openai")
    ap.add_argument("--sets", default="seeds,dev")
    ap.add_argument("--store", type=Path, default=OUT / "realtimeqa-store", help="Full-corpus store for dev.")
    ap.add_argument("--limit", type=int, help="Only the first N dev questions.")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="briefing-answers-"))
    print(f"{'set':6} {'backend':10} {'model':38} {'n':>3} {'cited gold':>10} {'flagged':>8} {'no answer':>9} {'s/answer':>8}")
    for name in args.sets.split(","):
        settings, questions = seed_set(tmp) if name == "seeds" else dev_set(args.store, args.limit)
        store = Store(settings)

        def gold_of(chunk, gold: set[str]) -> bool:
            if name == "seeds":
                return any(g in o for g in gold for o in chunk.outlets)
            return bool({chunk.article_id, *(c.article_id for c in chunk.carriers)} & gold)

        for backend in args.backends.split(","):
            chosen = settings.with_overrides(llm=backend)
            try:
                model, info = get_chat_model(chosen)
            except BackendUnavailable as exc:
                print(f"{name:6} {backend:10} skipped: {exc.reason}")
                continue
            r = run(Answerer(chosen, store, (model, info, None)), questions, gold_of)
            print(
                f"{name:6} {backend:10} {info.model[:38]:38} {r['n']:3d} {r['cited_gold']:10.2f} {r['flagged']:8.2f} "
                f"{r['not_in_sources']:9.2f} {r['s_per_answer']:8.1f}" + (f"  ({r['failures']} failed)" if r["failures"] else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
