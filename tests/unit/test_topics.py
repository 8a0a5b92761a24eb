"""Saved topics on embedded Chroma with the hash embedder: stored like the feeds, matched only among the
articles asked about and above the threshold; the weekly brief's relative weeks and file names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from briefing.brief import iso_week, weekly_filename
from briefing.config import Settings
from briefing.digest import DigestReport, topic_news
from briefing.index import IndexedText, SearchIndex
from briefing.ingest import ingest
from briefing.store import Store
from briefing.topics import Matcher, SavedTopics, TopicError

ARTICLES = {
    "harbour.txt": "Harbour reopens\n\nThe harbour authority said container ships may dock again from Monday "
    "after the storm damaged two cranes at the harbour.",
    "budget.txt": "Budget passed\n\nParliament passed the budget on Tuesday after a long night of votes on "
    "defence spending and pensions.",
    "old-harbour.txt": "Harbour closed\n\nThe harbour authority closed the harbour to container ships as the "
    "storm approached the coast.",
}
DATES = {"harbour.txt": "2026-11-25", "budget.txt": "2026-11-26", "old-harbour.txt": "2026-10-01"}


@pytest.fixture
def store(make_settings: Callable[..., Settings], tmp_path: Path) -> Store:
    settings = make_settings()
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text)
        report = ingest(
            [tmp_path / name], settings, published=date.fromisoformat(DATES[name]), progress=False
        )
        assert report.ok, report.failures
    return Store(settings)


def ids_by_file(store: Store) -> dict[str, str]:
    return {Path(r.article.path or "").name: r.article.id for r in store.article_records()}


def test_topics_are_kept_in_the_store_by_name(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    topics = SavedTopics(Store(settings))
    topic, new = topics.add("  Hikvision   export controls ", date(2019, 5, 1))
    assert new and topic.name == "Hikvision export controls" and topic.since == "2019-05-01"
    again, new = SavedTopics(Store(settings)).add("hikvision EXPORT controls")  # another process, any case
    assert not new and again.since == "" and again.added_at == topic.added_at
    assert [t.name for t in SavedTopics(Store(settings)).list()] == ["hikvision EXPORT controls"]
    assert topics.remove("Hikvision export controls").id == topic.id
    assert topics.list() == []
    with pytest.raises(TopicError, match="no saved topic"):
        topics.find("Hikvision export controls")
    with pytest.raises(TopicError, match="needs a name"):
        topics.add("   ")


def test_an_article_mask_keeps_only_those_articles_rows() -> None:
    rows = [IndexedText(i, "text", 1, ["X"]) for i in ("a", "a:0", "a:1", "ab:0", "b", "b:0")]
    index = SearchIndex.build(rows, np.eye(len(rows), dtype=np.float32))
    kept = index.mask(None, None, None, {"a"})
    assert [i for i, k in zip(index.ids, kept) if k] == ["a", "a:0", "a:1"]  # not "ab:0"
    assert not index.mask(None, None, None, set()).any()
    assert index.mask(None, None, None) is None


def test_matching_is_among_the_articles_asked_and_above_the_threshold(store: Store) -> None:
    ids = ids_by_file(store)
    topic, _ = SavedTopics(store).add("container ships at the harbour after the storm")
    matcher = Matcher(store, store.settings.with_overrides(topics={"match_threshold": 0.3}))
    everything = [m.article_id for m in matcher.matches(topic)]
    assert set(everything) == {ids["harbour.txt"], ids["old-harbour.txt"]}  # the budget is off-topic
    scores = [m.score for m in matcher.matches(topic)]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.3

    [new] = matcher.matches(topic, within=[ids["harbour.txt"], ids["budget.txt"]])
    assert new.article_id == ids["harbour.txt"] and new.outlet and new.published == date(2026, 11, 25)
    assert new.line().startswith(f"{new.score:.2f}  2026-11-25  ") and new.line().endswith(
        f"({new.article_id})"
    )
    assert matcher.matches(topic, within=[ids["budget.txt"]]) == []
    assert matcher.matches(topic, within=[]) == []
    assert [m.article_id for m in matcher.matches(topic, since=date(2026, 11, 1))] == [ids["harbour.txt"]]
    dated, _ = SavedTopics(store).add(topic.name, since=date(2026, 11, 1))  # the topic's own since
    assert [m.article_id for m in matcher.matches(dated)] == [ids["harbour.txt"]]

    strict = Matcher(store, store.settings.with_overrides(topics={"match_threshold": 0.99}))
    assert strict.matches(topic) == []


def test_relative_weeks_and_file_names() -> None:
    wednesday = date(2026, 12, 2)  # ISO 2026-W49
    assert iso_week("last", wednesday) == (date(2026, 11, 23), date(2026, 11, 29))
    assert iso_week("this", wednesday) == (date(2026, 11, 30), date(2026, 12, 6))
    assert iso_week("LAST", date(2026, 11, 30)) == (date(2026, 11, 23), date(2026, 11, 29))  # a Monday
    assert iso_week("last", date(2026, 11, 29)) == (date(2026, 11, 16), date(2026, 11, 22))  # a Sunday
    assert weekly_filename(date(2026, 11, 23), date(2026, 11, 29), "md") == "weekly-2026-W48.md"
    assert weekly_filename(date(2020, 12, 28), date(2021, 1, 3), "docx") == "weekly-2020-W53.docx"
    assert (
        weekly_filename(date(2026, 11, 24), date(2026, 11, 29), "md") == "weekly-2026-11-24-to-2026-11-29.md"
    )


def test_digest_topic_news_lists_each_new_article_once(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Articles stored in the same second as the previous digest's latest are still listed once: the mark is
    that second plus the articles seen in it, not a clock time."""
    settings = make_settings(topics={"match_threshold": 0.3})
    SavedTopics(Store(settings)).add("container ships at the harbour after the storm")

    def store_file(name: str) -> str:
        (tmp_path / name).write_text(ARTICLES[name])
        [article] = ingest([tmp_path / name], settings, progress=False).added
        return article.id

    def news() -> list[str]:
        report = DigestReport()
        topic_news(settings, report)
        [(_, matches)] = report.topics
        return [m.article_id for m in matches]

    first = store_file("harbour.txt")
    assert news() == [first]  # a first digest looks back a week
    assert news() == []
    second = store_file("old-harbour.txt")  # most likely within the same second as the first
    assert news() == [second]
    store_file("budget.txt")  # new, but off the topic
    assert news() == []
