"""The brief's rules on invented claims and passages: lossy model lines, statements of silence, which twin
is stated, corroboration, figures that differ, story clustering, ISO weeks, export formats. (Briefs built
over a store are in the integration tier.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from briefing.archive import slug
from briefing.brief import (
    BriefError,
    cluster,
    find_disagreements,
    independent_outlets,
    iso_week,
)
from briefing.brief.claims import richer
from briefing.brief.sections import NO_COMMENT
from briefing.brief.writing import left_out
from briefing.export import ExportError, format_for
from briefing.models import Carrier, Chunk

SEED_DAY = date(2019, 5, 22)


def test_a_line_that_drops_a_name_or_figure_of_its_claim_is_lossy() -> None:
    claim = (
        "It is not clear what effect a US ban would have on Hikvision's business. The company could "
        "switch to Chinese suppliers, which make 80% of its chips."
    )
    assert left_out("Hikvision's business is not clear, a US ban aside.", claim) == ["Chinese", "80%"]
    assert (
        left_out("A US ban could push Hikvision to Chinese suppliers, who make 80% of its chips.", claim)
        == []
    )


def test_silence_is_an_actors_last_position_and_the_fuller_twin_is_stated() -> None:
    assert NO_COMMENT.search("Hikvision did not respond to a request for comment.")
    assert not NO_COMMENT.search("Hikvision said it had not been informed of the blacklisting.")
    assert richer(
        "Hikvision said it hired Pierre-Richard Prosper, a former US ambassador.",
        "Hikvision said it hired a former US ambassador.",
    )
    assert not richer("Hikvision said it hired a former US ambassador.", "Hikvision hired a US ambassador.")


def _chunk(cid: str, source: str, carriers: tuple[Carrier, ...] = ()) -> Chunk:
    return Chunk(cid, cid.split(":")[0], "T", source, SEED_DAY, None, None, 0, 0, 1, "x", carriers)


def test_syndicated_copies_count_once_as_corroboration() -> None:
    copy = Carrier("copy", "Daily Reprint", "T", SEED_DAY, 0, 1)
    other = Carrier("own", "Evening Post", "T", SEED_DAY, 0, 1)
    twins = {"copy": "wire"}
    story_of = lambda a: twins.get(a, a)  # noqa: E731
    assert independent_outlets([_chunk("wire:000", "Wire Agency", (copy,))], story_of) == ()
    assert independent_outlets([_chunk("wire:000", "Wire Agency", (copy, other))], story_of) == (
        "Wire Agency",
        "Evening Post",
    )


def test_figures_on_one_subject_that_differ_across_stories() -> None:
    def passage(article: str, outlet: str, text: str) -> Chunk:
        return Chunk(f"{article}:000", article, "T", outlet, SEED_DAY, None, None, 0, 0, len(text), text)

    fell = passage("a", "Meridian Post", "Brightvale shares fell 14% in early trading on Tuesday.")
    dropped = passage(
        "b", "Eastland Times", "Brightvale shares dropped as much as 11.5 per cent in early trading."
    )
    both = passage(
        "c", "Orvana Wire", "Brightvale shares fell 14% on Tuesday, or 11.5 per cent at the close."
    )
    prices = passage("d", "Ledger", "Brightvale Metals expects lithium prices to rise 30% next year.")
    separate = lambda a: a  # noqa: E731
    (d,) = find_disagreements([fell, dropped, prices], separate)
    assert d.kind == "percent" and [s.outlet for s in d.sides] == ["Meridian Post", "Eastland Times"]
    assert find_disagreements([fell, dropped], lambda a: "wire") == []  # syndicated copies of one story
    assert find_disagreements([fell, both], separate) == []  # a value in common
    assert find_disagreements([dropped, prices], separate) == []  # another measure


def test_clustering_merges_similar_vectors_and_forced_links() -> None:
    v = np.array([[1, 0, 0], [0.95, 0.31, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert sorted(map(sorted, cluster(v, 0.6))) == [[0, 1], [2], [3]]
    assert sorted(map(sorted, cluster(v, 0.6, links=[(2, 3)]))) == [[0, 1], [2, 3]]


def test_iso_week_rejects_nonsense() -> None:
    with pytest.raises(BriefError):
        iso_week("2019-21")
    with pytest.raises(BriefError):
        iso_week("2019-W54")


# --- exports and audit ------------------------------------------------------------------------------


def test_format_choice() -> None:
    assert format_for(Path("x.docx"), None) == "docx" and format_for(Path("x.HTM"), None) == "html"
    assert format_for(Path("x.txt"), None) == "md" and format_for(None, "html") == "html"
    with pytest.raises(ExportError):
        format_for(Path("x.md"), "pdf")


# --- a failing section, rejected lines and strict mode over a real HTTP server ----------------------


def test_a_brief_file_name_ends_on_a_whole_word() -> None:
    title = "Policy brief: US export restrictions on Hikvision and Chinese surveillance firms"
    assert slug(title) == "policy-brief-us-export-restrictions-on-hikvision-and-chinese"
    assert slug("?!") == "brief" and len(slug("x" * 90)) == 60
