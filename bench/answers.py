"""Answer quality, cost and speed per backend, on the seed questions and on RealTime QA.

Seed questions (`bench/seed_questions.jsonl`, written for this project over the five seed articles): each
names the facts a right answer may give (every term of one fact must appear) and the articles that hold
them; an answer is right when it names a fact and cites a passage of one of those articles. Questions the
sources cannot answer (`facts: null`) are right only when declined.

RealTime QA (dev by default; heldout only for a final report, never for tuning), each question asked in its
week (seven days before the question date to the day after) over the full corpus store. The quiz has four
choices; an answer is right when it shares a larger fraction of the correct choice's content words
(lower-cased, stop words dropped) than of any other choice's, and at least one. Two forms: `choices`
appends "Options: a; b; c; d." to the question (how the published baselines were scored), `bare` asks the
question alone, as an analyst would.

Printed per set, form and backend: questions, right, declined, the share of draft sentences the checker
rejected (before repair) and of final sentences flagged, dangling markers removed, mean prompt and
generated tokens per answer, median seconds per answer and to the first streamed token.

    .venv/bin/python bench/answers.py                                   # seeds + dev, extractive and local
    .venv/bin/python bench/answers.py --sets seeds --backends local
    .venv/bin/python bench/answers.py --sets dev --forms bare --limit 10
    .venv/bin/python bench/answers.py --sets heldout --limit 40        # final report only

Per-question rows for seeds and dev go to bench/out/answers-*.jsonl (never for heldout: reading heldout
misses one by one would be tuning on them).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bm25s.stopwords import STOPWORDS_EN_PLUS  # noqa: E402

from bench.common import OUT, REALTIMEQA, SHARED, read_jsonl  # noqa: E402
from bench.retrieval import window  # noqa: E402
from briefing.answer import Answer, Answerer, Turn  # noqa: E402
from briefing.cite import check_citations  # noqa: E402
from briefing.config import Settings, load_settings  # noqa: E402
from briefing.ingest import ingest  # noqa: E402
from briefing.llm import BackendUnavailable, LLMError, get_chat_model  # noqa: E402
from briefing.llm.queue import Waiting  # noqa: E402
from briefing.markers import strip_markers  # noqa: E402
from briefing.retrieve import Filters  # noqa: E402
from briefing.store import Store  # noqa: E402

SEEDS = SHARED / "corpus" / "seeds"
SEED_QUESTIONS = Path(__file__).with_name("seed_questions.jsonl")
_STOP = set(STOPWORDS_EN_PLUS)


@dataclass
class Case:
    id: str
    question: str
    filters: Filters
    judge: Callable[[Answer], bool]
    after: str | None = None  # a follow-up: asked after this case's question and answer


def normalise(text: str) -> str:
    return " ".join(strip_markers(text).lower().replace("’", "'").replace("“", '"').replace("”", '"').split())


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+(?:[.,][0-9]+)*", text.lower()) if w not in _STOP}


def choice_right(answer_text: str, choices: list[str], correct: int) -> bool:
    """The quiz rule: the correct choice's content words are the best covered, and at least one is."""
    words = content_words(strip_markers(answer_text))
    shares = []
    for c in choices:
        cw = content_words(c)
        shares.append((len(cw & words) / len(cw) if cw else 0.0, len(cw & words)))
    best_other = max((s for i, (s, _) in enumerate(shares) if i != correct), default=0.0)
    return shares[correct][1] >= 1 and shares[correct][0] > best_other


def seed_cases() -> list[Case]:
    cases = []
    for q in read_jsonl(SEED_QUESTIONS):
        facts, articles = q["facts"], tuple(q["articles"])

        def judge(a: Answer, facts=facts, articles=articles) -> bool:
            if facts is None:
                return a.declined
            text = normalise(a.text)
            named = any(all(term in text for term in fact) for fact in facts)
            cited = any(Path(c.chunk.path or "").name.startswith(articles) for c in a.citations)
            return named and cited

        cases.append(Case(q["id"], q["question"], Filters(), judge, q.get("after")))
    return cases


def quiz_cases(split: str, form: str, limit: int | None) -> list[Case]:
    cases = []
    for q in list(read_jsonl(REALTIMEQA / f"queries_{split}.jsonl"))[:limit]:
        question = q["query"] + (" Options: " + "; ".join(q["choices"]) + "." if form == "choices" else "")
        correct = q["answer_indices"][0]
        cases.append(
            Case(
                q["id"],
                question,
                window(q, week=True),
                lambda a, q=q, correct=correct: choice_right(a.text, q["choices"], correct),
            )
        )
    return cases


def seed_settings(tmp: Path) -> Settings:
    settings = load_settings(store_dir=tmp / "seeds-store")
    if not Store(settings).article_records():
        ingest([SEEDS], settings, manifest=SEEDS / "manifest.csv", progress=False)
    return settings


def run(answerer: Answerer, cases: list[Case], rows_out: Path | None) -> dict[str, float]:
    seconds, first, right, declined, failures, confident_wrong = [], [], 0, 0, 0, 0
    draft_sents = draft_bad = final_sents = final_bad = dangling = 0
    prompt_tokens, completion_tokens = [], []
    rows = []
    answers: dict[str, Answer] = {}
    for case in cases:
        t0 = time.perf_counter()
        t_first = None
        before = answers.get(case.after or "")
        history = [Turn(before.question, before.text)] if before else []
        try:
            for part in answerer.stream(case.question, history, filters=case.filters):
                if isinstance(part, Answer):
                    answer = part
                elif t_first is None and not isinstance(part, Waiting):  # a stage, or the first draft text
                    t_first = time.perf_counter() - t0
        except LLMError as exc:
            failures += 1
            print(f"  failed: {case.id}: {exc}", file=sys.stderr)
            continue
        seconds.append(time.perf_counter() - t0)
        answers[case.id] = answer
        if t_first is not None:
            first.append(t_first)
        ok = case.judge(answer)
        right += ok
        declined += answer.declined
        # Wrong, yet nothing tells the reader so: no flagged sentence, no "the sources do not give".
        confident_wrong += not ok and answer.coverage.status == "answered" and not answer.unsupported
        final = [s for s in answer.check.sentences if s.reason != "not-in-sources reply"]
        final_sents += len(final)
        final_bad += len(answer.unsupported)
        if answer.usage:
            prompt_tokens.append(answer.usage["prompt_tokens"])
            completion_tokens.append(answer.usage["completion_tokens"])
            drafted = (
                check_citations(
                    answer.draft, answer.sources, answerer.embedder, checker=answerer.settings.checker
                )
                if answer.draft
                else answer.check
            )
            sents = [s for s in drafted.sentences if s.reason != "not-in-sources reply"]
            draft_sents += len(sents)
            draft_bad += sum(not s.supported for s in sents)
            dangling += len(drafted.removed_markers)
        print(f"  {case.id}: {'right' if ok else 'wrong'} {seconds[-1]:.1f}s", file=sys.stderr, flush=True)
        rows.append(
            {
                "id": case.id,
                "question": case.question,
                "right": ok,
                "status": answer.coverage.status.value,
                "answer": answer.text,
                "draft": answer.draft,
                "repairs": [r.to_dict() for r in answer.repairs],
                "evidence": [e.to_dict() for e in answer.evidence],
                "usage": answer.usage,
                "seconds": round(seconds[-1], 2),
            }
        )
    if rows_out:
        rows_out.parent.mkdir(parents=True, exist_ok=True)
        rows_out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    n = len(cases)
    return {
        "n": n,
        "right": right / n,
        "declined": declined / n,
        "confident_wrong": confident_wrong / n,
        "draft_flagged": draft_bad / draft_sents if draft_sents else 0.0,
        "flagged": final_bad / final_sents if final_sents else 0.0,
        "dangling": dangling,
        "prompt_tokens": statistics.mean(prompt_tokens) if prompt_tokens else 0.0,
        "completion_tokens": statistics.mean(completion_tokens) if completion_tokens else 0.0,
        "s_per_answer": statistics.median(seconds) if seconds else float("nan"),
        "s_first_token": statistics.median(first) if first else float("nan"),
        "failures": failures,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="extractive,local")
    ap.add_argument("--sets", default="seeds,dev", help="seeds, dev, heldout")
    ap.add_argument("--forms", default="choices,bare", help="RealTime QA question forms: choices, bare")
    ap.add_argument("--store", type=Path, default=OUT / "realtimeqa-store", help="Full-corpus store.")
    ap.add_argument("--limit", type=int, help="Only the first N RealTime QA questions.")
    ap.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="Override a setting, e.g. --set evidence_windows=4 (for measuring a change).",
    )
    args = ap.parse_args()
    overrides = dict(o.split("=", 1) for o in args.overrides)

    tmp = Path(tempfile.mkdtemp(prefix="briefing-answers-"))
    print(
        f"{'set':8} {'form':8} {'backend':10} {'n':>3} {'right':>6} {'declined':>8} {'conf✗':>6} {'draft✗':>7} "
        f"{'flagged':>7} {'dangl':>5} {'prompt':>6} {'gen':>5} {'s/ans':>6} {'s/1st':>6}"
    )
    for name in args.sets.split(","):
        if name == "seeds":
            base, groups = seed_settings(tmp), [("-", seed_cases())]
        else:
            if not Store(load_settings(store_dir=args.store)).article_records():
                sys.exit(f"{args.store} is empty: build it with bench/ingest.py --keep {args.store}")
            base = load_settings(store_dir=args.store)
            groups = [(form, quiz_cases(name, form, args.limit)) for form in args.forms.split(",")]
        store = Store(base)
        for backend in args.backends.split(","):
            settings = base.with_overrides(llm=backend, **overrides)
            try:
                model, info = get_chat_model(settings)
            except BackendUnavailable as exc:
                print(f"{name:8} {'':8} {backend:10} skipped: {exc.reason}")
                continue
            answerer = Answerer(settings, store, (model, info, None))
            for form, cases in groups:
                rows = None if name == "heldout" else OUT / f"answers-{name}-{form}-{backend}.jsonl"
                r = run(answerer, cases, rows)
                print(
                    f"{name:8} {form:8} {backend:10} {r['n']:3d} {r['right']:6.3f} {r['declined']:8.3f} {r['confident_wrong']:6.3f} "
                    f"{r['draft_flagged']:7.3f} {r['flagged']:7.3f} {r['dangling']:5d} {r['prompt_tokens']:6.0f} "
                    f"{r['completion_tokens']:5.0f} {r['s_per_answer']:6.1f} {r['s_first_token']:6.1f}"
                    + (f"  ({r['failures']} failed)" if r["failures"] else ""),
                    flush=True,
                )


if __name__ == "__main__":
    main()
