"""Feed subscriptions and `briefing refresh`, against a real HTTP server on 127.0.0.1 whose feeds change
between refreshes, and a real embedded Chroma store (the subscriptions also on a Chroma server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from briefing.config import Settings
from briefing.feeds import Subscriptions
from briefing.fetch import Fetcher
from briefing.ingest import ingest
from briefing.refresh import refresh
from briefing.store import Store
from tests.feed_server import FAST, FeedServer, Route, cli, embedded, http_date, page, rss


def item(server: FeedServer, story: dict, path: str) -> tuple[str, str, str, str]:
    return story["title"], server.url(path), story["body"], http_date(1)


def feed_status(settings: Settings) -> dict[str, dict]:
    code, out, _ = cli(settings, "feeds", "list", "--json")
    assert code == 0
    return {f["url"]: f for f in json.loads(out)}


@embedded
def test_refresh_adds_new_entries_once_and_asks_conditionally(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict], fast_env: None
) -> None:
    settings = make_settings()
    a = server.url("/a.xml")
    b = server.url("/b.xml")  # a server that ignores validators: every fetch is a full 200
    first = [item(server, s, f"/a/{i}") for i, s in enumerate(stories[:2])]
    server.routes["/a.xml"] = Route(rss("Outlet A", first), etag='"a1"', last_modified=http_date(1))
    copy = (stories[0]["title"], server.url("/b/copy"), stories[0]["body"], http_date(2))  # syndicated
    server.routes["/b.xml"] = Route(rss("Outlet B", [item(server, stories[2], "/b/0"), copy]))
    assert cli(settings, "feeds", "add", a, "--name", "Alpha", "--tag", "world")[0] == 0
    assert cli(settings, "feeds", "add", b, "--name", "Bee")[0] == 0

    code, out, err = cli(settings, "refresh")
    assert code == 0, err
    assert "Alpha: added 2" in out and "Bee: added 2 (1 linked to a twin)" in out
    records = Store(settings).article_records()
    assert sorted(r.article.source for r in records) == ["Outlet A", "Outlet A", "Outlet B", "Outlet B"]
    twin = next(r.article for r in records if r.article.url == server.url("/b/copy"))
    assert Store(settings).get_article(twin.duplicate_of).url == server.url("/a/0")
    status = feed_status(settings)
    assert status[a]["added"] == 2 and status[a]["etag"] == '"a1"' and status[a]["last_new"]
    assert status[a]["last_error"] == "" and status[b]["added"] == 2 and status[b]["tag"] == ""
    generation = Store(settings).generation

    code, out, err = cli(settings, "refresh")
    assert code == 0, err
    assert "Alpha: not modified" in out and "Bee: added 0, 2 already stored" in out
    assert server.asked("/a.xml")[-1]["if-none-match"] == '"a1"'
    assert server.asked("/a.xml")[-1]["if-modified-since"] == http_date(1)
    assert "if-none-match" not in server.asked("/a.xml")[0]
    assert Store(settings).generation == generation  # nothing written, not even an index rebuild
    assert len(Store(settings).article_records()) == 4
    assert feed_status(settings)[a]["last_fetched"] >= status[a]["last_fetched"]

    grown = [item(server, s, f"/a/{i}") for i, s in enumerate(stories[:2] + stories[3:5])]
    server.routes["/a.xml"] = Route(rss("Outlet A", grown), etag='"a2"', last_modified=http_date(3))
    code, out, err = cli(settings, "refresh", "--tag", "world")
    assert code == 0 and "Alpha: added 2, 2 already stored" in out and "Bee" not in out
    assert len(Store(settings).article_records()) == 6
    assert feed_status(settings)[a]["added"] == 4 and feed_status(settings)[a]["etag"] == '"a2"'


@embedded
def test_broken_feeds_are_reported_and_the_others_still_run(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict], fast_env: None
) -> None:
    settings = make_settings()
    server.routes["/500.xml"] = Route(b"", status=500)
    server.routes["/slow.xml"] = Route(rss("Slow", [item(server, stories[0], "/s/0")]), delay=1.0)
    good = rss("Broken", [item(server, stories[1], "/m/0"), item(server, stories[2], "/m/1")])
    server.routes["/malformed.xml"] = Route(good[: good.rindex(b"<item>") + 40])  # cut off mid-entry
    server.routes["/good.xml"] = Route(rss("Good", [item(server, stories[3], "/g/0")]))
    server.routes["/empty.xml"] = Route(rss("Empty", []))  # a quiet day, not an error
    for path in ("/500.xml", "/slow.xml", "/malformed.xml", "/good.xml", "/empty.xml"):
        assert cli(settings, "feeds", "add", server.url(path))[0] == 0

    started = time.monotonic()
    code, out, err = cli(settings, "refresh")
    assert code == 1
    assert time.monotonic() - started < 8
    assert "Good: added 1" in out and f"{server.url('/empty.xml')}: added 0" in out
    assert "error: HTTP 500 Internal Server Error (after 3 attempts)" in err
    assert "error: timed out after 0.4s (after 3 attempts)" in err
    assert "error: malformed or truncated feed" in err
    assert len(server.asked("/500.xml")) == 3 and len(server.asked("/slow.xml")) == 3  # bounded retries
    stored = {r.article.url for r in Store(settings).article_records()}
    assert stored == {server.url("/g/0"), server.url("/m/0")}  # the entry recovered from the broken feed
    status = feed_status(settings)
    assert "HTTP 500" in status[server.url("/500.xml")]["last_error"]
    assert "timed out" in status[server.url("/slow.xml")]["last_error"]
    assert status[server.url("/malformed.xml")]["added"] == 1
    assert status[server.url("/good.xml")]["last_error"] == ""

    server.routes["/500.xml"] = Route(rss("Mended", [item(server, stories[4], "/x/0")]))
    server.routes["/slow.xml"].delay = 0
    code, out, err = cli(settings, "refresh")
    assert "Mended: added 1" in out and "Slow: added 1" in out
    assert feed_status(settings)[server.url("/500.xml")]["last_error"] == ""
    assert code == 1  # the malformed feed is still malformed


@embedded
def test_summary_only_entries_are_read_from_their_pages(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict]
) -> None:
    settings = make_settings(max_file_mb=0.02, **FAST)
    summary = [
        (s["title"], server.url(f"/p/{i}"), s["body"].split(". ")[0] + ".", http_date(1))
        for i, s in enumerate(stories[:4])
    ]
    server.routes["/summaries.xml"] = Route(
        rss("Summaries", summary, full=False), etag='"s1"', last_modified=http_date(1)
    )
    server.routes["/p/0"] = Route(page(stories[0]), content_type="text/html")
    server.routes["/p/1"] = Route(
        b"<html><body><p>" + b"filler text " * 4000 + b"</p></body></html>", content_type="text/html"
    )  # 48 KB: over the 0.02 MB cap
    server.routes["/p/2"] = Route(
        b"<html><body>" + b"<p>more filler</p>" * 3000 + b"</body></html>",
        content_type="text/html",
        length=False,
    )  # no Content-Length: cut while read
    server.routes["/p/3"] = Route(b"", status=503)  # down for now
    Subscriptions(Store(settings)).add(server.url("/summaries.xml"))

    report = refresh(settings)
    [result] = report.results
    assert not report.ok and result.added == 1
    [listed] = Store(settings).article_records()
    article = Store(settings).get_article(listed.article.id)
    later = max(stories[0]["body"].split("\n")[2:], key=len)  # a paragraph the summary does not hold
    assert article.url == server.url("/p/0") and article.title == stories[0]["title"]
    assert later[:60] in article.text and "Home | World" not in article.text
    assert sum("over the 0.02 MB limit (setting max_file_mb)" in e for e in result.errors) == 2, result.errors
    assert any("/p/3: HTTP 503" in e and "after 3 attempts" in e for e in result.errors)
    assert result.feed.etag == ""  # a page may come back: the next refresh asks for the whole feed

    server.routes["/p/3"] = Route(page(stories[3]), content_type="text/html")
    pages_before = len(server.asked("/p/0"))
    report = refresh(settings)
    [result] = report.results
    assert result.added == 1 and result.known == 1 and len(result.errors) == 2
    assert len(server.asked("/p/0")) == pages_before  # a stored article's page is not fetched again
    assert "if-none-match" not in server.asked("/summaries.xml")[-1]
    assert result.feed.etag == '"s1"'  # only permanent failures left: the next refresh can be a 304
    assert refresh(settings).results[0].outcome == "not modified"
    assert len(Store(settings).article_records()) == 2


@embedded
def test_a_second_refresh_at_once_says_so_and_exits(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict], fast_env: None
) -> None:
    settings = make_settings(**{**FAST, "feed_timeout": 5})
    server.routes["/slow.xml"] = Route(rss("Slow", [item(server, stories[0], "/s/0")]), delay=1.5)
    Subscriptions(Store(settings)).add(server.url("/slow.xml"))
    first = threading.Thread(target=refresh, args=(settings,))  # the API: CliRunner swaps sys.stdout
    first.start()
    deadline = time.monotonic() + 10
    while not server.asked("/slow.xml") and time.monotonic() < deadline:
        time.sleep(0.02)
    code, _, err = cli(settings, "refresh")
    first.join()
    assert code == 2 and "another refresh is running" in err
    assert len(server.asked("/slow.xml")) == 1  # the second did not fetch
    assert [r.article.url for r in Store(settings).article_records()] == [server.url("/s/0")]

    server.routes["/slow.xml"] = Route(rss("Slow", [item(server, stories[1], "/s/1")]))
    with Store(settings).writing():  # an ingest is writing: the refresh stops, and lets go of its lock
        code, _, err = cli(settings, "refresh")
    assert code == 2 and "store busy" in err
    code, out, _ = cli(settings, "refresh")
    assert code == 0 and "Slow: added 1" in out


@embedded
def test_a_refresh_killed_mid_feed_is_finished_by_the_next(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict], fast_env: None
) -> None:
    """SIGKILL while a feed's second page is loading: the feed before it is committed with its status, the
    killed feed has nothing stored and no validators saved, and the next refresh completes it."""
    settings = make_settings()
    server.routes["/a.xml"] = Route(
        rss("Alpha", [item(server, stories[0], "/a/0")]), etag='"a"', last_modified=http_date(1)
    )
    summaries = [
        (s["title"], server.url(f"/p/{i}"), "Short summary.", http_date(1))
        for i, s in enumerate(stories[1:3])
    ]
    server.routes["/b.xml"] = Route(
        rss("Beta", summaries, full=False), etag='"b"', last_modified=http_date(1)
    )
    server.routes["/p/0"] = Route(page(stories[1]), content_type="text/html")
    server.routes["/p/1"] = Route(page(stories[2]), content_type="text/html", delay=30)
    subscriptions = Subscriptions(Store(settings))
    subscriptions.add(server.url("/a.xml"), name="A")
    subscriptions.add(server.url("/b.xml"), name="B")
    cmd = [
        sys.executable,
        "-c",
        "from briefing.cli import main; main()",
        "refresh",
        "--store",
        str(settings.store_dir),
        "--collection",
        settings.collection,
    ]
    env = {**os.environ, "BRIEFING_FEED_TIMEOUT": "60"}
    proc = subprocess.Popen(
        cmd,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not server.asked("/p/1") and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert server.asked("/p/1"), "the refresh never reached the slow page"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert [r.article.url for r in Store(settings).article_records()] == [server.url("/a/0")]
    status = feed_status(settings)
    assert status[server.url("/a.xml")]["etag"] == '"a"' and status[server.url("/b.xml")]["etag"] == ""

    server.routes["/p/1"].delay = 0
    code, out, err = cli(settings, "refresh")  # the lock died with the killed process
    assert code == 0, err
    assert "A: not modified" in out and "B: added 2" in out
    assert len(Store(settings).article_records()) == 3


@embedded
def test_an_article_that_could_not_be_stored_is_asked_for_again(
    make_settings: Callable[..., Settings],
    server: FeedServer,
    stories: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(**FAST)
    entries = [item(server, s, f"/a/{i}") for i, s in enumerate(stories[:2])]
    server.routes["/a.xml"] = Route(rss("Alpha", entries), etag='"a"', last_modified=http_date(1))
    store = Store(settings)
    Subscriptions(store).add(server.url("/a.xml"))
    real_add = store.articles_col.add

    def failing_add(*args: object, **kwargs: object) -> None:
        if stories[1]["title"] in str(kwargs["metadatas"]):
            raise RuntimeError("disk full")
        real_add(*args, **kwargs)

    monkeypatch.setattr(store.articles_col, "add", failing_add)
    [result] = refresh(settings, store=store).results
    assert result.added == 1 and result.errors[0].endswith("could not store: disk full")
    assert result.feed.etag == ""  # not saved: the feed must be read again for the article it lost
    monkeypatch.undo()
    [result] = refresh(settings).results
    assert result.added == 1 and result.known == 1 and result.feed.etag == '"a"'


def test_requests_to_one_host_are_spaced(server: FeedServer) -> None:
    server.routes["/x"] = Route(b"x", content_type="text/plain")
    fetcher = Fetcher.for_feeds(Settings(feed_host_pause=0.3))
    for _ in range(3):
        assert fetcher.get(server.url("/x"), 1000, "max_file_mb").content == b"x"
    times = [t for t, _, _ in server.requests]
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.29


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>analyst list</title></head><body>
  <outline text="China">
    <outline type="rss" text="SCMP China" xmlUrl="https://www.scmp.com/rss/4/feed"/>
    <outline type="rss" text="Reuters" xmlUrl="https://feeds.example.com/reuters" category="/wires"/>
  </outline>
  <outline type="rss" text="https://example.org/untitled.xml" xmlUrl="https://example.org/untitled.xml"/>
</body></opml>
"""


def test_subscriptions_opml_round_trip(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    listed = tmp_path / "list.opml"
    listed.write_text(OPML)
    code, out, err = cli(settings, "feeds", "import", str(listed))
    assert code == 0 and "3 feeds added, 0 already subscribed" in out, err
    feeds = Subscriptions(Store(settings)).list()
    assert {(f.url, f.name, f.tag) for f in feeds} == {
        ("https://www.scmp.com/rss/4/feed", "SCMP China", "China"),
        ("https://feeds.example.com/reuters", "Reuters", "wires"),
        ("https://example.org/untitled.xml", "", ""),
    }
    code, out, _ = cli(settings, "feeds", "import", str(listed))
    assert "0 feeds added, 3 already subscribed" in out

    exported = tmp_path / "out.opml"
    assert cli(settings, "feeds", "export", "-o", str(exported))[0] == 0
    again = make_settings()
    assert cli(again, "feeds", "import", str(exported))[0] == 0
    assert [(f.url, f.name, f.tag) for f in Subscriptions(Store(again)).list()] == [
        (f.url, f.name, f.tag) for f in feeds
    ]

    code, out, _ = cli(settings, "feeds", "remove", "reuters")  # by name, any case
    assert code == 0 and "removed https://feeds.example.com/reuters" in out
    assert cli(settings, "feeds", "remove", "https://example.org/untitled.xml")[0] == 0
    code, _, err = cli(settings, "feeds", "remove", "nothing like it")
    assert code == 2 and "no feed with URL or name 'nothing like it'" in err
    assert [f.url for f in Subscriptions(Store(settings)).list()] == ["https://www.scmp.com/rss/4/feed"]
    code, _, err = cli(settings, "feeds", "add", "ftp://example.org/x")
    assert code == 2 and "is not a feed URL" in err


@embedded
@pytest.mark.parametrize(
    "content, reason",
    [
        ("<opml version='2.0'><body><outline xmlUrl='https://a.example/x'></body></opml>", "malformed XML"),
        (
            "<?xml version='1.0'?><!DOCTYPE opml [<!ENTITY a 'aaaaaaaa'>]><opml><body>&a;</body></opml>",
            "DTD or entity declarations",
        ),
        ("<rss version='2.0'><channel/></rss>", "not an OPML file (root <rss>"),
        ("<opml><body><outline text='x' xmlUrl='file:///etc/passwd'/></body></opml>", "outline 'x'"),
    ],
)
def test_bad_opml_is_refused_naming_the_file(
    make_settings: Callable[..., Settings], tmp_path: Path, content: str, reason: str
) -> None:
    settings = make_settings()
    bad = tmp_path / "bad.opml"
    bad.write_text(content)
    code, _, err = cli(settings, "feeds", "import", str(bad))
    assert code == 2 and str(bad) in err and reason in err
    assert Subscriptions(Store(settings)).list() == []


@embedded
def test_ingest_reads_urls_through_the_same_bounded_client(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict]
) -> None:
    settings = make_settings(max_file_mb=0.02)
    server.routes["/a"] = Route(page(stories[0]), content_type="text/html")
    server.routes["/gone"] = Route(b"", status=404)
    server.routes["/huge"] = Route(b"<html><body><p>" + b"filler text " * 4000 + b"</p></body></html>",
                                   content_type="text/html")  # fmt: skip
    server.routes["/feed.xml"] = Route(
        rss("Wire", [item(server, s, f"/s/{i}") for i, s in enumerate(stories[1:3])])
    )
    report = ingest([server.url(p) for p in ("/a", "/gone", "/huge", "/feed.xml")], settings, progress=False)
    assert len(report.added) == 3
    assert sorted((f.path, f.reason) for f in report.failures) == [
        (server.url("/gone"), "could not fetch URL: HTTP 404 Not Found"),
        (server.url("/huge"), "could not fetch URL: over the 0.02 MB limit (setting max_file_mb)"),
    ]
    titles = {r.article.title for r in Store(settings).article_records()}
    assert titles == {stories[0]["title"], stories[1]["title"], stories[2]["title"]}
