"""Answers and cards as HTML: every supporting stretch marked, a marker linked to its card, article text
escaped (no Streamlit needed: render.py is plain functions)."""

from __future__ import annotations

from datetime import date

from briefing.answer import Answer
from briefing.app.render import source_cards_html
from briefing.cite import CheckedText, Citation
from briefing.models import Chunk

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
    body = source_cards_html(_answer(spans), "src-0")
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
