"""The derived search index: keyword and vector rankings over the same rows, filtered the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from briefing.index import UNKNOWN_DAY, IndexedText, SearchIndex


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


ROWS = [
    IndexedText("b:001", "Hikvision shares fell in Shenzhen", 100, ["Straits Times"]),
    IndexedText("a:000", "Parliament passed the budget", 90, ["Nikkei"]),
    IndexedText("b:000", "Hikvision hired a compliance adviser", 100, ["Straits Times"]),
    IndexedText("c:000", "The storm reached the coast", UNKNOWN_DAY, ["Al Jazeera"]),
]
VECTORS = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0.9, 0.1, 0), unit(0, 0, 1)])  # rows of ROWS


@pytest.fixture(params=["built", "loaded"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> SearchIndex:
    built = SearchIndex.build(ROWS, VECTORS)
    if request.param == "built":
        return built
    built.save(tmp_path / "index")
    return SearchIndex.load(tmp_path / "index")


def test_nearest_ranks_by_cosine(index: SearchIndex) -> None:
    hits = index.nearest(unit(1, 0.05, 0), 3)
    assert [i for i, _ in hits] == ["b:001", "b:000", "a:000"]
    assert hits[0][1] == pytest.approx(float(unit(1, 0.05, 0) @ unit(1, 0, 0)), abs=1e-6)


def test_nearest_and_keyword_apply_the_same_filters(index: SearchIndex) -> None:
    mask = index.mask(95, 105, ["Straits Times"])
    assert {i for i, _ in index.nearest(unit(0, 1, 0), 10, mask)} == {"b:000", "b:001"}
    assert {i for i, _ in index.keyword("Hikvision budget", 10, mask)} == {"b:000", "b:001"}
    undated_excluded = index.mask(None, 200, None)
    assert "c:000" not in {i for i, _ in index.nearest(unit(0, 0, 1), 10, undated_excluded)}


def test_keyword_drops_rows_without_a_match(index: SearchIndex) -> None:
    assert [i for i, _ in index.keyword("budget", 10)] == ["a:000"]
    assert index.keyword("zzzz", 10) == []


def test_best_of_picks_the_article_row_nearest_the_query(index: SearchIndex) -> None:
    assert index.best_of("b:", unit(0.8, 0.6, 0)) == "b:000"
    assert index.best_of("b:", unit(1, 0, 0)) == "b:001"
    assert index.best_of("b:", None) == "b:000"  # the lead passage
    assert index.best_of("d:", unit(1, 0, 0)) is None


def test_an_empty_index_finds_nothing(tmp_path: Path) -> None:
    empty = SearchIndex.build([], np.zeros((0, 0), np.float32))
    empty.save(tmp_path / "empty")
    for idx in (empty, SearchIndex.load(tmp_path / "empty")):
        assert idx.nearest(unit(1, 0, 0), 5) == []
        assert idx.keyword("anything", 5) == []
        assert idx.best_of("a:", None) is None


def test_numbers_are_matched_whole() -> None:
    rows = [
        IndexedText("a:000", "Ford recalls 2.9 million vehicles", 1, ["x"]),
        IndexedText("b:000", "Nissan recalls 200,000 pickup trucks", 1, ["x"]),
        IndexedText("c:000", "The building was valued at $200 million, 30,000 square feet", 1, ["x"]),
    ]
    index = SearchIndex.build(rows, np.stack([unit(1, 0, 0)] * 3))
    assert [i for i, _ in index.keyword("Who sold 200000 of them?", 10)] == ["b:000"]
    assert [i for i, _ in index.keyword("200,000", 10)] == ["b:000"]  # not "200" of one row, "000" of another
    assert [i for i, _ in index.keyword("2.9", 10)] == ["a:000"]


def test_question_words_match_nothing() -> None:
    rows = [IndexedText("a:000", "What more can be done, and how?", 1, ["x"])]
    index = SearchIndex.build(rows, np.stack([unit(1, 0, 0)]))
    assert index.keyword("Which company did more than that, and how?", 10) == []
