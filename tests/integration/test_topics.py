"""Saved topics after a refresh, `weekly --week last -o DIR/` and `briefing digest`, end to end: the packaged
embedder, an embedded Chroma store, the local feed server (tests/feed_server.py) and the extractive writer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from briefing.brief import iso_week
from briefing.config import Settings
from briefing.store import Store
from tests.feed_server import FeedServer, Route, cli, embedded, rss

LAST_MONDAY, LAST_SUNDAY = iso_week("last")
YEAR, WEEK, _ = LAST_MONDAY.isocalendar()
WEEKLY = f"weekly-{YEAR}-W{WEEK:02d}"


def last_week(day: int) -> str:
    """An RFC 822 date on the given day (0 = Monday) of the last complete week."""
    when = datetime.combine(LAST_MONDAY + timedelta(days=day), datetime.min.time(), UTC) + timedelta(hours=9)
    return format_datetime(when, usegmt=True)


def entries(server: FeedServer, chosen: list[dict], prefix: str) -> list[tuple[str, str, str, str]]:
    return [
        (s["title"], server.url(f"{prefix}/{i}"), s["body"], last_week(i % 7)) for i, s in enumerate(chosen)
    ]


def serve(server: FeedServer, path: str, chosen: list[dict], tag: str) -> None:
    server.routes[path] = Route(
        rss("Wire", entries(server, chosen, path)), etag=f'"{tag}"', last_modified=tag
    )


def article_id(settings: Settings, url: str) -> str:
    return next(r.article.id for r in Store(settings).article_records() if r.article.url == url)


@embedded
def test_refresh_lists_the_new_articles_matching_each_saved_topic(
    make_settings: Callable[..., Settings], server: FeedServer, stories: list[dict], fast_env: None
) -> None:
    settings = make_settings()
    serve(server, "/w.xml", stories[:2], "w1")
    assert cli(settings, "feeds", "add", server.url("/w.xml"))[0] == 0
    topic = stories[0]["title"]
    code, out, _ = cli(settings, "topics", "add", topic)
    assert code == 0 and f"saved topic {topic!r}" in out
    assert cli(settings, "topics", "add", "Quantum chromodynamics lattice results")[0] == 0

    code, out, err = cli(settings, "refresh")
    assert code == 0, err
    first = article_id(settings, server.url("/w.xml/0"))
    other = article_id(settings, server.url("/w.xml/1"))
    assert f"topic {topic!r}: 1 new in this refresh" in out and first in out and other not in out
    assert "topic 'Quantum chromodynamics lattice results': 0 new in this refresh" in out

    code, out, _ = cli(settings, "refresh")  # not modified: nothing new, no topic lines
    assert code == 0 and "not modified" in out and "topic" not in out

    serve(server, "/w.xml", stories[:4], "w2")  # two more entries: only they are matched
    code, out, _ = cli(settings, "refresh")
    assert code == 0 and "added 2, 2 already stored" in out
    assert f"topic {topic!r}: 0 new in this refresh" in out and first not in out

    code, out, _ = cli(settings, "topics", "show", topic, "--json")
    shown = json.loads(out)
    assert code == 0 and shown[0]["article_id"] == first and shown[0]["title"] == topic
    assert all(m["score"] >= settings.topics.match_threshold for m in shown)
    assert {"title", "outlet", "published", "article_id", "score"} <= set(shown[0])
    code, out, _ = cli(settings, "topics", "show", topic, "--since", (LAST_SUNDAY + timedelta(1)).isoformat())
    assert code == 0 and "0 matching articles since" in out

    listed = json.loads(cli(settings, "topics", "list", "--json")[1])
    assert [t["name"] for t in listed] == sorted(
        [topic, "Quantum chromodynamics lattice results"], key=str.casefold
    )
    assert cli(settings, "topics", "remove", topic.upper())[0] == 0
    code, _, err = cli(settings, "topics", "show", topic)
    assert code == 2 and "no saved topic" in err


@embedded
def test_weekly_last_into_a_folder_names_the_file_by_iso_week(
    make_settings: Callable[..., Settings],
    server: FeedServer,
    stories: list[dict],
    fast_env: None,
    tmp_path: Path,
) -> None:
    settings = make_settings()
    serve(server, "/w.xml", stories[:3], "w1")
    assert cli(settings, "feeds", "add", server.url("/w.xml"))[0] == 0
    assert cli(settings, "refresh")[0] == 0
    out_dir = tmp_path / "briefs"

    code, _, err = cli(settings, "weekly", "--week", "last", "-o", f"{out_dir}/", "--llm", "extractive")
    assert code == 0, err
    md = out_dir / f"{WEEKLY}.md"
    assert md.exists() and (out_dir / f"{WEEKLY}.md.audit.json").exists()
    assert f"Weekly brief: {LAST_MONDAY} to {LAST_SUNDAY}" in md.read_text()
    code, _, err = cli(
        settings, "weekly", "--week", "last", "-o", str(out_dir), "--format", "docx", "--llm", "extractive"
    )
    assert code == 0 and (out_dir / f"{WEEKLY}.docx").exists(), err  # an existing folder, no slash
    single = tmp_path / "mine.md"
    assert cli(settings, "weekly", "--week", "last", "-o", str(single), "--llm", "extractive")[0] == 0
    assert single.exists()  # a file path is still a file
    code, _, err = cli(settings, "weekly", "--week", "this", "--llm", "extractive")
    assert code == 2 and "no articles published between" in err  # nothing is dated this week


@embedded
def test_digest_refreshes_writes_last_week_and_lists_topic_news_since_the_last_digest(
    make_settings: Callable[..., Settings],
    server: FeedServer,
    stories: list[dict],
    fast_env: None,
    tmp_path: Path,
) -> None:
    settings = make_settings()
    serve(server, "/w.xml", stories[:3], "w1")
    assert cli(settings, "feeds", "add", server.url("/w.xml"), "--name", "Wire")[0] == 0
    topic = stories[1]["title"]
    assert cli(settings, "topics", "add", topic)[0] == 0
    out_dir = tmp_path / "digests"

    code, out, err = cli(settings, "digest", "-o", str(out_dir), "--llm", "extractive")
    assert code == 0, err
    assert "Wire: added 3" in out and "refresh: 1 feeds: 3 articles added" in out
    assert (
        f"kept as {settings.notebook_dir / 'briefs'}" in out and f"wrote {out_dir / (WEEKLY + '.md')}" in out
    )
    assert (out_dir / f"{WEEKLY}.md").exists()
    matched = article_id(settings, server.url("/w.xml/1"))
    assert f"topic {topic!r}: 1 new since" in out and matched in out

    code, out, err = cli(settings, "digest", "--llm", "extractive")  # nothing new since the first digest
    assert code == 0, err
    assert "Wire: not modified" in out and f"topic {topic!r}: 0 new since" in out and matched not in out
    assert "kept as" in out and "wrote" not in out

    server.routes["/w.xml"] = Route(b"", status=500)  # the refresh fails; the other parts still run
    code, out, err = cli(settings, "digest", "-o", str(out_dir), "--llm", "extractive")
    assert code == 1
    assert "Wire: error: HTTP 500" in err and "refresh: 1 feeds" in err
    assert f"wrote {out_dir / (WEEKLY + '.md')}" in out and f"topic {topic!r}: 0 new since" in out


@pytest.mark.parametrize("make_settings", ["embedded"], indirect=True)
def test_digest_on_an_empty_store_says_what_failed(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    code, out, err = cli(settings, "digest", "--llm", "extractive")
    assert code == 1
    assert "refresh: 0 feeds" in out and "failed: no articles published between" in err
    assert "topics: none saved" in out
