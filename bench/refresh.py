"""`briefing refresh` against a local feed server: 50 feeds x 20 entries built from RealTime QA articles.

Forty feeds carry 20 distinct articles each (ten of them summary-only: the article is on the linked page);
ten more syndicate, each entry a copy of another feed's article under their own outlet name and URL. The
server answers a matching If-None-Match with 304. Prints seconds for a first refresh, for a refresh with no
changes (target under 2 s, all 304s), in process and as a whole `briefing refresh` process, and for one
where five feeds have one new entry; articles added and near-duplicates linked.

    .venv/bin/python bench/refresh.py      # a few minutes on 2 cores: the first refresh embeds ~800 articles

One host serves every feed, so the per-host pause is 0 here: with the default 1 s, 50 feeds of one host
would spend 49 s waiting by design (feeds of different hosts are interleaved and do not wait).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REALTIMEQA, ROOT, peak_rss_mb, read_jsonl  # noqa: E402
from briefing.config import Settings  # noqa: E402
from briefing.feeds import Subscriptions  # noqa: E402
from briefing.refresh import SUMMARY_WORDS, RefreshReport, refresh  # noqa: E402
from briefing.store import Store  # noqa: E402
from tests.feed_server import page, rss  # noqa: E402  (the tests' feeds and pages, at scale)

FEEDS, ENTRIES, SYNDICATING, SUMMARY_ONLY = 50, 20, 10, 10


class Site:
    """Feed documents and article pages by path, each with an ETag from its bytes; counts what it sent."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[bytes, str]] = {}
        self.sent: Counter[int] = Counter()
        self.lock = threading.Lock()

    def serve(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body, ctype = site.docs.get(self.path, (b"", ""))
                etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
                status = 404 if not ctype else 304 if self.headers.get("If-None-Match") == etag else 200
                with site.lock:
                    site.sent[status] += 1
                self.send_response(status)
                if status == 200:
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("ETag", etag)
                self.end_headers()
                if status == 200:
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{httpd.server_address[1]}"


def feed(title: str, items: list[tuple[dict, str, bool]]) -> bytes:
    """RSS 2.0 of (article, link, full) items, one kind per feed: the body, or its first sentence only."""
    full = all(f for *_, f in items)
    return rss(title, [(a["title"], link, a["body"] if full else a["body"].split(". ")[0][:300], a["published_at"])
                       for a, link, _ in items], full=full)  # fmt: skip


def build(site: Site, base: str, held_back: int) -> tuple[list[str], list[dict]]:
    """Publish the feeds; each of the first `held_back` feeds keeps its last entry back (returned), to be
    published later. Articles: the shortest of the corpus over the summary threshold, each text once (35
    short records are one registration-wall page)."""
    records = read_jsonl(REALTIMEQA / "corpus.jsonl")
    texts = {r["body"]: r for r in records if len(r["body"].split()) >= SUMMARY_WORDS + 20}
    rows = sorted(texts.values(), key=lambda r: (len(r["body"].split()), r["id"]))
    own = FEEDS - SYNDICATING
    chosen = rows[: own * ENTRIES]
    urls, later = [], []
    for f in range(own):
        full = f >= SUMMARY_ONLY
        items = [(a, f"{base}/outlet{f}/{a['id']}", full) for a in chosen[f * ENTRIES : (f + 1) * ENTRIES]]
        for a, link, _ in items:
            site.docs[link[len(base) :]] = (page(a), "text/html")
        if f < held_back:
            later.append({"path": f"/feed{f}.xml", "title": f"Outlet {f}", "items": items})
            items = items[:-1]
        site.docs[f"/feed{f}.xml"] = (feed(f"Outlet {f}", items), "application/rss+xml")
        urls.append(f"{base}/feed{f}.xml")
    for s in range(SYNDICATING):  # each copies one entry from each of 20 other feeds
        items = [(chosen[(e + s) % own * ENTRIES + s], f"{base}/wire{s}/{e}", True) for e in range(ENTRIES)]
        site.docs[f"/wire{s}.xml"] = (feed(f"Wire {s}", items), "application/rss+xml")
        urls.append(f"{base}/wire{s}.xml")
    return urls, later


def timed(settings: Settings, label: str, site: Site) -> RefreshReport:
    site.sent.clear()
    started = time.perf_counter()
    report = refresh(settings)
    seconds = time.perf_counter() - started
    outcomes = Counter(r.outcome for r in report.results)
    print(
        f"{label}: {seconds:.2f} s; {report.summary()}; responses {dict(sorted(site.sent.items()))}; "
        f"outcomes {dict(outcomes)}"
    )
    for r in report.results:
        if not r.ok:
            print(f"  {r.line()}")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="Keep the store here instead of a temporary folder.")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="briefing-bench-refresh-"))
    store_dir = args.keep or work / "store"
    settings = Settings(store_dir=store_dir, feed_host_pause=0.0)
    site = Site()
    base = site.serve()
    urls, later = build(site, base, held_back=5)
    subscriptions = Subscriptions(Store(settings))
    for url in urls:
        subscriptions.add(url)
    print(
        f"{len(urls)} feeds x {ENTRIES} entries ({SUMMARY_ONLY} summary-only, {SYNDICATING} syndicating); "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    timed(settings, "first refresh", site)
    timed(settings, "no-change refresh", site)
    site.sent.clear()
    started = time.perf_counter()
    cmd = [
        sys.executable,
        "-c",
        "from briefing.cli import main; main()",
        "refresh",
        "--store",
        str(store_dir),
    ]
    done = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "BRIEFING_FEED_HOST_PAUSE": "0"}
    )
    print(
        f"no-change `briefing refresh`, whole process: {time.perf_counter() - started:.2f} s, exit code "
        f"{done.returncode}, responses {dict(site.sent)}; {done.stdout.strip().splitlines()[-1]}"
    )
    for later_feed in later:
        site.docs[later_feed["path"]] = (
            feed(later_feed["title"], later_feed["items"]),
            "application/rss+xml",
        )
    timed(settings, f"refresh with one new entry in {len(later)} feeds", site)
    stats = Store(settings).stats()
    print(
        f"store: {stats['articles']} articles ({stats['near_duplicates']} near-duplicates), "
        f"{stats['chunks']} chunks; peak RSS {peak_rss_mb():.0f} MB; load average {os.getloadavg()[0]:.2f}"
    )
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
