"""Briefs: what they say, what they cost and how long they take, per backend that can run here.

Seed briefs (the standard and one-pager templates on the seeds' story) are scored against the key facts
in `bench/seed_brief_facts.json` (written for this project: the facts an analyst would expect from the
five articles, each as alternative term lists): how many the brief names, how many of its sentences share
60% or more of their word 5-grams with an earlier sentence (repeats), how many distinct actors the
positions section attributes a statement to, the share of sentences flagged unsupported, and the share
that does not read alone (`brief/standalone.py`: "It added ...", "The Times said ...", "Meanwhile, ..."). RealTime
QA weeks get a weekly brief each, from a store of that week and the weeks either side.

Printed per brief: seconds, sections, failed sections, sentences, repeats, flagged share, leaning share, model lines
the checker found unmarked and cited to their claim's passage, lines replaced by the claim's own words, "Sources differ" notes, sources, share of sources inside the window (must be 100%), prompt and
generated tokens, key facts named and actors (seeds only).

    .venv/bin/python bench/briefs.py                                   # extractive and local, seeds + weeks
    .venv/bin/python bench/briefs.py --backends local --weeks ""       # seeds only
    .venv/bin/python bench/briefs.py --show                            # print each brief as Markdown too
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REALTIMEQA, SHARED, read_jsonl  # noqa: E402
from briefing.answer import Answerer  # noqa: E402
from briefing.brief import Brief, build_brief, build_weekly, iso_week  # noqa: E402
from briefing.brief.standalone import flagged  # noqa: E402
from briefing.config import Settings, load_settings  # noqa: E402
from briefing.export import render_markdown  # noqa: E402
from briefing.ingest import ingest  # noqa: E402

SEEDS = SHARED / "corpus" / "seeds"
SEED_TOPIC = "US export restrictions on Hikvision and Chinese surveillance firms"
FACTS = json.loads(Path(__file__).with_name("seed_brief_facts.json").read_text(encoding="utf-8"))
WEEKS = ("2022-W41", "2022-W43")
REPEAT_SHARE = 0.6


def grams(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def repeats(sentences: list[str]) -> int:
    """Sentences sharing REPEAT_SHARE or more of their word 5-grams with an earlier sentence."""
    seen: list[set] = []
    count = 0
    for s in sentences:
        g = grams(s)
        if g and any(len(g & earlier) >= REPEAT_SHARE * len(g) for earlier in seen):
            count += 1
        seen.append(g)
    return count


def named(text: str, alternatives: list[list[str]]) -> bool:
    low = text.lower().replace("’", "'")
    return any(all(term in low for term in terms) for terms in alternatives)


def figures(brief: Brief, seconds: float) -> dict:
    drafted = [s for s in brief.sections if not s.error]
    sentences = [x for s in drafted for x in s.sentences]
    inside = [
        s
        for s in brief.sources
        if s.chunk.published
        and (brief.since is None or s.chunk.published >= brief.since)
        and (brief.until is None or s.chunk.published <= brief.until)
    ]
    text = (
        " ".join(x.text for x in sentences)
        + " "
        + " ".join(side.quote for d in brief.disagreements for side in d.sides)
    )
    positions = next((s for s in drafted if s.key == "positions"), None)
    actors = {a["actor"].lower() for a in positions.claims if a.get("actor")} if positions else set()
    return {
        "seconds": round(seconds, 1),
        "sections": len(brief.sections),
        "failed": len(brief.sections) - len(drafted),
        "sentences": len(sentences),
        "repeats": repeats([x.text for x in sentences]),
        "flagged": round(sum(not x.supported for x in sentences) / max(len(sentences), 1), 3),
        "leaning": round(
            len(flagged([p for s in drafted for p in s.paragraphs])) / max(len(sentences), 1), 3
        ),
        "cited": sum(r.kind == "cited" for s in drafted for r in s.repairs),
        "replaced": sum(r.kind == "replaced" for s in drafted for r in s.repairs),
        "differ": len(brief.disagreements),
        "sources": len(brief.sources),
        "in_window": round(len(inside) / len(brief.sources), 3) if brief.sources else None,
        "prompt_tokens": brief.usage["prompt_tokens"],
        "completion_tokens": brief.usage["completion_tokens"],
        "facts": sum(named(text, alts) for alts in FACTS.values()) if brief.kind == "topic" else None,
        "missing": [k for k, alts in FACTS.items() if not named(text, alts)] if brief.kind == "topic" else [],
        "actors": len(actors) if positions else None,
    }


HEADER = (
    f"{'backend':10} {'brief':34} {'sec':>6} {'sect':>4} {'fail':>4} {'sents':>5} {'rep':>3} {'flag':>5} {'lean':>5} "
    f"{'cited':>5} {'repl':>4} {'diff':>4} {'srcs':>4} {'in win':>6} {'prompt':>6} {'gen':>5} {'facts':>5} {'actors':>6}"
)


def print_row(backend: str, what: str, f: dict) -> None:
    share = "n/a" if f["in_window"] is None else f"{100 * f['in_window']:.0f}%"
    facts = "" if f["facts"] is None else f"{f['facts']}/{len(FACTS)}"
    actors = "" if f["actors"] is None else str(f["actors"])
    print(
        f"{backend:10} {what[:34]:34} {f['seconds']:6.1f} {f['sections']:4d} {f['failed']:4d} {f['sentences']:5d} "
        f"{f['repeats']:3d} {100 * f['flagged']:4.1f}% {100 * f['leaning']:4.1f}% {f['cited']:5d} {f['replaced']:4d} {f['differ']:4d} {f['sources']:4d} "
        f"{share:>6} {f['prompt_tokens']:6d} {f['completion_tokens']:5d} {facts:>5} {actors:>6}",
        flush=True,
    )
    if f["missing"]:
        print(f"{'':10} missing: {', '.join(f['missing'])}", flush=True)


def week_store(week: str, folder: Path, base: Settings) -> Settings:
    """A store holding the week's articles and those of the week on either side."""
    since, until = iso_week(week)
    lo, hi = since - timedelta(days=7), until + timedelta(days=7)
    rows = [
        r
        for r in read_jsonl(REALTIMEQA / "corpus.jsonl")
        if r.get("published_at") and lo <= date.fromisoformat(r["published_at"][:10]) <= hi
    ]
    data = folder / f"{week}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = base.with_overrides(store_dir=folder / week)
    t0 = time.perf_counter()
    report = ingest([data], settings, progress=False)
    print(
        f"# {week}: ingested {len(report.added)} articles ({lo} to {hi}) in {time.perf_counter() - t0:.0f}s",
        flush=True,
    )
    return settings


def run(backend: str, settings: Settings, week: str | None, args: argparse.Namespace, results: dict) -> None:
    """The seed topic briefs (week None), or the week's weekly brief."""
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
        if args.show:
            print(render_markdown(brief))

    if week is None:
        for template in args.templates.split(","):
            record(
                f"seeds {template}",
                lambda t=template: build_brief(SEED_TOPIC, settings, template=t, answerer=answerer),
            )
        return
    since, until = iso_week(week)
    record(
        f"{week} weekly",
        lambda: build_weekly(settings, since, until, max_stories=args.max_stories, answerer=answerer),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--backends", default="extractive,local", help="comma-separated: extractive, local, openai"
    )
    ap.add_argument("--weeks", default=",".join(WEEKS), help="ISO weeks of RealTime QA, e.g. 2022-W41")
    ap.add_argument("--templates", default="standard,one-pager")
    ap.add_argument("--max-stories", type=int, default=6)
    ap.add_argument("--show", action="store_true", help="Print each brief as Markdown.")
    ap.add_argument("--json", type=Path, help="Also write the figures here.")
    args = ap.parse_args()

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-briefs-") as tmp:
        folder = Path(tmp)
        base = load_settings()
        seeds = base.with_overrides(store_dir=folder / "seeds")
        ingest([SEEDS], seeds, manifest=SEEDS / "manifest.csv", progress=False)
        stores = [(seeds, None)] + [(week_store(w, folder, base), w) for w in args.weeks.split(",") if w]
        print(HEADER)
        for backend in args.backends.split(","):
            for settings, week in stores:
                run(backend, settings, week, args, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
