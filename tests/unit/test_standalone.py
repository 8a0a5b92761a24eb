"""Sentences that stand alone: the rules on the sentences issue 26 quotes from real briefs, and on news lead
sentences that must pass."""

from __future__ import annotations

import pytest

from briefing.brief.results import Paragraph, Sentence
from briefing.brief.standalone import RULES, breaks, flagged, standalone_window, strip_connective
from briefing.evidence import Evidence
from briefing.models import Chunk


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("It is, Mattei said.", "pronoun"),
        ("Kanye threatened the Jews yesterday on Twitter and it's not even trending.", "unattributed"),
        (
            "“We expect the process from a completed application to debt relief to happen in a matter of "
            "weeks,” the first official said.",
            "speaker",
        ),
        (
            "We expect the process from a completed application to debt relief to happen in a matter of "
            'weeks," the first official said.',
            "speaker",
        ),
        (
            "“Whether it's a challenge, whether it's fatal or a big problem this year, we'll find out” next "
            "month.",
            "fragment",
        ),
        (
            "China has begun exporting this technology to nations that seek closer surveillance of their "
            "citizens, including Ecuador, Zimbabwe and Pakistan.",
            "refers-back",
        ),
        ("The Times said the Trump administration is considering the move against Hikvision.", "press"),
        (
            "Meanwhile, a separate report by Bloomberg said on Wednesday that the US administration is "
            "considering cutting off the flow of American technology.",
            "connective",
        ),
        ("But the ministry rejected the claims on Friday.", "connective"),
        ("He added that the company had not been informed of any listing.", "speaker"),
        ("On Tuesday, they voted to extend the strike by a week.", "pronoun"),
        ("“We will not back down,” he said.", "speaker"),
        ("The lawmakers said the actions may constitute crimes against humanity.", "speaker"),
        ("I think this is the worst decision the board has ever made.", "unattributed"),
        ("now the court will have to decide by Friday.", "fragment"),
        # seen in weekly briefs of RealTime QA dev weeks: headlines, captions and asides as sentences
        ("20-time Grand Slam champion makes it official", "heading"),
        (
            "Carlos Alcaraz reaches first grand slam semifinal after marathon, late-night finish against "
            "Jannik Sinner",
            "heading",
        ),
        (
            "Hide Caption 20 of 22 Photos: What Britain looked like the last time a monarch died Queen "
            "Elizabeth II shakes hands with the Dean of Windsor after the funeral service.",
            "heading",
        ),
        (
            "-- New Hampshire GOP Senate candidate Don Bolduc, stating Thursday on Fox News that he believes "
            "President Biden is the legitimate president of the US.",
            "heading",
        ),
        (
            "King Charles III takes over:What happens to the other royals under new slimmed-down monarchy?",
            "question",
        ),
        ("That's what you call an underdog upset!", "question"),
    ],
)
def test_the_issues_sentences_break_a_rule(sentence: str, rule: str) -> None:
    assert rule in RULES
    assert breaks(sentence) == rule


@pytest.mark.parametrize(
    "sentence",
    [
        "The US administration is considering limits to Chinese video surveillance firm Hikvision's ability "
        "to buy US technology, the New York Times reported on Tuesday.",
        "Hikvision is one of the world's largest manufacturers of video surveillance products.",
        "It is not immediately clear what effect a US ban would have on Hikvision's business.",
        "“Hikvision takes these concerns very seriously and has engaged with the US government since last "
        "October,” a Hikvision spokesperson told Al Jazeera via email.",
        'Megvii said: "We are not aware of being on any US government list.',
        "China urges the US to provide a fair and non-discriminatory environment for Chinese firms, ministry "
        "spokesman Lu Kang told a daily news briefing.",
        "This week the Senate passed the bill by 52 votes to 48.",
        "The Financial Times reported that the rail unions rejected the offer.",
        "The Post Office said deliveries would resume on Monday after the strike.",
        "Rail workers in two unions voted to reject the deal, raising the risk of a national strike.",
        "Alex Jones must pay nearly $1 billion to the families of Sandy Hook victims, a jury decided.",
        "The strike ends on Friday [2].",
        '"Will the strike end before the holidays?" the union’s leader asked at a rally on Monday.',
    ],
)
def test_news_lead_sentences_stand_alone(sentence: str) -> None:
    assert breaks(sentence) is None


def test_the_sentence_before_in_the_same_passage_resolves_a_reference() -> None:
    lead = "Hikvision says it is the world's leading provider of security products."
    follow = "Its main product lines are security cameras and their related network infrastructure."
    assert breaks(follow) == "pronoun"
    assert breaks(follow, before=lead) is None
    # ... but not a statement stated as fact without its speaker
    assert breaks("Kanye is trending and it's not even news.", before=lead) == "unattributed"
    para = Paragraph(
        (
            Sentence(lead, ("a:0",), True, 1.0, ""),
            Sentence(follow, ("a:0",), True, 1.0, ""),
            Sentence("It added that it had hired a lawyer to advise it.", ("b:3",), True, 1.0, ""),
        ),
        bullet=True,
    )
    assert [(s.text[:9], rule) for s, rule in flagged([para])] == [("It added ", "speaker")]


def test_a_leading_connective_is_stripped_only_when_the_rest_stands_alone() -> None:
    assert (
        strip_connective("Meanwhile, a separate report by Bloomberg said the US is weighing curbs.")
        == "A separate report by Bloomberg said the US is weighing curbs."
    )
    assert strip_connective("However, it was later withdrawn by the ministry.") == (
        "However, it was later withdrawn by the ministry."
    )
    assert strip_connective("Hikvision declined to comment.") == "Hikvision declined to comment."


def _window(text: str, sentence: str) -> Evidence:
    chunk = Chunk("a:0", "a", "T", "Wire", None, None, None, 0, 0, len(text), text)
    start = text.index(sentence)
    return Evidence(chunk, start, start + len(sentence), 1.0)


def test_a_claim_window_keeps_the_sentence_that_resolves_it_or_is_dropped() -> None:
    text = (
        "In a statement, Hikvision said it took the concerns very seriously.\n\n"
        "It added that it had hired Pierre-Richard Prosper to advise on compliance.\n\n"
        "The newspaper quoted unnamed people familiar with the matter. "
        "The Times said the administration is considering the move. "
        "Kanye threatened the Jews yesterday on Twitter and it's not even trending. "
        "Meanwhile, Bloomberg said five firms could be listed."
    )
    pair = standalone_window(_window(text, "It added that it had hired Pierre-Richard Prosper"))
    assert pair is not None and pair.text.startswith("In a statement, Hikvision said")
    assert pair.text.endswith("to advise on compliance.")
    assert (
        standalone_window(_window(text, "The Times said the administration")) is None
    )  # its context leans too
    assert standalone_window(_window(text, "Kanye threatened the Jews")) is None
    lead = _window(text, "Meanwhile, Bloomberg said five firms could be listed.")
    assert standalone_window(lead) is lead  # the connective is stripped when it is stated
