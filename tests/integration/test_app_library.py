"""The Library page, driven by AppTest on an empty store: uploads (good, bad, duplicate, too large, without
outlet or date), search and delete, feed subscriptions, and the activity log the changes leave.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing import activity
from briefing.app.uploads import check_upload, ingest_uploads
from briefing.config import Settings
from briefing.originals import UPLOADS_DIR
from briefing.store import Store
from tests.feed_server import FeedServer, Route, http_date, rss
from tests.integration.app_helpers import APP, ARTICLES, TIMEOUT, app_env, upload


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AppTest]:
    app_env(monkeypatch, tmp_path / "store")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/library.py").run()
    assert not at.exception
    yield at


def test_upload_good_and_bad_file(library: AppTest, tmp_path: Path) -> None:
    good = ARTICLES["kessel-ferry.txt"][2].encode()
    library.text_input(key="upload_outlet").set_value("Silesian Wire")
    library.date_input(key="upload_date").set_value(date(2031, 5, 20))
    upload(library, ("ferry.txt", good), ("broken.txt", b"\x00\x01\x02binary"))
    assert "ferry.txt — added: “Ferry service returns while Kessel bridge is repaired”" in library.success[
        0
    ].value.replace("\\", "")
    assert library.error[0].value.replace("\\", "").startswith("broken.txt — ")
    assert library.file_uploader[0].value == []  # emptied for the next files
    table = library.dataframe[0].value
    assert list(table["title"]) == ["Ferry service returns while Kessel bridge is repaired"]
    assert list(table["outlet"]) == ["Silesian Wire"]
    assert library.metric[0].value == "1"
    saved = list((tmp_path / "store" / UPLOADS_DIR).rglob("*"))
    assert [p.name for p in saved if p.is_file()] == ["ferry.txt"]  # the failed file is not kept

    upload(library, ("ferry-again.txt", good))
    assert "duplicate of “Ferry service returns while Kessel bridge is repaired” (Silesian Wire)" in (
        library.info[0].value.replace("\\", "")
    )


def test_library_search_and_delete(library: AppTest) -> None:
    upload(library, *[(n, text.encode()) for n, (_, _, text) in ARTICLES.items()])
    assert len(library.dataframe[0].value) == 2
    library.text_input(key="library_search").set_value("ferry").run()
    rows = library.dataframe[0].value
    assert list(rows["title"]) == ["Ferry service returns while Kessel bridge is repaired"]
    library.text_input(key="library_search").set_value(
        "the 600 passengers"
    ).run()  # words of the article's text
    assert list(library.dataframe[0].value["title"]) == list(rows["title"])
    library.text_input(key="library_search").set_value("Dahua").run()
    assert not library.dataframe and "No article mentions “Dahua”." in library.info[0].value.replace("\\", "")
    library.text_input(key="library_search").set_value("ferry").run()
    library.selectbox(key="delete_choice").set_value(rows["id"][0]).run()
    assert library.button(key="delete_article").disabled  # not before the confirmation
    library.checkbox(key="delete_sure").check().run()
    library.button(key="delete_article").click().run()
    assert not library.exception
    assert "Deleted Ferry service returns" in library.success[0].value.replace("\\", "")
    library.text_input(key="library_search").set_value("").run()
    assert list(library.dataframe[0].value["title"]) == ["Kessel bridge toll to rise in April"]


def test_an_upload_while_another_writer_holds_the_store_is_refused_as_busy_and_can_be_tried_again(
    library: AppTest, tmp_path: Path
) -> None:
    """A refresh with new articles holds the write lock to its end (README, Limitations): the analyst is told
    the store is busy, the chosen file stays chosen, and the same click afterwards adds it."""
    good = ARTICLES["kessel-ferry.txt"][2].encode()
    library.text_input(key="upload_outlet").set_value("Silesian Wire")
    library.date_input(key="upload_date").set_value(date(2031, 5, 20))
    settings = Settings(store_dir=tmp_path / "store")
    with Store(settings).writing():
        upload(library, ("ferry.txt", good))
        assert "store busy: another ingest, refresh or removal is writing" in library.error[0].value
        assert [f.name for f in library.file_uploader[0].value] == ["ferry.txt"] and not library.success
    library.button(key="add_uploads").click().run()
    assert library.success[0].value.replace("\\", "").startswith("ferry.txt — added")
    assert [r.article.title for r in Store(settings).article_records()] == [
        "Ferry service returns while Kessel bridge is repaired"
    ]


def test_upload_progress_reaches_the_end(tmp_path: Path) -> None:
    steps: list[tuple[float, str]] = []
    files = [_FakeUpload("a.txt", 0), _FakeUpload("b.md", 0)]
    files[0].data = ARTICLES["kessel-toll.txt"][2].encode()
    files[1].data = ARTICLES["kessel-ferry.txt"][2].encode()
    settings = Settings(store_dir=tmp_path / "s")
    outcome = ingest_uploads(
        files, settings, lambda: Store(settings), on_progress=lambda f, t: steps.append((f, t))
    )
    assert [r.status for r in outcome.results] == ["added", "added"]
    assert [f for f, _ in steps] == [0.5, 1.0] and steps[-1][1] == "2 of 2 files: b.md"


class _FakeUpload:
    def __init__(self, name: str, size: int) -> None:
        self.name, self.size, self.data = name, size, b"x" * size

    def getvalue(self) -> bytes:
        return self.data


class _TextUpload(_FakeUpload):
    def __init__(self, name: str, text: str) -> None:
        self.name, self.data = name, text.encode()
        self.size = len(self.data)


def test_duplicate_uploads_say_which_article_they_repeat(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    _, (_, _, text) = next(iter(ARTICLES.items()))
    first = ingest_uploads(
        [_TextUpload("a.txt", text), _TextUpload("b.txt", text)],
        settings,
        lambda: Store(settings),
        source="Ostrava Post",
        published=date(2031, 4, 2),
    )
    assert [(r.name, r.status) for r in first.results] == [("a.txt", "added"), ("b.txt", "duplicate")]
    assert first.results[1].detail == "duplicate of a.txt in this upload"
    again = ingest_uploads(
        [_TextUpload("c.txt", text)],
        settings,
        lambda: Store(settings),
        source="Ostrava Post",
        published=date(2031, 4, 2),
    )
    (result,) = again.results
    assert result.status == "duplicate" and result.detail.endswith("(Ostrava Post), already in the library")


def test_upload_limits_have_clear_messages(tmp_path: Path) -> None:
    assert "not supported" in check_upload(_FakeUpload("tool.exe", 10), 20)
    assert "3.0 MB is over the 2 MB limit" in check_upload(_FakeUpload("huge.pdf", 3 * 2**20), 2)
    assert check_upload(_FakeUpload("fine.md", 10), 2) is None
    settings = Settings(store_dir=tmp_path / "s")
    outcome = ingest_uploads([_FakeUpload("tool.exe", 10)], settings, lambda: Store(settings))
    assert [(r.name, r.status) for r in outcome.results] == [("tool.exe", "failed")]
    assert outcome.report is None and not (tmp_path / "s").exists()


def test_feeds_are_subscribed_refreshed_with_their_status_and_removed(
    library: AppTest, server: FeedServer, stories: list[dict]
) -> None:
    items = [(s["title"], server.url(f"/a/{i}"), s["body"], http_date(14)) for i, s in enumerate(stories[:2])]
    server.routes["/wire.xml"] = Route(rss("Harbour Wire", items), etag='"w1"', last_modified=http_date(14))
    server.routes["/broken.xml"] = Route(b"", status=500)
    for url, name in ((server.url("/wire.xml"), "Harbour Wire"), (server.url("/broken.xml"), "Broken")):
        library.text_input(key="feed_url").set_value(url)
        library.text_input(key="feed_name").set_value(name)
        library.button(key="feed_subscribe").click().run()
        assert not library.exception, library.exception
    assert f"Subscribed to {name}." in library.success[0].value.replace("\\", "")
    feeds = library.dataframe[0].value
    assert list(feeds["feed"]) == ["Broken", "Harbour Wire"] and set(feeds["last refresh"]) == {
        "never refreshed"
    }

    library.button(key="feed_refresh").click().run()
    assert not library.exception, library.exception
    assert any("Harbour Wire: added 2" in i.value.replace("\\", "") for i in library.info)
    assert any("Broken: error: HTTP 500" in e.value.replace("\\", "") for e in library.error)
    feeds = library.dataframe[0].value.set_index("feed")
    assert feeds.loc["Harbour Wire", "articles added"] == 2 and feeds.loc["Broken", "last error"].startswith(
        "HTTP 500"
    )
    assert len(library.dataframe[1].value) == 2  # the articles, in the library table below

    library.selectbox(key="feed_remove").set_value(server.url("/broken.xml")).run()
    assert library.button(key="feed_unsubscribe").disabled  # not before the confirmation
    library.checkbox(key="feed_remove_sure").check().run()
    library.button(key="feed_unsubscribe").click().run()
    assert "Stopped following Broken." in library.success[0].value.replace("\\", "")
    assert list(library.dataframe[0].value["feed"]) == ["Harbour Wire"]


def test_an_upload_without_outlet_or_date_is_warned_about_and_a_wrong_type_is_named(library: AppTest) -> None:
    library.file_uploader[0].set_value(
        [("ferry.txt", ARTICLES["kessel-ferry.txt"][2].encode(), "text/plain")]
    ).run()
    assert "ferry.txt: no outlet or date. Without them an article is cited as “unknown outlet”" in (
        library.warning[0].value.replace("\\", "")
    )
    upload(library, ("ferry.txt", ARTICLES["kessel-ferry.txt"][2].encode()), ("tool.exe", b"MZ\x90\x00"))
    shown = library.warning[0].value.replace("\\", "")
    assert shown.startswith("ferry.txt — added") and "stored without outlet or date" in shown
    assert "tool.exe — .exe files are not supported" in library.error[0].value.replace("\\", "")


def test_app_changes_are_logged_by_who_made_them_and_shown_on_the_activity_page(
    library: AppTest, tmp_path: Path
) -> None:
    library.text_input(key="upload_outlet").set_value("Silesian Wire")
    upload(library, ("ferry.txt", ARTICLES["kessel-ferry.txt"][2].encode()))
    (entry,) = activity.recent(Settings(store_dir=tmp_path / "store"))
    assert (entry["who"], entry["action"], entry["files"], entry["added"]) == (
        "app",
        "upload",
        ["ferry.txt"],
        1,
    )
    library.switch_page("views/activity.py").run()
    assert not library.exception and list(library.dataframe[0].value["action"]) == ["upload"]
