"""Defences of refresh and URL ingest, against the real feed server on 127.0.0.1 and a real embedded store:
a feed (or a redirect, or a URL to ingest) naming an internal address in any spelling is refused and nothing
is stored; a server trickling its headers is abandoned at the request's deadline; a feed is read to its
newest `feed_max_entries` entries."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from briefing.config import Settings
from briefing.feeds import Subscriptions
from briefing.ingest import ingest
from briefing.refresh import refresh
from briefing.store import Store
from tests.feed_server import FeedServer, Route, allow_hosts, embedded, http_date, page, rss

# 127.0.0.1 spelled every way a resolver accepts, the IPv6 loopback, and a private range
INTERNAL = ["127.0.0.1", "localhost", "[::1]", "0x7f000001", "2130706433", "127.1", "10.0.0.1"]


@pytest.fixture
def outside(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> FeedServer:
    """The feed server as an outside publisher: reached as `public.test` (allowed, as a public host would
    be), while 127.0.0.1 and localhost are not allowed."""
    allow_hosts(monkeypatch, "public.test")
    monkeypatch.setattr(socket, "getaddrinfo", _public_test(socket.getaddrinfo))
    return server


def _public_test(real: Callable[..., list]) -> Callable[..., list]:
    """getaddrinfo with one more name, `public.test`, for the feed server's address (no hosts file edit)."""

    def resolve(host: str, *args: object, **kwargs: object) -> list:
        return real("127.0.0.1" if host == "public.test" else host, *args, **kwargs)

    return resolve


def public(server: FeedServer, path: str) -> str:
    return f"http://public.test:{server.port}{path}"


@embedded
def test_feed_entries_and_redirects_to_internal_addresses_are_refused_and_nothing_stored(
    make_settings: Callable[..., Settings], outside: FeedServer, stories: list[dict]
) -> None:
    server = outside
    server.routes["/secret"] = Route(page(stories[0]), content_type="text/html")  # the internal page
    server.routes["/hop"] = Route(b"", location=server.url("/secret"))  # an allowed host redirecting inward
    links = [f"http://{host}:{server.port}/secret" for host in INTERNAL] + [public(server, "/hop")]
    entries = [(f"Entry {i}", link, "A summary.", http_date(1)) for i, link in enumerate(links)]
    server.routes["/feed.xml"] = Route(rss("Outside", entries, full=False))
    settings = make_settings(feed_host_pause=0, feed_retries=0, feed_timeout=5)
    subscriptions = Subscriptions(Store(settings))
    subscriptions.add(public(server, "/feed.xml"), "Outside")
    subscriptions.add(f"http://127.1:{server.port}/feed.xml", "Inside")  # a feed URL naming one too

    report = refresh(settings)
    by_feed = {r.feed.name: r for r in report.results}
    assert by_feed["Inside"].errors == (
        "refused: 127.1 (resolves to 127.0.0.1) is a loopback address; only public hosts are fetched "
        "(setting fetch_allow_hosts allows a host)",
    )
    refused = by_feed["Outside"].errors
    assert len(refused) == len(links) and all(": refused: " in e for e in refused), refused
    assert any("10.0.0.1 is a private address" in e for e in refused)
    assert any("0x7f000001 (resolves to 127.0.0.1) is a loopback address" in e for e in refused)
    assert server.asked("/secret") == [] and len(server.asked("/hop")) == 1
    assert Store(settings).article_records() == []


@embedded
def test_ingest_of_an_internal_url_is_refused(
    make_settings: Callable[..., Settings], outside: FeedServer, stories: list[dict]
) -> None:
    outside.routes["/secret"] = Route(page(stories[0]), content_type="text/html")
    settings = make_settings()
    report = ingest([outside.url("/secret")], settings, progress=False)
    assert [f.reason for f in report.failures] == [
        "could not fetch URL: refused: 127.0.0.1 is a loopback address; only public hosts are fetched "
        "(setting fetch_allow_hosts allows a host)"
    ]
    assert outside.asked("/secret") == []


@embedded
def test_a_server_trickling_its_headers_is_abandoned_at_the_deadline(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict]
) -> None:
    body = rss("Trickle", [(stories[0]["title"], server.url("/t/0"), stories[0]["body"], http_date(1))])
    server.routes["/trickle.xml"] = Route(body, trickle=0.05)  # ~100 header bytes: 5 s to send them
    settings = make_settings(feed_host_pause=0, feed_retries=0, feed_timeout=0.5)
    Subscriptions(Store(settings)).add(server.url("/trickle.xml"), "Trickle")
    [result] = refresh(settings).results
    assert result.line() == "Trickle: error: timed out after 0.5s"
    assert server.sent["/trickle.xml"] < 60  # hung up mid-headers, not after reading them all
    assert Store(settings).article_records() == []


@embedded
def test_a_feed_is_read_to_its_newest_feed_max_entries(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict]
) -> None:
    days = [3, 1, 5, 2, 4]  # a feed not in date order
    entries = [(s["title"], server.url(f"/e/{d}"), s["body"], http_date(d)) for s, d in zip(stories, days)]
    server.routes["/many.xml"] = Route(rss("Many", entries))
    settings = make_settings(feed_host_pause=0, feed_max_entries=3)
    Subscriptions(Store(settings)).add(server.url("/many.xml"), "Many")
    [result] = refresh(settings).results
    assert result.line() == "Many: added 3, 2 older entries left unread (feed_max_entries)"
    stored = {r.article.url for r in Store(settings).article_records()}
    assert stored == {server.url(f"/e/{d}") for d in (3, 4, 5)}


@embedded
def test_a_feed_of_stalling_pages_gives_up_on_its_pages_after_three(
    make_settings: Callable[..., Settings], server: FeedServer
) -> None:
    for i in range(5):
        server.routes[f"/p/{i}"] = Route(b"<html></html>", content_type="text/html", delay=1.0)
    entries = [(f"Entry {i}", server.url(f"/p/{i}"), "A summary.", http_date(1)) for i in range(5)]
    server.routes["/pages.xml"] = Route(
        rss("Pages", entries, full=False), etag='"p"', last_modified=http_date(1)
    )
    settings = make_settings(feed_host_pause=0, feed_retries=0, feed_timeout=0.3)
    Subscriptions(Store(settings)).add(server.url("/pages.xml"), "Pages")
    [result] = refresh(settings).results
    assert [len(server.asked(f"/p/{i}")) for i in range(5)] == [1, 1, 1, 0, 0]
    assert result.errors[-1] == "2 more entries' pages left for the next refresh after 3 failed"
    assert result.feed.etag == ""  # asked in full again next time, for the entries left
