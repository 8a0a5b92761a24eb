"""Chunking offsets and reuse detection, on the seed articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.chunk import chunk_spans, split_sentences
from briefing.clean import clean_text
from briefing.dedupe import SHARED_SENTENCE_SHARE, GramIndex, text_grams


def _seed(seeds_dir: Path, prefix: str) -> str:
    return clean_text(next(seeds_dir.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8"))


def test_sentences_do_not_cross_paragraphs() -> None:
    text = "Trade war\n\nHikvision braces for a ban. Shares fell 10%.\n\nDahua did not respond."
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    assert sentences == [
        "Trade war",
        "Hikvision braces for a ban.",
        "Shares fell 10%.",
        "Dahua did not respond.",
    ]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_chunk_offsets_slice_the_article(seeds_dir: Path, prefix: str) -> None:
    text = _seed(seeds_dir, prefix)
    sentences = split_sentences(text)
    spans = chunk_spans(text, sentences, target_words=120, overlap_words=30)
    assert spans and spans[0][0] == sentences[0].start and spans[-1][1] == sentences[-1].end
    covered = set()
    for start, end in spans:
        piece = text[start:end]
        assert piece == piece.strip(), "chunks start and end on sentence boundaries, not whitespace"
        assert len(piece.split()) <= 2 * 120
        covered.update(i for i, s in enumerate(sentences) if start <= s.start and s.end <= end)
    assert covered == set(range(len(sentences))), "every sentence is in some chunk"
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert s1 < s2 and e1 < e2
        assert s2 <= e1 or text[e1:s2].strip() == "", "neighbours overlap or touch"


def test_excluded_sentences_are_left_out() -> None:
    text = "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen."
    sentences = split_sentences(text)
    spans = chunk_spans(text, sentences, target_words=100, overlap_words=0, exclude={1})
    assert [text[s:e] for s, e in spans] == [
        "One two three four.",
        "Nine ten eleven twelve. Thirteen fourteen.",
    ]


def test_run_on_text_is_cut_to_size() -> None:
    text = " ".join(f"w{i}" for i in range(1000))
    spans = chunk_spans(text, split_sentences(text), target_words=100, overlap_words=10)
    assert max(len(text[s:e].split()) for s, e in spans) <= 100
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


def _index_with(seeds_dir: Path, *prefixes: str) -> GramIndex:
    index = GramIndex()
    for p in prefixes:
        text = _seed(seeds_dir, p)
        index.add(p, text_grams(text), [(0, len(text))])
    return index


def _shared(index: GramIndex, text: str) -> list[tuple[str, float, str]]:
    sentences = split_sentences(text)
    reuse = index.find_reuse(text_grams(text), sentences)
    return [
        (s.article_id, s.share, text[sentences[s.sentence].start : sentences[s.sentence].end])
        for s in reuse.shared
    ]


def test_wire_sentences_shared_by_001_and_002(seeds_dir: Path) -> None:
    shared = _shared(_index_with(seeds_dir, "001"), _seed(seeds_dir, "002"))
    reprinted = [s for a, share, s in shared if a == "001" and share >= SHARED_SENTENCE_SHARE]
    assert any(s.startswith("Hikvision is one of the world's largest manufacturers") for s in reprinted)
    # The edited reprint ("US companies" for "American companies") is still found, as a partial match.
    assert any("obtain government approval to supply components" in s for a, _, s in shared if a == "001")


def test_statement_quoted_by_003_and_004(seeds_dir: Path) -> None:
    shared = _shared(_index_with(seeds_dir, "003"), _seed(seeds_dir, "004"))
    quoted = [s for a, _, s in shared if a == "003"]
    assert any("these concerns very seriously" in s for s in quoted)


def test_unrelated_articles_share_nothing_and_boilerplate_is_not_a_quote(seeds_dir: Path) -> None:
    # 003 says "Dahua did not respond to a request for comment." and 002 "Hikvision did not respond to a
    # request for comment.": a stock phrase, not a shared passage.
    shared = _shared(_index_with(seeds_dir, "002"), _seed(seeds_dir, "003"))
    assert not any("did not respond" in s for _, _, s in shared)
    assert (
        _shared(_index_with(seeds_dir, "000"), "Completely unrelated text about football and weather. " * 5)
        == []
    )


def test_copy_under_another_outlet_is_a_near_duplicate(seeds_dir: Path) -> None:
    index = _index_with(seeds_dir, "000", "002", "004")
    text = _seed(seeds_dir, "002")
    reuse = index.find_reuse(text_grams(text), split_sentences(text))
    assert reuse.near_duplicate_of == "002"
    different = _seed(seeds_dir, "003")
    assert index.find_reuse(text_grams(different), split_sentences(different)).near_duplicate_of is None


def test_gram_index_round_trips_and_forgets(seeds_dir: Path, tmp_path: Path) -> None:
    index = _index_with(seeds_dir, "001", "003")
    index.save(tmp_path / "grams.npz")
    loaded = GramIndex.load(tmp_path / "grams.npz")
    assert len(loaded) == len(index)
    text = _seed(seeds_dir, "004")
    assert _shared(loaded, text) == _shared(index, text)
    loaded.remove({"003"})
    assert not any(a == "003" for a, _, _ in _shared(loaded, text))
