"""Citation checking with the real packaged embedder: markers, uncited and unsupported claims, quotes.

Passages are built from the Hikvision seed articles, read at test time from ../shared.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from briefing.cite import NOT_IN_SOURCES, CheckedText, check_citations
from briefing.config import CheckerTuning, Settings
from briefing.embeddings import Embedder, get_embedder
from briefing.models import Carrier, Chunk


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder(Settings(embedding="minilm", _env_file=None))


def _paragraphs(path: Path, *anchors: str) -> str:
    """The paragraphs of a seed holding the anchors, joined as one passage."""
    paras = [p for p in path.read_text(encoding="utf-8").split("\n\n") if any(a in p for a in anchors)]
    assert paras, anchors
    return "\n\n".join(paras)


def _chunk(cid: str, text: str, source: str, carriers: tuple[Carrier, ...] = ()) -> Chunk:
    return Chunk(
        id=f"{cid}:000",
        article_id=cid,
        title=f"title {cid}",
        source=source,
        published=date(2019, 5, 22),
        url=f"https://example.com/{cid}",
        path=None,
        position=0,
        start=0,
        end=len(text),
        text=text,
        carriers=carriers,
    )


@pytest.fixture(scope="module")
def passages(seeds_dir: Path) -> list[Chunk]:
    """1: Hikvision opened 10% lower (FMT, carried by a second outlet); 2: the 9.6% intraday fall (ST);
    3: the lawmakers' letter and Xinjiang (FMT)."""
    fmt = seeds_dir / "000_aa3f24ceda542d04.txt"
    st = seeds_dir / "002_de3c650d3d227cfa.txt"
    p1 = _paragraphs(fmt, "White House did not immediately", "opened 10% lower", "chips Hikvision uses")
    carrier = Carrier("other", "Wire Daily", "reprint", date(2019, 5, 23), 0, 40)
    return [
        _chunk("fmt", p1, "Free Malaysia Today", (carrier,)),
        _chunk("st", _paragraphs(st, "9.6 per cent"), "The Straits Times"),
        _chunk("fmt2", _paragraphs(fmt, "40 lawmakers", "crimes against humanity"), "Free Malaysia Today"),
    ]


def _check(text: str, passages: list[Chunk], embedder: Embedder) -> CheckedText:
    return check_citations(text, passages, embedder, checker=CheckerTuning())


def test_rounding_allowed_only_for_approximations(passages: list[Chunk], embedder: Embedder) -> None:
    assert _check("Hikvision shares fell about 10% in Shenzhen [2].", passages, embedder).ok


def test_marker_forms_attach_to_their_sentence(passages: list[Chunk], embedder: Embedder) -> None:
    text = (
        "Hikvision shares opened 10% lower after the report [1][3]. "
        "Shares of Hikvision fell as much as 9.6 per cent in Shenzhen. [2]\n"
        "More than 40 lawmakers signed a letter about Hikvision and Dahua.\n[3]\n"
        "Hikvision shares opened 10% lower after the report. [1-2] "
        "The lawmakers urged tighter US export controls [3]."
    )
    checked = _check(text, passages, embedder)
    cited = [s.cited for s in checked.sentences]
    assert cited == [(1, 3), (2,), (3,), (1, 2), (3,)]
    assert not checked.removed_markers
    assert [c.n for c in checked.citations] == [1, 2, 3]


def test_out_of_range_marker_removed_and_reported(passages: list[Chunk], embedder: Embedder) -> None:
    checked = _check(
        "Hikvision shares opened 10% lower after the report [1, 7]. China denied it all [9].",
        passages,
        embedder,
    )
    assert "[7]" not in checked.text and "[9]" not in checked.text
    assert checked.text.startswith("Hikvision shares opened 10% lower after the report [1].")
    assert [n for n, _ in checked.removed_markers] == [7, 9]
    assert all("no passage" in reason for _, reason in checked.removed_markers)
    first, second = checked.sentences
    assert first.cited == (1,) and first.supported
    assert second.cited == () and not second.supported and "[9]" in second.reason
    assert not checked.ok


def test_uncited_sentence_flagged(passages: list[Chunk], embedder: Embedder) -> None:
    checked = _check(
        "Hikvision shares opened 10% lower after the report [1]. "
        "Analysts expect the ban to cut its revenue by half.",
        passages,
        embedder,
    )
    assert [s.reason for s in checked.unsupported] == ["no citation"]
    assert checked.unsupported[0].text.startswith("Analysts expect")


def test_supported_claim_passes(passages: list[Chunk], embedder: Embedder) -> None:
    checked = _check(
        "## Market reaction\n"
        "Hikvision shares opened 10% lower, but the company said it had not been informed of "
        "the possible blacklisting [1].",
        passages,
        embedder,
    )
    assert checked.ok, checked.unsupported
    heading, claim = checked.sentences
    assert heading.reason == "markup" and heading.supported
    assert claim.supported and claim.support > 0.48


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("Hikvision shares fell 25% after the report [1].", "number 25% not in passage"),
        # The sources disagree: 000 says shares opened 10% lower, 002 that they fell as much as 9.6%.
        ("Hikvision shares opened 9.6% lower after the report [1].", "number 9.6% not in passage"),
        ("Hikvision shares fell as much as 10% in Shenzhen [2].", "number 10% not in passage"),
    ],
)
def test_number_mismatch_flagged(passages: list[Chunk], embedder: Embedder, claim: str, reason: str) -> None:
    (sentence,) = _check(claim, passages, embedder).unsupported
    assert sentence.reason == reason
    assert not sentence.supported


def test_the_other_figure_is_supported_by_its_own_passage(passages: list[Chunk], embedder: Embedder) -> None:
    assert _check("Hikvision shares fell as much as 9.6% in Shenzhen [2].", passages, embedder).ok


def test_wrong_passage_flagged(passages: list[Chunk], embedder: Embedder) -> None:
    claim = "More than 40 lawmakers signed a letter citing Hikvision and Dahua"
    (sentence,) = _check(f"{claim} [2].", passages, embedder).unsupported
    assert sentence.cited == (2,)
    assert not sentence.supported
    # The same claim against the passage that holds it passes.
    assert _check(f"{claim} [3].", passages, embedder).ok


def test_a_day_the_passage_does_not_give_is_flagged(passages: list[Chunk], embedder: Embedder) -> None:
    # Seen from the local model, which copied the prompt's example day into an answer.
    (sentence,) = _check("Hikvision shares opened 10% lower on Friday [1].", passages, embedder).unsupported
    assert sentence.reason == "date Friday not in passage"


def test_swapped_name_flagged(passages: list[Chunk], embedder: Embedder) -> None:
    text = "Shares of Alibaba opened 10% lower after the report [1]."
    (sentence,) = _check(text, passages, embedder).unsupported
    assert sentence.reason == "name Alibaba not in passage"


def test_a_claim_whose_actor_is_not_the_passages_is_flagged(seeds_dir: Path, embedder: Embedder) -> None:
    # Seen from the local model: the passage says China exports it, and names Hikvision the sentence before.
    text = _paragraphs(
        seeds_dir / "002_de3c650d3d227cfa.txt", "The Chinese have", "companies like", "begun exporting"
    )
    passage = [_chunk("st", text, "The Straits Times")]
    claim = (
        "The Chinese surveillance equipment maker Hikvision has begun exporting surveillance technology to "
        "Ecuador, Zimbabwe, Uzbekistan, Pakistan, and the United Arab Emirates [1]."
    )
    (sentence,) = _check(claim, passage, embedder).unsupported
    assert sentence.reason == "actor Hikvision not the passage's: China"
    right = "China has begun exporting surveillance technology to Ecuador and Zimbabwe [1]."
    assert _check(right, passage, embedder).ok


def test_citation_lists_every_outlet_and_exact_quote(passages: list[Chunk], embedder: Embedder) -> None:
    checked = _check(
        "Hikvision shares opened 10% lower after the report [1]. "
        "Shares fell as much as 9.6 per cent in Shenzhen [2].",
        passages,
        embedder,
    )
    c1, c2 = checked.citations
    assert c1.outlets == ["Free Malaysia Today", "Wire Daily"]
    assert (c1.outlet, c1.chunk_id, c1.url) == ("Free Malaysia Today", "fmt:000", "https://example.com/fmt")
    for c in (c1, c2):
        assert c.chunk.text[c.quote_start : c.quote_end] == c.quote
    assert c1.quote.startswith("Hikvision shares opened 10% lower")
    assert "White House" not in c1.quote  # one sentence, not the whole passage
    assert "9.6 per cent" in c2.quote
    data = json.loads(json.dumps(checked.to_dict()))
    assert data["citations"][0]["outlets"] == ["Free Malaysia Today", "Wire Daily"]
    assert data["citations"][0]["published"] == "2019-05-22"


def test_not_in_sources_reply_not_flagged(passages: list[Chunk], embedder: Embedder) -> None:
    checked = _check(NOT_IN_SOURCES, passages, embedder)
    assert checked.ok and checked.citations == []
    assert checked.sentences[0].reason == "not-in-sources reply"


def test_sentence_offsets_index_cleaned_text(passages: list[Chunk], embedder: Embedder) -> None:
    text = "Intro line:\n- Hikvision shares opened 10% lower after the report [1][8]."
    checked = _check(text, passages, embedder)
    for s in checked.sentences:
        assert s.text.rstrip(".") in checked.text[s.start : s.end].replace("**", "")
    assert checked.sentences[0].reason == "no citation"  # an answer has no headings to exempt


def test_short_claims_and_bullets(passages: list[Chunk], embedder: Embedder) -> None:
    text = "In short:\n- Hikvision shares opened 10% lower [1]\n- Prices rose 25%\nYes."
    answer = {s.text: s for s in _check(text, passages, embedder).sentences}
    assert answer["Hikvision shares opened 10% lower"].supported
    assert [answer[t].reason for t in ("In short:", "Prices rose 25%", "Yes.")] == ["no citation"] * 3
    checked = check_citations(text, passages, embedder, checker=CheckerTuning(), headings=True)
    brief = {s.text: s for s in checked.sentences}
    assert brief["In short:"].reason == "heading" and brief["In short:"].supported
    assert not brief["Yes."].supported and not brief["Prices rose 25%"].supported


@pytest.mark.parametrize("reply", ["PWNED", "word word word", "OK."])
def test_an_uncited_reply_is_never_supported(passages: list[Chunk], embedder: Embedder, reply: str) -> None:
    checked = _check(reply, passages, embedder)
    assert [s.supported for s in checked.sentences] == [False] and not checked.ok


def test_every_sentence_a_passage_supports_is_marked_on_its_card(
    passages: list[Chunk], embedder: Embedder
) -> None:
    text = "Hikvision shares opened 10% lower [1]. The company uses chips from US suppliers [1]."
    (citation,) = _check(text, passages, embedder).citations
    marked = [citation.chunk.text[s:e] for s, e in citation.spans]
    assert len(marked) == 2 and "opened 10% lower" in marked[0] and "chips" in marked[1]
    assert (citation.quote_start, citation.quote_end) in citation.spans or any(
        s <= citation.quote_start and citation.quote_end <= e for s, e in citation.spans
    )
