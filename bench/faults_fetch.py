"""Fault cases of fetching and exporting (issue 24, items 3, 5, 6 and 11), each printing held or FAILED.

Each runs the real `briefing` command in a child process against the tests' feed server on 127.0.0.1
(tests/feed_server.py), which plays an outside publisher reached as `localhost`, the one host allowed:

- ssrf: a feed whose entries link to 127.0.0.1, [::1], 0x7f000001, 2130706433, 127.1 and 10.0.0.1, and one
  linking to a redirect into 127.0.0.1: held when the internal page is never requested and nothing stored.
- stall: a feed server sending its ~90 header bytes one every 0.2 s, feed_timeout 2: held when refresh
  hung up within 30 bytes (6 s) and names the feed with "timed out".
- docx-bomb: a .docx of ~500 KB unpacking to 300 MB: held when refused unread (the seconds and peak
  memory printed are the whole CLI's, its start and imports included).
- feed-entries: a feed of 60 entries with feed_max_entries 20: held when 40 are said unread and at most
  20 stored (the corpus repeats a few articles: those are said already stored).
- markdown: an article full of links, images, HTML and bare URLs, briefed to Markdown: held when the
  rendered file links nowhere but the article's own URL and shows no image.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import REALTIMEQA, read_jsonl
from bench.faults import BRIEFING, _env, _run
from tests.feed_server import FeedServer, Route, http_date, page, rss, serving
from tests.hostile import docx_bomb

INTERNAL = ["127.0.0.1", "[::1]", "0x7f000001", "2130706433", "127.1", "10.0.0.1"]
HOSTILE = (
    "The council [voted](https://evil.example/v) to raise the toll ![pixel](https://evil.example/p.png) "
    '<img src="https://evil.example/i.png"> as https://evil.example/bare and www.evil.example reported.'
)


def _said(case: str, held: bool, detail: str) -> None:
    print(f"{case}: {'held' if held else 'FAILED'} ({detail})")


def _stories(n: int) -> list[dict]:
    """n RealTime QA articles of 170-400 words (full text in a feed: no page fetched)."""
    rows = (r for r in read_jsonl(REALTIMEQA / "corpus.jsonl") if 170 <= len(r["body"].split()) <= 400)
    return [r for _, r in zip(range(n), rows)]


def _refresh(work: Path, name: str, feed: str, **settings: str) -> tuple[int, str, float, Path]:
    """`briefing refresh` of one feed named `name`: exit code, the feed's line, seconds, the store."""
    store = work / name
    env = _env(store, BRIEFING_FETCH_ALLOW_HOSTS='["localhost"]', BRIEFING_FEED_HOST_PAUSE="0", **settings)
    _run(["feeds", "add", feed, "--name", name], env)
    started = time.perf_counter()
    done = subprocess.run([str(BRIEFING), "refresh"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    lines = (done.stdout + done.stderr).splitlines()
    return done.returncode, next((ln for ln in lines if ln.startswith(f"{name}:")), lines[-1]), seconds, store


def _articles(store: Path) -> int:
    from briefing.config import Settings
    from briefing.store import Store

    return len(Store(Settings(store_dir=store)).article_records()) if store.exists() else 0


def ssrf(work: Path) -> None:
    with serving(FeedServer()) as server:
        outside = f"http://localhost:{server.port}"
        server.routes["/secret"] = Route(page(_stories(1)[0]), content_type="text/html")
        server.routes["/hop"] = Route(b"", location=server.url("/secret"))
        links = [f"http://{host}:{server.port}/secret" for host in INTERNAL] + [f"{outside}/hop"]
        entries = [(f"Entry {i}", link, "A summary.", http_date(1)) for i, link in enumerate(links)]
        server.routes["/feed.xml"] = Route(rss("Outside", entries, full=False))
        _, said, _, store = _refresh(work, "ssrf", f"{outside}/feed.xml", BRIEFING_FEED_RETRIES="0")
        asked, stored = len(server.asked("/secret")), _articles(store)
    _said("ssrf", asked == 0 and stored == 0, f"internal page requested {asked}x, {stored} stored; {said}")


def stall(work: Path) -> None:
    with serving(FeedServer()) as server:
        server.routes["/slow.xml"] = Route(rss("Slow", []), trickle=0.2)
        feed = f"http://localhost:{server.port}/slow.xml"
        env = {"BRIEFING_FEED_TIMEOUT": "2", "BRIEFING_FEED_RETRIES": "0"}
        code, said, seconds, _ = _refresh(work, "stall", feed, **env)
        sent = server.sent.get("/slow.xml", 0)
    held = sent < 30 and said == "stall: error: timed out after 2s"  # 30 bytes: 6 s; all of them: 18 s
    _said(
        "stall",
        held,
        f"hung up after {sent} header bytes, refresh {seconds:.1f} s with the CLI's start: {said}",
    )


def docx(work: Path) -> None:
    bomb = docx_bomb(work / "bomb.docx", 300)
    code, said, seconds, peak = _run(["ingest", str(bomb), "--source", "X"], _env(work / "bomb-store"))
    held = "Word document refused unread" in said  # from the zip directory: nothing inflated or parsed
    detail = f"{bomb.stat().st_size / 1024:.0f} KB file, {seconds:.1f} s, CLI peak {peak:.0f} MB, exit {code}"
    _said("docx-bomb", held, f"{detail}: {said}")


def feed_entries(work: Path) -> None:
    with serving(FeedServer()) as server:
        outside = f"http://localhost:{server.port}"
        items = [(s["title"], f"{outside}/e/{i}", s["body"], http_date(1 + i % 28))
                 for i, s in enumerate(_stories(60))]  # fmt: skip
        server.routes["/many.xml"] = Route(rss("Many", items))
        code, said, seconds, store = _refresh(
            work, "entries", f"{outside}/many.xml", BRIEFING_FEED_MAX_ENTRIES="20"
        )
    held = said.endswith("40 older entries left unread (feed_max_entries)") and _articles(store) <= 20
    _said("feed-entries", held, f"{_articles(store)} stored in {seconds:.0f} s: {said}")  # some are twins


def markdown(work: Path) -> None:
    from markdown_it import MarkdownIt

    article = work / "toll.md"
    article.write_text(f"# Kessel raises the toll\n\n{HOSTILE}\n\n{HOSTILE.replace('council', 'mayor')}\n")
    env = _env(work / "md-store", BRIEFING_LLM="extractive")
    _run(["ingest", str(article), "--source", "Kessel Courier", "--date", "2024-03-05"], env)
    out = work / "toll-brief.md"
    code, said, _, _ = _run(["brief", "Kessel toll", "-o", str(out)], env)
    text = out.read_text() if out.exists() else ""
    rendered = MarkdownIt("commonmark").render(text)
    live = rendered.count('href="https://evil') + rendered.count("<img")
    quoted = "evil.example" in text
    _said("markdown", quoted and live == 0, f"hostile text quoted: {quoted}; live links or images: {live}; "
          f"exit {code}{'' if code == 0 else ': ' + said}")  # fmt: skip


CASES: dict[str, Callable[[Path], None]] = {
    "ssrf": ssrf,
    "stall": stall,
    "docx-bomb": docx,
    "feed-entries": feed_entries,
    "markdown": markdown,
}
