"""Twenty analysts asking at once on the local model (issue 24 item 8): none may fail; each waits its turn.

The app's path without the browser: one `Answerer` per process (as `get_answerer` caches it), each analyst
a thread (as each Streamlit session is) streaming its answer and hearing its place in the line. The
store holds the five seed articles; the questions are the seed questions, round robin. Prints how many
failed, the seconds to the answer (p50, p95, max), the largest place in line heard, and the load average
(the machine is shared: the load says what else ran).

    .venv/bin/python bench/concurrency.py                  # 20 analysts, local model
    .venv/bin/python bench/concurrency.py --analysts 6
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, SHARED, read_jsonl  # noqa: E402
from briefing.answer import Answer, Answerer  # noqa: E402
from briefing.config import Settings  # noqa: E402
from briefing.ingest import ingest  # noqa: E402
from briefing.llm.queue import Waiting  # noqa: E402

SEEDS = SHARED / "corpus" / "seeds"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--analysts", type=int, default=20)
    ap.add_argument("--llm", default="local", help="Backend (local: llama.cpp in this process).")
    args = ap.parse_args()
    settings = Settings(store_dir=Path(tempfile.mkdtemp(prefix="briefing-conc-")) / "store", llm=args.llm)
    ingest([SEEDS], settings, manifest=SEEDS / "manifest.csv", progress=False)
    answerer = Answerer(settings)
    bounds = (f"llm_stall_timeout {settings.llm_stall_timeout:g}s, llm_total_timeout {settings.llm_total_timeout:g}s"
              if answerer.info.backend == "local" else f"llm_timeout {settings.llm_timeout:g}s")  # fmt: skip
    print(f"backend {answerer.info.backend} ({answerer.info.model}); {bounds}, "
          f"llm_queue_wait {settings.llm_queue_wait:g}s; load average {os.getloadavg()[0]:.2f} at start")  # fmt: skip
    questions = [q["question"] for q in read_jsonl(ROOT / "bench" / "seed_questions.jsonl")]
    seconds: dict[int, float] = {}
    errors: dict[int, str] = {}
    places: dict[int, int] = {}
    start = threading.Barrier(args.analysts)

    def analyst(i: int) -> None:
        start.wait()
        t0 = time.monotonic()
        try:
            for part in answerer.stream(questions[i % len(questions)]):
                if isinstance(part, Waiting):
                    places[i] = max(places.get(i, 0), part.ahead)
                elif isinstance(part, Answer):
                    seconds[i] = time.monotonic() - t0
        except Exception as exc:
            errors[i] = f"{type(exc).__name__}: {exc}"

    t0 = time.monotonic()
    threads = [threading.Thread(target=analyst, args=(i,)) for i in range(args.analysts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    for i, e in sorted(errors.items()):
        print(f"  analyst {i} failed: {e}")
    s = np.array(list(seconds.values()) or [0.0])
    print(f"{args.analysts} analysts at once: {len(errors)} failed; seconds to the answer p50 "
          f"{np.percentile(s, 50):.0f}, p95 {np.percentile(s, 95):.0f}, max {s.max():.0f}; most ahead heard "
          f"{max(places.values(), default=0)}; wall {wall:.0f} s")  # fmt: skip
    load = os.getloadavg()
    print(f"load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
