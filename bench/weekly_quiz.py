"""Weekly briefs read against the week's own news quiz (RealTime QA dev: CNN's weekly quiz questions).

For each dev question, the weekly brief of its window (the question date minus seven days to plus one) over
the full-corpus store, `--max-stories 10`, built once per window and backend; every dev question of that
window is scored against it. A question is covered when one sentence of the brief holds every content word
of its correct choice and at least two content words of the question (content words: the project's own
stemmed content words, `briefing.signals.content_stems`). The same test on the three wrong choices is the
control: wrong-choice coverage is the share of wrong choices covered (a brief that covers everything
would cover them too).

Printed per backend: questions, coverage, wrong-choice coverage, briefs built, median seconds per brief
and the mean load average while they were built; then, over the briefs built: the share of sentences
breaking a standalone rule (`briefing.brief.standalone`, when this branch has it), story headlines
truncated ("..."), URL slugs and roundup pages made stories, and what changed: over consecutive windows
(up to six), briefed in date order with one in-memory story book (the store is only read) and each given the
previous window's brief, the continuing and new stories by their kept ids and the share of the sentences under
continuing stories (and of the "Since last week" lines) that the previous brief did not state, by the
brief's own same-claim rule (`briefing.brief.changes.fresh_share`).

    .venv/bin/python bench/weekly_quiz.py --store bench/out/realtimeqa-store            # extractive, local
    .venv/bin/python bench/weekly_quiz.py --backends extractive --weeks 3 --show
    .venv/bin/python bench/weekly_quiz.py --backends local --weeks 1
    .venv/bin/python bench/weekly_quiz.py --backends extractive --from 2022-09-08 --weeks 6   # 6 consecutive

Dev only: the heldout questions are for a final report and are never read here.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, REALTIMEQA, read_jsonl  # noqa: E402
from briefing.answer import Answerer  # noqa: E402
from briefing.brief import Brief, build_weekly  # noqa: E402
from briefing.brief.changes import fresh_share  # noqa: E402
from briefing.brief.kept import StoryBook  # noqa: E402
from briefing.config import load_settings  # noqa: E402
from briefing.llm import BackendUnavailable, get_chat_model  # noqa: E402
from briefing.markers import strip_markers  # noqa: E402
from briefing.signals import content_stems  # noqa: E402
from briefing.store import Store  # noqa: E402

try:
    from briefing.brief import standalone  # the standalone-sentence checker (issue 26 item 3)
except ImportError:
    standalone = None

MIN_QUESTION_WORDS = 2
SHOW = 20
ROUNDUP = re.compile(  # pages gathering many events, not one story
    r"\b(?:\d+|five|ten) things to know\b|\bthings to know\b|\blive updates?\b|\blatest updates?\b|"
    r"\bnews quiz\b|\b(?:morning|evening|daily|weekly) (?:briefing|digest|roundup)\b|\bweek in review\b|"
    r"\bwhat we know\b|\bwhat to know\b|\bheadlines\b",
    re.I,
)
CONSECUTIVE_DAYS = 8  # windows at most this far apart are consecutive weeks
WHAT_CHANGED_WEEKS = 6


@dataclass(frozen=True)
class Window:
    since: date
    until: date

    @classmethod
    def of(cls, question: dict) -> Window:
        asked = date.fromisoformat(question["question_date"])
        return cls(asked - timedelta(days=7), asked + timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.since} to {self.until}"


@dataclass
class Built:
    window: Window
    brief: Brief
    seconds: float
    load: float


def sentences(brief: Brief) -> list[str]:
    return [strip_markers(x.text) for s in brief.sections for x in s.sentences]


def covered(choice: str, question: set[str], held: Sequence[set[str]]) -> bool:
    """Whether one sentence holds every content word of `choice` and two of the question's."""
    words = content_stems(choice)
    return bool(words) and any(words <= s and len(question & s) >= MIN_QUESTION_WORDS for s in held)


def stories(brief: Brief) -> list:
    return [s for s in brief.sections if s.key.startswith("story-")]


def headline_counts(briefs: Sequence[Brief], urls: Sequence[str]) -> dict:
    titles = [s.title for b in briefs for s in stories(b)]
    slugs = [t for t in titles if _slug(t, urls)]
    return {
        "headlines": len(titles),
        "truncated": sum(t.rstrip().endswith(("...", "…")) for t in titles),
        "slugs": len(slugs),
        "roundups": sum(bool(ROUNDUP.search(t)) for t in titles),
        "seen": [t for t in titles if t.rstrip().endswith(("...", "…")) or t in slugs or ROUNDUP.search(t)],
    }


def _slug(title: str, urls: Sequence[str]) -> bool:
    """A title made from a URL slug: lower case past its first letter, no punctuation, and its words joined
    by hyphens in a stored article's address ("Biden west trip camp hale colorado")."""
    rest = title.strip()[1:]
    if len(title.split()) < 3 or rest != rest.lower() or re.search(r"[^\w\s]", title):
        return False
    joined = "-".join(title.lower().split())
    return any(joined in u for u in urls)


def standalone_share(briefs: Sequence[Brief]) -> tuple[int, int] | None:
    """Sentences breaking a standalone rule, and all sentences; None when this branch has no checker."""
    if standalone is None:
        return None
    paragraphs = [p for b in briefs for s in b.sections for p in s.paragraphs]
    total = sum(len(p.sentences) for p in paragraphs)
    return len(standalone.flagged(paragraphs)), total


def what_changed(pair: tuple[Built, Built], answerer: Answerer) -> tuple[int, int, int, int]:
    """Of the second brief: its continuing and new stories (by kept id), and of the sentences it states under
    continuing stories, those the first did not state and all of them."""
    before, now = (b.brief.to_dict() for b in pair)
    status = [s["status"] for s in now["stories"]["stories"]]
    fresh, total = fresh_share(now, before, answerer.embedder, answerer.settings.briefs)
    return status.count("continuing"), status.count("new"), fresh, total


def consecutive_to(before: Window, after: Window) -> bool:
    """Whether `after` is the week after `before` (question dates of one quiz a week, give or take a day)."""
    return 0 < (after.since - before.since).days <= CONSECUTIVE_DAYS


def consecutive(built: Sequence[Built]) -> list[Built]:
    """The first run of WHAT_CHANGED_WEEKS consecutive windows among those built, else the longest run."""
    runs: list[list[Built]] = []
    for b in sorted(built, key=lambda b: b.window.since):
        if runs and consecutive_to(runs[-1][-1].window, b.window):
            runs[-1].append(b)
        else:
            runs.append([b])
    full = next((r for r in runs if len(r) >= WHAT_CHANGED_WEEKS), None)
    return (full or max(runs, key=len, default=[]))[:WHAT_CHANGED_WEEKS]


def show(built: Built, seed: int) -> None:
    texts = sentences(built.brief)
    pick = random.Random(f"{seed}/{built.window}").sample(texts, min(SHOW, len(texts)))
    print(f"\n## {built.window}: {len(pick)} of {len(texts)} sentences")
    for t in pick:
        rule = standalone.breaks(t) if standalone else None
        print(f"  - {t}" + (f"   [{rule}]" if rule else ""))


def report(backend: str, built: list[Built], questions: list[dict], answerer: Answerer, args) -> None:
    by_window = {b.window: b for b in built}
    scored = [q for q in questions if Window.of(q) in by_window]
    hits = wrong_hits = wrong_total = 0
    for q in scored:
        held = [content_stems(t) for t in sentences(by_window[Window.of(q)].brief)]
        asked = content_stems(q["query"])
        right = q["answer_indices"][0]
        hits += covered(q["choices"][right], asked, held)
        wrong = [c for i, c in enumerate(q["choices"]) if i != right]
        wrong_hits += sum(covered(c, asked, held) for c in wrong)
        wrong_total += len(wrong)
    n = len(scored)
    seconds = statistics.median(b.seconds for b in built) if built else float("nan")
    load = statistics.mean(b.load for b in built) if built else float("nan")
    print(
        f"{backend:10} {n:3d} {hits / max(n, 1):8.3f} {wrong_hits / max(wrong_total, 1):8.3f} "
        f"{len(built):6d} {seconds:7.1f} {load:5.2f}",
        flush=True,
    )
    briefs = [b.brief for b in built]
    share = standalone_share(briefs)
    print(
        f"{'':10} standalone: "
        + (
            f"{share[0]} of {share[1]} sentences break a rule ({100 * share[0] / max(share[1], 1):.1f}%)"
            if share
            else "not available on this branch (briefing.brief.standalone is missing)"
        )
    )
    h = headline_counts(briefs, args.urls)
    print(
        f"{'':10} headlines: {h['headlines']} story headings, {h['truncated']} truncated, "
        f"{h['slugs']} URL slugs, {h['roundups']} roundup pages as stories"
        + "".join(f"\n{'':12}{t!r}" for t in h["seen"])
    )
    run = consecutive(built)
    pairs = list(zip(run, run[1:]))
    if not pairs:
        print(f"{'':10} what changed: needs two consecutive windows (built {len(built)})")
    else:
        runs, new, fresh, texts = (sum(x) for x in zip(*(what_changed(p, answerer) for p in pairs)))
        print(
            f"{'':10} what changed over {len(run)} consecutive windows ({run[0].window.since} to "
            f"{run[-1].window.until}): {runs} continuing stories, {new} new; of the {texts} sentences under "
            f"continuing stories and since last week, {fresh / max(texts, 1):.3f} not stated the week before "
            "(the brief's same-claim rule)"
        )
    if args.show:
        for b in built:
            show(b, args.seed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--backends", default="extractive,local", help="comma-separated: extractive, local, openai"
    )
    ap.add_argument("--store", type=Path, default=OUT / "realtimeqa-store", help="Full-corpus store.")
    ap.add_argument("--weeks", type=int, help="Only the first N question windows, in date order.")
    ap.add_argument(
        "--from",
        dest="start",
        type=date.fromisoformat,
        help="Only windows of questions asked on or after this day (YYYY-MM-DD), e.g. six consecutive weeks.",
    )
    ap.add_argument("--max-stories", type=int, default=10)
    ap.add_argument("--show", action="store_true", help=f"Print {SHOW} random sentences of each brief.")
    ap.add_argument("--seed", type=int, default=26, help="Seed of the --show sample.")
    args = ap.parse_args()

    base = load_settings(store_dir=args.store)
    store = Store(base)
    if not store.article_records():
        sys.exit(f"{args.store} is empty: build it with bench/ingest.py --keep {args.store}")
    args.urls = [r.article.url.lower() for r in store.article_records() if r.article.url]
    questions = list(read_jsonl(REALTIMEQA / "queries_dev.jsonl"))
    asked = [q for q in questions if not args.start or date.fromisoformat(q["question_date"]) >= args.start]
    windows = sorted({Window.of(q) for q in asked}, key=lambda w: w.since)[: args.weeks]
    print(
        f"{len(questions)} dev questions in {len(windows)} windows; {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f} at start; standalone checker "
        + ("present" if standalone else "not available on this branch")
    )
    print(f"{'backend':10} {'n':>3} {'covered':>8} {'wrong':>8} {'briefs':>6} {'s/brief':>7} {'load':>5}")
    for backend in args.backends.split(","):
        settings = base.with_overrides(llm=backend)
        try:
            model, info = get_chat_model(settings)
        except BackendUnavailable as exc:
            print(f"{backend:10} skipped: {exc.reason}")
            continue
        answerer = Answerer(settings, store, (model, info, None))
        built: list[Built] = []
        book = StoryBook()  # in memory: the store is only read
        for w in windows:
            t0 = time.perf_counter()
            last = built[-1] if built and consecutive_to(built[-1].window, w) else None
            brief = build_weekly(
                settings,
                w.since,
                w.until,
                max_stories=args.max_stories,
                answerer=answerer,
                previous=last.brief.to_dict() if last else None,
                book=book,
            )
            built.append(Built(w, brief, time.perf_counter() - t0, os.getloadavg()[0]))
            fell_back = [s.key for s in brief.sections if s.fallback]
            print(
                f"  {backend} {w}: {built[-1].seconds:.1f}s, {len(sentences(brief))} sentences"
                + (f", sources' own words for {', '.join(fell_back)}" if fell_back else ""),
                file=sys.stderr,
                flush=True,
            )
        report(backend, built, questions, answerer, args)


if __name__ == "__main__":
    main()
