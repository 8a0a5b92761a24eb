"""Answers and cards as HTML: every supporting stretch marked, a marker linked to its card, article text
escaped (no Streamlit needed: render.py is plain functions)."""

from __future__ import annotations

from datetime import date

from briefing.answer import Answer
from briefing.app.render import reader_html, source_cards_html
from briefing.cite import CheckedText, Citation
from briefing.guide import actors, lead_of
from briefing.models import Article, Chunk

TEXT = "The toll rises to 4 crowns. <b>Council</b> met on Tuesday. Repairs take eighteen months."


def _answer(spans: tuple[tuple[int, int], ...]) -> Answer:
    chunk = Chunk("a:000", "a", "Kessel toll", "Ostrava Post", date(2031, 4, 2), None, "kessel.txt", 0, 0,
                  len(TEXT), TEXT)  # fmt: skip
    first = spans[0]
    citation = Citation(1, chunk, TEXT[first[0] : first[1]], *first, spans)
    check = CheckedText(text="x [1].", citations=[citation], sentences=[], unsupported=[], removed_markers=[])
    return Answer("q", "q", "x [1].", check, [chunk], "extractive", "none", [])


def test_a_card_marks_every_supporting_stretch_and_escapes_the_rest() -> None:
    spans = ((0, TEXT.index(".") + 1), (TEXT.index("Repairs"), len(TEXT)))
    body = source_cards_html(_answer(spans), "src-0", notebook="articles")
    assert (
        '<div class="source-card" id="src-0-1"><a class="card-head" href="#src-0-1">[1] Kessel toll' in body
    )
    assert body.count("<mark>") == 2
    assert (
        "<mark>The toll rises to 4 crowns.</mark>" in body
        and "<mark>Repairs take eighteen months.</mark>" in body
    )
    assert "&lt;b&gt;Council&lt;/b&gt;" in body and "<b>" not in body
    assert ".source-card:target .passage{display:block" in body  # opened by its marker, no script


def test_a_card_links_the_article_and_its_stored_text_never_a_server_path() -> None:
    body = source_cards_html(_answer(((0, 10),)), "src-0", notebook="ferries")
    assert 'href="reader?nb=ferries&amp;article=a&amp;passage=a%3A000"' in body and "kessel.txt" not in body
    assert "the article</a>" not in body  # no URL recorded: only the stored text


def test_the_reader_opens_at_the_passage_with_what_comes_before_folded() -> None:
    text = "Earlier paragraph one.\n\nThe cited passage <i>here</i>.\n\nA later paragraph."
    article = Article("a", "Kessel toll", "Ostrava Post", None, None, None, text)
    start, end = text.index("The cited"), text.index("\n\nA later")
    chunk = Chunk(
        "a:001", "a", "Kessel toll", "Ostrava Post", None, None, None, 1, start, end, text[start:end]
    )
    page = reader_html(article, chunk)
    assert page.index("<details><summary>Earlier in the article (3 words)</summary>") < page.index("<mark>")
    assert (
        "<mark>The cited passage &lt;i&gt;here&lt;/i&gt;.</mark>" in page
        and "<p>A later paragraph.</p>" in page
    )
    stale = Chunk("a:001", "a", "Kessel toll", "Ostrava Post", None, None, None, 1, 0, 5, "other")
    assert "<mark>" not in reader_html(article, stale)  # a passage that no longer matches marks nothing


def test_the_guide_quotes_whom_the_articles_quote_and_leads_with_a_real_sentence() -> None:
    texts = ["Ludek Sarna said the repairs would take months. The council said no.",
             "Transport officer Hana Vlk said tickets cost 2 crowns. Ludek Sarna said more, and Sarna said it twice."]  # fmt: skip
    assert actors(texts, 3)[0].question == "What did Ludek Sarna say?" and not actors(["He said so."], 3)
    assert lead_of("OSTRAVA.\n\nThe Ostrava city council said on Tuesday that the toll will rise.") == (
        "The Ostrava city council said on Tuesday that the toll will rise."
    )
