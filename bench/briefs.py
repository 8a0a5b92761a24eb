"""Briefs: how long they take and how well they hold up, per backend that can run here.

For a few topics over the seeds, and for a few RealTime QA weeks (a weekly brief, plus topic briefs on the
week's two most covered stories, windowed to the week), reports per brief: seconds, sections, citations
per drafted section, the share of sentences the checker flags unsupported, "Sources differ" notes, failed
sections, and the share of cited sources published inside the requested window (must be 100%).

Each week is ingested into a temporary store together with the week before and after it, so the window
filter has articles to keep out; the whole corpus is never ingested here.

    .venv/bin/python bench/briefs.py                                   # extractive backend
    .venv/bin/python bench/briefs.py --backends extractive,openai      # + an OpenAI-compatible server
        (OPENAI_BASE_URL / BRIEFING_OPENAI_MODEL as for `briefing ask`; --template one-pager keeps it short)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REALTIMEQA, SHARED, read_jsonl  # noqa: E402
from briefing.answer import Answerer  # noqa: E402
from briefing.brief import Brief, build_brief, build_weekly, find_stories, iso_week  # noqa: E402
from briefing.config import Settings, load_settings  # noqa: E402
from briefing.ingest import ingest  # noqa: E402

SEEDS = SHARED / "corpus" / "seeds"
SEED_TOPICS = ("US blacklisting of Hikvision", "Hikvision human rights concerns in Xinjiang",
               "market reaction to the Hikvision reports")
SEED_DAY = date(2019, 5, 22)
WEEKS = ("2022-W41", "2022-W43")


def figures(brief: Brief, seconds: float) -> dict:
    drafted = [s for s in brief.sections if not s.error]
    sentences = [x for s in drafted for x in s.sentences]
    inside = [s for s in brief.sources if s.chunk.published
              and (brief.since is None or s.chunk.published >= brief.since)
              and (brief.until is None or s.chunk.published <= brief.until)]
    return {
        "seconds": round(seconds, 2),
        "sections": len(brief.sections),
        "failed": len(brief.sections) - len(drafted),
        "citations_per_section": round(sum(len(x.chunk_ids) for x in sentences) / max(len(drafted), 1), 2),
        "unsupported_share": round(sum(not x.supported for x in sentences) / max(len(sentences), 1), 3),
        "differ_notes": len(brief.disagreements),
        "sources": len(brief.sources),
        "in_window_share": round(len(inside) / len(brief.sources), 3) if brief.sources else None,
    }


def print_row(backend: str, what: str, f: dict) -> None:
    share = "n/a" if f["in_window_share"] is None else f"{100 * f['in_window_share']:.0f}%"
    print(f"{backend:10} {what[:58]:58} {f['seconds']:7.1f} {f['sections']:4d} {f['failed']:4d} "
          f"{f['citations_per_section']:6.2f} {100 * f['unsupported_share']:6.1f}% {f['differ_notes']:4d} "
          f"{f['sources']:4d} {share:>6}", flush=True)


def week_store(week: str, folder: Path, base: Settings) -> Settings:
    """A store holding the week's articles and those of the week on either side."""
    since, until = iso_week(week)
    lo, hi = since - timedelta(days=7), until + timedelta(days=7)
    rows = [r for r in read_jsonl(REALTIMEQA / "corpus.jsonl")
            if r.get("published_at") and lo <= date.fromisoformat(r["published_at"][:10]) <= hi]
    data = folder / f"{week}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = base.with_overrides(store_dir=folder / week)
    t0 = time.perf_counter()
    report = ingest([data], settings, progress=False)
    print(f"# {week}: ingested {len(report.added)} articles ({lo} to {hi}) in {time.perf_counter() - t0:.0f}s",
          flush=True)
    return settings


def run(
    backend: str, settings: Settings, week: str | None, args: argparse.Namespace, results: dict
) -> None:
    """Seed topic briefs (week None) or a week's weekly brief and topic briefs on its two biggest stories."""
    settings = settings.with_overrides(llm=backend)
    answerer = Answerer(settings)
    if answerer.info.backend != backend:
        print(f"{backend:10} cannot run here: {answerer.note}")
        return

    def record(what: str, build: Callable[[], Brief]) -> None:
        t0 = time.perf_counter()
        brief = build()
        f = figures(brief, time.perf_counter() - t0)
        results[f"{backend}/{what}"] = f
        print_row(backend, what, f)

    if week is None:
        for topic in SEED_TOPICS[: args.seed_topics]:
            record(f"seeds: {topic}", lambda: build_brief(topic, settings, since=SEED_DAY, until=SEED_DAY,
                                                          template=args.template, answerer=answerer))
        return
    since, until = iso_week(week)
    record(f"{week} weekly",
           lambda: build_weekly(settings, since, until, max_stories=args.max_stories, answerer=answerer))
    for story in find_stories(answerer, since, until)[:2]:
        record(f"{week}: {story.title}", lambda: build_brief(
            story.title, settings, since=since, until=until, template=args.template, answerer=answerer))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="extractive", help="comma-separated: extractive, openai, local")
    ap.add_argument("--weeks", default=",".join(WEEKS), help="ISO weeks of RealTime QA, e.g. 2022-W41")
    ap.add_argument("--template", default="standard")
    ap.add_argument("--max-stories", type=int, default=6)
    ap.add_argument("--seed-topics", type=int, default=len(SEED_TOPICS), help="How many seed topics to brief.")
    ap.add_argument("--json", type=Path, help="Also write the figures here.")
    args = ap.parse_args()

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-briefs-") as tmp:
        folder = Path(tmp)
        base = load_settings()
        seeds = base.with_overrides(store_dir=folder / "seeds")
        ingest([SEEDS], seeds, manifest=SEEDS / "manifest.csv", progress=False)
        stores = [(seeds, None)] + [(week_store(w, folder, base), w) for w in args.weeks.split(",") if w]
        print(f"{'backend':10} {'brief':58} {'seconds':>7} {'secs':>4} {'fail':>4} {'cit/s':>6} {'unsup':>7} "
              f"{'diff':>4} {'srcs':>4} {'in win':>6}")
        for backend in args.backends.split(","):
            for settings, week in stores:
                run(backend, settings, week, args, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
