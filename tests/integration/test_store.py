"""Ingest into a real store and read it back: embedded Chroma and a Chroma server, the same tests, with the
packaged embedding model (so retrieval is judged as users get it)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from briefing.config import Settings
from briefing.ingest import ingest, remove
from briefing.retrieve import Filters, Retriever
from briefing.store import Store
from tests.store_fixtures import SEEDS

MANIFEST = SEEDS / "manifest.csv"


def _seeds_into(settings: Settings) -> Store:
    report = ingest([SEEDS], settings, manifest=MANIFEST, progress=False)
    assert report.ok, report.failures
    return Store(settings)


def _by_source(store: Store, fragment: str) -> str:
    return next(r.article.id for r in store.article_records() if fragment in r.article.source)


def test_seeds_are_stored_with_metadata_and_exact_offsets(make_settings: Callable[..., Settings]) -> None:
    store = _seeds_into(make_settings())
    records = store.article_records()
    assert len(records) == 5
    aj = next(r for r in records if r.article.source == "Al Jazeera")
    assert aj.article.title == "China's Hikvision says it takes US rights concerns 'seriously'"
    assert aj.article.published == date(2019, 5, 22)
    assert aj.article.path.endswith("004_7429f206eed36188.txt")
    for r in records:
        article = store.get_article(r.article.id)
        chunks = store.article_chunks(r.article.id)
        assert len(chunks) == r.chunks > 0
        for c in chunks:
            assert article.text[c.start : c.end] == c.text
            assert (c.article_id, c.source, c.title, c.published) == (
                article.id,
                article.source,
                article.title,
                article.published,
            )


def test_reingest_changes_nothing(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    store = _seeds_into(settings)
    before = {r.article.id: r.chunks for r in store.article_records()}
    chunks_before = store.chunks.count()
    again = ingest([SEEDS], settings, manifest=MANIFEST, progress=False)
    assert again.ok and not again.added and len(again.skipped) == 5
    store = Store(settings)
    assert {r.article.id: r.chunks for r in store.article_records()} == before
    assert store.chunks.count() == chunks_before


def test_shared_passages_are_stored_once_and_know_their_outlets(
    make_settings: Callable[..., Settings],
) -> None:
    store = _seeds_into(make_settings())
    scmp = _by_source(store, "South China Morning Post")
    carried = [c for c in store.article_chunks(scmp) if c.carriers]
    assert any("The Straits Times" in c.outlets[1] for c in carried), "002 reprints 001's wire paragraph"
    sentence = "Hikvision is one of the world's largest manufacturers of video surveillance products"
    holders = [
        c for r in store.article_records() for c in store.article_chunks(r.article.id) if sentence in c.text
    ]
    assert len(holders) == 1, "the reprinted sentence is stored once"
    nikkei = _by_source(store, "Nikkei")
    quoted = [c for c in store.article_chunks(nikkei) if any(k.source == "Al Jazeera" for k in c.carriers)]
    assert quoted and "these concerns very seriously" in quoted[0].text
    note = next(k for k in quoted[0].carriers if k.source == "Al Jazeera")
    assert "these concerns very seriously" in quoted[0].text[note.start : note.end]


def test_copy_under_another_outlet_is_linked_not_duplicated(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings()
    store = _seeds_into(settings)
    copy = tmp_path / "copy.txt"
    shutil.copy(next(SEEDS.glob("002_*.txt")), copy)
    report = ingest([copy], settings, source="Example Gazette", published=date(2019, 5, 23), progress=False)
    assert report.ok and len(report.near_duplicates) == 1
    article, twin = report.near_duplicates[0]
    assert twin == _by_source(store, "The Straits Times")
    store = Store(settings)
    assert store.get_article(article.id).duplicate_of == twin
    assert sum(c.end - c.start for c in store.article_chunks(article.id)) < 0.1 * len(article.text)
    assert all("Example Gazette" in c.outlets for c in store.article_chunks(twin)[:-1])
    hits = Retriever(store, settings).search("Hikvision 34,000 global employees Montreal research team", 5)
    assert [h.chunk.article_id for h in hits].count(article.id) == 0 and hits[0].chunk.article_id == twin
    assert "Example Gazette" in hits[0].chunk.outlets
    # Found as a whole article (its title), the copy contributes its twin's passages, each listed once.
    for mode in ("keyword", "vector", "hybrid"):
        hits = Retriever(store, settings, mode=mode).search(article.title, 10)
        ids = [h.chunk.id for h in hits]
        assert len(ids) == len(set(ids))
        assert store.story_of(hits[0].chunk.article_id) == twin, mode
    # Removing the twin re-chunks the copy from its own text: nothing it said is lost.
    assert remove(twin, settings) == [article.id]
    store = Store(settings)
    assert not store.has_article(twin)
    restored = store.article_chunks(article.id)
    assert store.get_article(article.id).duplicate_of is None
    assert "34,000 global employees" in " ".join(c.text for c in restored)


def test_filters_and_diversity(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    _seeds_into(settings)
    (tmp_path / "later.txt").write_text(
        "Hikvision added to entity list\n\nThe Commerce Department added Hikvision to its entity list in October.\n"
    )
    ingest(
        [tmp_path / "later.txt"], settings, source="Wire Review", published=date(2019, 10, 8), progress=False
    )
    retriever = Retriever(Store(settings), settings)
    query = "Hikvision entity list Commerce Department"
    october = retriever.search(query, 10, Filters(since=date(2019, 10, 1)))
    assert [h.chunk.source for h in october] == ["Wire Review"]
    may = retriever.search(query, 10, Filters(until=date(2019, 5, 31)))
    assert may and all(h.chunk.published == date(2019, 5, 22) for h in may)
    aj = retriever.search(query, 10, Filters(source="al jazeera"))
    assert aj and all("Al Jazeera" in h.chunk.outlets for h in aj)
    assert retriever.search(query, 10, Filters(source="no such outlet")) == []
    hits = retriever.search(query, 5)
    stories = [h.chunk.article_id for h in hits]
    assert len(set(stories)) == len(stories), "top hits come from different articles first"
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("question", "outlet"),
    [
        (
            "What did the Hikvision executive tell Reuters about the chips the company uses?",
            "Free Malaysia Today",
        ),
        ("Whom did Hikvision hire to advise on human rights compliance?", "Nikkei"),
        ("What did the EIU analyst Nick Marro say about technology issues?", "Al Jazeera"),
        (
            "How many Chinese video surveillance companies did Bloomberg say could be cut off?",
            "South China Morning Post",
        ),
    ],
)
def test_plain_question_finds_the_right_article(
    seeded: tuple[Settings, Store], question: str, outlet: str
) -> None:
    settings, store = seeded
    hits = Retriever(store, settings).search(question, 3)
    assert outlet in hits[0].chunk.source


def test_articles_committed_before_a_crash_are_searchable_and_seen_by_dedupe(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer killed after committing articles but before refreshing the indexes (issue 13, item 2)."""
    settings = make_settings()
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(next(SEEDS.glob("000_*.txt")), first)
    assert ingest([first], settings, source="Free Malaysia Today", progress=False).ok
    Retriever(Store(settings), settings).search("Hikvision", 3)  # indexes cached at this generation

    def killed(self: Store, grams: object) -> None:
        raise SystemExit("killed")

    late = tmp_path / "late"
    late.mkdir()
    shutil.copy(next(SEEDS.glob("002_*.txt")), late)
    with monkeypatch.context() as m:
        m.setattr(Store, "finish_writes", killed)
        with pytest.raises(SystemExit):
            ingest([late], settings, source="The Straits Times", progress=False)
    store = Store(settings)
    assert _by_source(store, "The Straits Times")
    hits = Retriever(store, settings).search("Hikvision 34,000 global employees Montreal research team", 3)
    assert hits and hits[0].chunk.source == "The Straits Times"
    copy = tmp_path / "copy.txt"
    shutil.copy(next(SEEDS.glob("002_*.txt")), copy)
    report = ingest([copy], settings, source="Example Gazette", progress=False)
    assert len(report.near_duplicates) == 1 and report.near_duplicates[0][1] == _by_source(
        store, "The Straits Times"
    )


def test_an_edited_outlet_and_date_are_what_search_filters_by_on_either_kind_of_store(
    make_settings: Callable[..., Settings],
) -> None:
    """`briefing edit` on an embedded store and on a Chroma server alike (the unit tier has the details)."""
    from briefing.edit import edit_article

    settings = make_settings()
    store = _seeds_into(settings)
    aid = _by_source(store, "Al Jazeera")
    chunks = store.chunks.count()
    edit_article(aid, settings, source="Al Jazeera English", published=date(2019, 5, 23))
    retriever = Retriever(Store(settings), settings)
    query = "Hikvision human rights concerns"
    hits = retriever.search(query, 10, Filters(outlets=("Al Jazeera English",), since=date(2019, 5, 23)))
    assert aid in {h.chunk.article_id for h in hits}
    assert not retriever.search(query, 10, Filters(outlets=("Al Jazeera",)))
    assert Store(settings).chunks.count() == chunks
