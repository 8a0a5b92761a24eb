"""A headline per story: the cleanest title (site suffix dropped, never cut with "...", never a URL slug or
a roundup page's), and a model's headline only when its names and figures are in the story's claims."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from briefing.brief.headline import (
    MAX_WORDS,
    clean_title,
    extractive_headline,
    headline_fault,
    lead_clause,
    slug,
    story_headline,
)

SLUG_URL = "https://www.cnn.com/2022/10/12/politics/biden-west-trip-camp-hale-colorado/index.html"
CLAIMS = [
    "A Connecticut jury on Wednesday ordered conspiracy theorist Alex Jones to pay $965 million to the "
    "families of eight Sandy Hook victims.",
    "Jones had called the 2012 shooting a hoax staged by crisis actors.",
]


@pytest.mark.parametrize(
    ("title", "url"),
    [
        ("5 things to know for Oct. 11: Ukraine, Rail strike, Trump, School ...", None),
        ("Biden west trip camp hale colorado", SLUG_URL),
        ("Alex Jones: Jury decides conspiracy theorist should pay nearly $1 ...", None),
        ("Alex Jones: Jury decides conspiracy theorist should pay nearly $1…", None),
        ("Live updates: Russia's war in Ukraine", None),
    ],
)
def test_titles_that_cannot_head_a_story(title: str, url: str | None) -> None:
    assert clean_title(title, url) is None


def test_a_site_suffix_is_dropped_and_a_real_sentence_case_title_is_not_a_slug() -> None:
    assert clean_title("Rail unions reject contract, raising strike risk - CNN") == (
        "Rail unions reject contract, raising strike risk"
    )
    assert clean_title("Fed raises rates again | Reuters") == "Fed raises rates again"
    assert (
        clean_title("Biden visits Camp Hale in Colorado – BBC News") == "Biden visits Camp Hale in Colorado"
    )
    assert not slug("Rail strike averted", "https://example.com/2022/10/rail-deal-reached")
    assert slug("Biden west trip camp hale colorado", SLUG_URL)


def test_without_a_clean_title_the_lead_claims_first_clause_stands_whole() -> None:
    titles = [("Alex Jones: Jury decides conspiracy theorist should pay nearly $1 ...", None)]
    head = extractive_headline(titles, CLAIMS[0])
    assert head == CLAIMS[0].rstrip(".") and not head.endswith(("...", "…"))
    assert lead_clause("Rail workers voted to reject the deal, raising the risk of a strike.") == (
        "Rail workers voted to reject the deal"
    )
    titles.append(("Jury orders Alex Jones to pay $965 million - CNN", None))
    assert extractive_headline(titles, CLAIMS[0]) == "Jury orders Alex Jones to pay $965 million"


def test_a_written_headline_must_hold_only_the_claims_names_and_figures() -> None:
    assert headline_fault("Jury orders Alex Jones to pay $965 million", CLAIMS) is None
    assert "$1 billion" in headline_fault("Jury orders Alex Jones to pay $1 billion", CLAIMS)
    assert "Infowars" in headline_fault("Infowars host Jones must pay families", CLAIMS)
    assert headline_fault("Jury orders Jones to pay ...", CLAIMS) == "ends with '...'"
    assert "more than" in headline_fault(" ".join(["word"] * (MAX_WORDS + 1)), CLAIMS)


def test_the_models_headline_stands_when_checked_else_the_cleanest_title() -> None:
    titles = [("Alex Jones: Jury decides conspiracy theorist should pay nearly $1 ...", None)]
    good = FakeListChatModel(responses=["Jury orders Alex Jones to pay $965 million\n"])
    assert story_headline(good, titles, CLAIMS) == "Jury orders Alex Jones to pay $965 million"
    invented = FakeListChatModel(responses=["Alex Jones must pay $1.5 billion, judge rules"])
    assert story_headline(invented, titles, CLAIMS) == CLAIMS[0].rstrip(".")
