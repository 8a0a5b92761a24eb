"""A feed server on 127.0.0.1 for the tests (a pytest plugin, loaded by tests/conftest.py): feeds and pages
whose answers a test sets and changes between refreshes (new entries, 304s, errors, stalls, huge pages), and
a few short RealTime QA articles to fill them (read from ../shared)."""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.config import Settings

embedded = pytest.mark.parametrize("make_settings", ["embedded"], indirect=True)
FAST = {"feed_host_pause": 0.0, "feed_timeout": 0.4, "feed_retries": 2}  # no pause, short timeouts
ALLOW = "127.0.0.1"  # the server's host: the fetch policy refuses it unless fetch_allow_hosts names it


def allow_hosts(monkeypatch: pytest.MonkeyPatch, *hosts: str) -> None:
    """Settings made from now on (the CLI's and the app's too) fetch from these internal hosts."""
    monkeypatch.setenv("BRIEFING_FETCH_ALLOW_HOSTS", json.dumps(list(hosts)))


@dataclass
class Route:
    body: bytes
    content_type: str = "application/rss+xml"
    status: int = 200
    etag: str = ""  # when set, the server honours If-None-Match / If-Modified-Since with a 304
    last_modified: str = ""
    delay: float = 0.0  # seconds before answering
    length: bool = True  # False: no Content-Length, the body ends when the connection closes
    location: str = ""  # when set, a 302 redirect there
    trickle: float = 0.0  # when set, the status line and headers go one byte every this many seconds


@dataclass
class FeedServer:
    """Feeds and pages on 127.0.0.1; a test changes `routes` between refreshes and reads `requests`."""

    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)  # (time, path, headers)
    sent: dict[str, int] = field(default_factory=dict)  # path -> header bytes a trickling route sent

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def asked(self, path: str) -> list[dict[str, str]]:
        return [headers for _, p, headers in self.requests if p == path]


@contextmanager
def serving(state: FeedServer) -> Iterator[FeedServer]:
    """Serve `state`'s routes on 127.0.0.1 (its port set) until the block ends; the tests' fixture and the
    fault benchmark (bench/faults_fetch.py) share it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.requests.append((time.monotonic(), self.path, headers))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            time.sleep(route.delay)
            if route.trickle:
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(route.body)}\r\nX-Pad: {'x' * 60}\r\n\r\n"
                try:
                    for byte in head.encode():
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        state.sent[self.path] = state.sent.get(self.path, 0) + 1
                        time.sleep(route.trickle)
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up
                    pass
                return
            if route.location:
                self.send_response(302)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.status != 200:
                self.send_error(route.status)
                return
            if route.etag and (
                self.headers.get("If-None-Match") == route.etag
                or self.headers.get("If-Modified-Since") == route.last_modified
            ):
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            if route.length:
                self.send_header("Content-Length", str(len(route.body)))
            if route.etag:
                self.send_header("ETag", route.etag)
                self.send_header("Last-Modified", route.last_modified)
            self.end_headers()
            try:
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up on an oversized body
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """The server, its host allowed by the fetch policy (a test that checks the policy narrows that)."""
    allow_hosts(monkeypatch, ALLOW)
    with serving(FeedServer()) as state:
        yield state


@pytest.fixture(scope="module")
def stories(realtimeqa_dir: Path) -> list[dict]:
    """Eight short RealTime QA articles (170-260 words: over the summary threshold, few chunks)."""
    rows = [json.loads(line) for line in (realtimeqa_dir / "corpus.jsonl").open(encoding="utf-8")]
    chosen = sorted((r for r in rows if 170 <= len(r["body"].split()) <= 260), key=lambda r: r["id"])
    return chosen[:8]


def http_date(day: int) -> str:
    return format_datetime(datetime(2022, 6, day, 10, tzinfo=UTC), usegmt=True)


def page(story: dict) -> bytes:
    """A story's article page, with navigation around it for the HTML reader to drop."""
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in story["body"].split("\n") if p.strip())
    return (
        f"<html><head><title>{html.escape(story['title'])}</title></head><body><nav>Home | World</nav>"
        f"<article><h1>{html.escape(story['title'])}</h1>{paras}</article></body></html>"
    ).encode()


def rss(title: str, items: list[tuple[str, str, str, str]], *, full: bool = True) -> bytes:
    """An RSS 2.0 feed of (title, link, text, date) items: the text as content:encoded (full) or as the
    description alone (a summary-only feed)."""
    parts = []
    for item_title, link, text, day in items:
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
        body = (
            f"<content:encoded><![CDATA[{paras}]]></content:encoded>"
            if full
            else f"<description>{html.escape(text)}</description>"
        )
        parts.append(
            f"<item><title>{html.escape(item_title)}</title><link>{link}</link>"
            f"<pubDate>{day}</pubDate>{body}</item>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>{title}</title>'
        f"<link>http://example.org/</link>{''.join(parts)}</channel></rss>"
    ).encode()


def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    """The CLI on the settings' store, embedded or server."""
    where = ["--store", str(settings.store_dir)]
    if settings.chroma_url:
        where = ["--chroma-url", settings.chroma_url]
    result = CliRunner().invoke(main, [*args, *where, "--collection", settings.collection])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def fast_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads settings from the environment: no pause between requests, short timeouts."""
    for key, value in FAST.items():
        monkeypatch.setenv(f"BRIEFING_{key.upper()}", str(value))
