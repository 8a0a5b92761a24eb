"""Stories kept week to week and what changed since the last weekly brief, on invented articles over two
weeks (hash embedder, extractive backend, embedded Chroma in a temporary folder); the roundup and matching
rules alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from briefing.answer import Answerer
from briefing.archive import keep, previous_weekly
from briefing.brief import Brief, Story, StoryBook, build_weekly, find_stories, roundup, week_of
from briefing.brief.changes import fresh_share, restated
from briefing.brief.context import Context
from briefing.brief.kept import match
from briefing.config import Settings
from briefing.export import render_markdown
from briefing.ingest import ingest
from briefing.markers import strip_markers
from briefing.retrieve import Filters
from tests.recorded import write_articles
from tests.two_weeks import ARTICLES, GRAIN, NEW_FACT, ROUNDUP_TITLE, STATED, WEEK1, WEEK2

TUNING = {"story_threshold": 0.3, "story_match": 0.6, "claim_min_score": 0.0}  # the hash embedder's scale


@pytest.fixture
def answerer(make_settings: Callable[..., Settings], tmp_path: Path) -> Answerer:
    settings = make_settings(llm="extractive", briefs=TUNING)
    folder = write_articles(tmp_path / "articles", ARTICLES)
    report = ingest([folder], settings, manifest=folder / "manifest.csv", progress=False)
    assert report.ok, report.failures
    return Answerer(settings)


def _weekly(answerer: Answerer, window: tuple[date, date]) -> Brief:
    """A weekly brief as the CLI makes one: compared with the archive's last weekly brief, then kept."""
    settings = answerer.settings
    brief = build_weekly(
        settings, *window, answerer=answerer, previous=previous_weekly(settings, *window), max_stories=6
    )
    keep(brief, settings)
    return brief


def _story(brief: Brief, word: str) -> dict:
    return next(s for s in brief.stories["stories"] if word in s["title"].lower())


def _texts(brief: Brief, keys: set[str] | None = None) -> list[str]:
    return [
        strip_markers(x.text) for s in brief.sections if keys is None or s.key in keys for x in s.sentences
    ]


def test_a_story_keeps_its_id_and_the_second_brief_says_what_changed(answerer: Answerer) -> None:
    first = _weekly(answerer, WEEK1)
    assert first.stories["week"] == "2031-W10" and first.stories["previous"] is None
    assert {_story(first, "freight")["status"], _story(first, "harbour")["status"]} == {"new"}
    assert STATED in _texts(first)  # and in a week-2 article: stated again but for the rule
    assert not any("things to know" in s["title"] for s in first.stories["stories"])  # the roundup page

    second = _weekly(answerer, WEEK2)
    rail, museum = _story(second, "freight"), _story(second, "museum")
    assert rail["id"] == _story(first, "freight")["id"] and rail["status"] == "continuing"
    assert rail["first_week"] == "2031-W10" and museum["status"] == "new"
    assert second.stories["previous"]["week"] == "2031-W10"
    assert second.stories["gone_quiet"] == [
        {"id": _story(first, "harbour")["id"], "title": _story(first, "harbour")["title"]}
    ]

    # Nothing the first brief stated is stated again; the new fact is.
    said = restated(_texts(second), _texts(first), answerer.embedder, answerer.settings.briefs)
    assert not any(said), [t for t, s in zip(_texts(second), said) if s]
    assert fresh_share(second.to_dict(), first.to_dict(), answerer.embedder, answerer.settings.briefs)[0] > 0

    since = second.sections[0]
    assert since.key == "since" and since.title == "Since last week"
    assert GRAIN in " ".join(_texts(second, {"since"}))  # from its newest article
    assert NEW_FACT in _texts(second)
    leads = [p.lead for p in since.paragraphs]
    assert leads[0] == f"{rail['title']} (continuing since 2031-W10)"
    assert f"New this week: {museum['title']}" in leads
    gone = [lead for lead in leads if lead.startswith("Gone quiet")]
    assert len(gone) == 1 and _story(first, "harbour")["title"] in gone[0]
    story_labels = {s.key: s.label for s in second.sections}
    assert story_labels[rail["section"]].startswith("Continuing since 2031-W10")
    assert story_labels[museum["section"]].startswith("New this week. Single source: ")
    text = render_markdown(second)
    assert text.index("## Since last week") < text.index("## Overview")
    assert f"*{rail['title']} (continuing since 2031-W10):* " in text


def test_the_story_book_is_kept_and_refiling_a_week_gives_the_same_ids(answerer: Answerer) -> None:
    first = _weekly(answerer, WEEK1)
    second = _weekly(answerer, WEEK2)
    settings = answerer.settings
    assert previous_weekly(settings, *WEEK1) is None
    assert previous_weekly(settings, *WEEK2)["title"] == first.title  # not itself: an earlier week's
    assert previous_weekly(settings, date(2031, 3, 24), date(2031, 3, 30))["title"] == second.title
    path = answerer.settings.notebook_dir / "stories.json"
    saved = path.read_text(encoding="utf-8")
    kept = StoryBook.of(answerer.settings)
    rail = kept.stories[_story(second, "freight")["id"]]
    assert sorted(rail.weeks) == ["2031-W10", "2031-W11"] and len(rail.weeks["2031-W11"].articles) == 2
    assert set(rail.weeks["2031-W10"].outlets) == {"Ostrava Post", "Silesian Wire"}
    assert not any(roundup(w.title) for k in kept.stories.values() for w in k.weeks.values())
    # The same week filed again, against a last brief that stated all both briefs did: the continuing story
    # has no section then, only its line saying there is nothing new.
    stated_all = second.to_dict()
    stated_all["sections"] += first.to_dict()["sections"]
    again = build_weekly(answerer.settings, *WEEK2, answerer=answerer, previous=stated_all)
    assert [s["id"] for s in again.stories["stories"]] == [s["id"] for s in second.stories["stories"]]
    rail = _story(again, "freight")
    assert rail["status"] == "continuing" and rail["section"] is None
    assert rail["title"] not in [s.title for s in again.sections]
    assert (
        f"{rail['title']} (continuing since 2031-W10): nothing reported this week that the last brief did "
        "not state" in [p.lead for p in again.sections[0].paragraphs]
    )
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(saved)


def test_a_roundup_page_is_no_story_and_lends_its_passages_to_the_stories_it_touches(
    answerer: Answerer,
) -> None:
    ctx = Context.of(answerer, Filters(*WEEK1))
    stories = find_stories(ctx, *WEEK1)
    (page,) = [r.article.id for r in answerer.store.article_records() if r.article.title == ROUNDUP_TITLE]
    assert not any(page in s.article_ids for s in stories)
    rail = next(s for s in stories if "freight" in s.title.lower())
    assert rail.borrowed and all(cid.startswith(f"{page}:") for cid in rail.borrowed)


@pytest.mark.parametrize(
    "title",
    [
        ROUNDUP_TITLE,
        "5 things to know for Oct. 11: Ukraine, Rail strike, Trump, School ...",
        "Ten Things You Need to Know Today: 11 June 2022 | The Week UK",
        "Hurricane Ian, Joe Manchin, European Union, Medicare: Daily Briefing",
        "COVID-19, unemployment benefits, Afghanistan update, US Capitol ...",
        "Yellowstone floods, Fed meeting: 5 things to know Wednesday",
        "Ukraine, R. Kelly, long COVID, Queen Elizabeth, hot zip codes ...",
        "Hurricane Ian, Virginia student walkout, Jan. 6 hearing postponed ...",
        "Justice Stephen Breyer, NATO and R. Kelly. It's Wednesday's news",
        "North Korea, Planned Parenthood, Hurricane Ian, midterms: Daily ...",
        "Tattoos, masks: News from around our ...",
        "Boarding school stories, underwater festival: News from around our 50 states",
        "Photos this week: June 23-30, 2022",
    ],
)
def test_roundup_titles(title: str) -> None:
    assert roundup(title)


@pytest.mark.parametrize(
    "title",
    [
        "Queen funeral updates: Elizabeth laid to rest alongside Prince Philip",
        "Itaewon: What we know about the deadly Halloween disaster in Seoul",
        "Biden, Xi and Putin to meet at the G20 summit in Bali",
        "Finland, Sweden formally invited to join NATO",
        "Diahann Carroll, Oscar-nominated, pioneering actress, dies at 84",
        "Robert O'Brien, Trump's national security adviser, tests positive for ...",
        "Boris Johnson, British Prime Minister, squeaks through confidence ...",
        "Trump campaign officials, led by Rudy Giuliani, oversaw fake ...",
        "How Wes Moore, Maura Healey, Maxwell Frost made history this ...",
        "Hurricane Michael damages Florida, Georgia, North Carolina, Virginia",
        "Ukraine recap: EU makes Ukraine a candidate for membership",
        "5 questions with winery leader Bill Oliver",
        "Hearing aids: What to know about buying them over the counter",
    ],
)
def test_one_event_pages_are_not_roundups(title: str) -> None:
    assert not roundup(title)


def test_matching_is_one_to_one_best_pairs_first_above_the_threshold() -> None:
    kept = np.eye(3, dtype=np.float32)
    found = np.array([[0.9, 0.1, 0], [0.95, 0, 0.1], [0, 0, 1.0], [0.6, 0.6, 0.5]], dtype=np.float32)
    found /= np.linalg.norm(found, axis=1, keepdims=True)
    assert match(found, kept, 0.8) == {1: 0, 2: 2}  # row 0 loses story 0 to the nearer row 1; row 3 is far
    assert match(found, kept, 1.1) == {} and match(found[:0], kept, 0.5) == {}


def test_a_week_is_filed_under_its_middle_day_and_a_new_story_id_is_its_articles() -> None:
    assert week_of(date(2022, 10, 9), date(2022, 10, 15)) == "2022-W41"  # Sunday to Saturday
    assert week_of(*WEEK1) == "2031-W10"
    v = np.ones(4, dtype=np.float32) / 2
    a, b = Story("A", ("x", "y"), ("O",), WEEK1[0], v), Story("A", ("y", "x"), ("O",), WEEK1[0], v)
    first = StoryBook().file_week("2031-W10", [a], 0.5)
    assert first[0].id == StoryBook().file_week("2031-W10", [b], 0.5)[0].id
    assert first[0].id.startswith("2031-W10-") and first[0].first_week == "2031-W10"
