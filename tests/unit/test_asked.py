"""What a question asks, read by rules (briefing/asked.py): the kind, whose words, the asked figure, a
two-part question's parts, a follow-up's speaker; and which sentences hold it."""

from __future__ import annotations

import pytest

from briefing.asked import Kind, analyse
from briefing.evidence import Evidence, focus
from briefing.holds import by_speaker, holds, speaker_zone
from briefing.models import Chunk


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What did China's government say?", Kind.STATEMENT),
        ("How did iFlytek respond to the blacklist reports?", Kind.STATEMENT),
        ("What was China's response to the report?", Kind.STATEMENT),
        ("Why is the US considering blacklisting Hikvision?", Kind.REASON),
        ("How many lawmakers signed the letter?", Kind.AMOUNT),
        ("What was Hikvision's revenue in 2018?", Kind.AMOUNT),
        ("When did Hikvision hire Prosper?", Kind.DATE),
        ("Where is Hikvision based?", Kind.PLACE),
        ("Which countries buy the technology?", Kind.LIST),
        ("Which company makes the cameras?", Kind.ORGANISATION),
        ("Who acquired Hikvision?", Kind.PERSON),
        ("What is the name of Hikvision's chief executive?", Kind.PERSON),
        ("Is Hikvision on the entity list?", Kind.YES_NO),
        ("Who is Chen Quanguo?", Kind.DESCRIPTION),
    ],
)
def test_the_kind_of_answer_asked(question: str, kind: Kind) -> None:
    assert analyse(question).kind is kind


def test_options_after_the_question_are_no_part_of_it() -> None:
    asked = analyse("How many lawmakers signed the letter? Options: 40; 17; 3; 100.")
    assert asked.kind is Kind.AMOUNT and not asked.excluded


@pytest.mark.parametrize(
    ("question", "has", "lacks"),
    [
        ("What did China's government say?", {"foreign ministry", "beijing", "china"}, {"government"}),
        ("What did DJI's spokesman say?", {"spokesman", "dji spokesman"}, {"dji"}),
        ("What did the Hikvision executive tell Reuters?", {"executive"}, {"hikvision"}),
        ("What did Nick Marro of the Economist Intelligence Unit say?", {"nick marro", "marro"}, set()),
        ("What did a lawyer working on US export controls say?", {"lawyer"}, set()),
        ("What did the White House say?", {"white house"}, {"white", "house"}),
    ],
)
def test_whose_words_are_asked(question: str, has: set[str], lacks: set[str]) -> None:
    speaker = set(analyse(question).speaker)
    assert has <= speaker and not lacks & speaker


def test_the_company_of_a_follow_up_is_the_one_asked_about_before() -> None:
    asked = analyse("And what did the company say about that?", "How far did Hikvision's shares fall?")
    assert asked.kind is Kind.STATEMENT and "hikvision" in asked.speaker


def test_a_two_part_question_has_a_part_each_and_the_second_keeps_the_first_ones_subject() -> None:
    asked = analyse("Who is Pierre-Richard Prosper and why did Hikvision hire him?")
    assert [p.kind for p in asked.parts] == [Kind.DESCRIPTION, Kind.REASON]
    later = analyse("Who is Prosper and why was he hired?").parts[1]
    assert "prosper" in later.subject


def test_the_search_query_adds_the_names_a_report_gives_the_speaker() -> None:
    query = analyse("What did China's government say?").search_query("What did China's government say?")
    assert "foreign ministry" in query and "beijing" in query


@pytest.mark.parametrize(
    ("sentence", "zone_has", "zone_lacks"),
    [
        (
            "China's Foreign Ministry said on Wednesday that China opposes the move.",
            "Foreign Ministry",
            "opposes",
        ),
        ('"We are monitoring," said Lu Kang, a ministry spokesman.', "Lu Kang", "monitoring"),
        ("Hikvision said the ministry had not told it.", "Hikvision", "ministry"),
        ("According to one lawyer, the US could act.", "lawyer", "could"),
        ("The move would hurt Hikvision, the paper said.", "paper", "Hikvision"),
        ("Human Rights Watch, an NGO, has said firms supply equipment.", "Human Rights Watch", "firms"),
        ('"It is a fine call," Nick Marro, an analyst at the EIU, told Al Jazeera.', "Nick Marro", "fine"),
        ("The department issued a warning about drones, saying it had concerns.", "department", "concerns"),
    ],
)
def test_the_speaker_zone_is_who_speaks_not_what_is_said(
    sentence: str, zone_has: str, zone_lacks: str
) -> None:
    zone = speaker_zone(sentence)
    assert zone_has in zone and zone_lacks not in zone


def test_a_statement_is_the_asked_speakers_own() -> None:
    asked = analyse("What did China's government say?")
    assert by_speaker(asked, "China's Foreign Ministry said on Wednesday that China opposes the smearing.")
    assert not by_speaker(asked, "The lawmakers said China's actions may constitute crimes against humanity.")
    assert not by_speaker(asked, "China Mobile said it was assessing the impact.")  # another name
    assert by_speaker(asked, "It said China opposes the smearing.", context="The Foreign Ministry spoke.")


def test_a_figure_answers_how_much_only_of_the_asked_measure() -> None:
    asked = analyse("What was Hikvision's revenue in 2018?")
    assert holds(asked, "Hikvision's revenue was 49.8 billion yuan in 2018.")
    assert not holds(asked, "Hikvision shares fell 10% in 2018.")  # a figure, not of revenue
    assert not holds(asked, "In an August 2018 letter, Hikvision was named.")  # the asked year is no answer


def test_a_name_answers_who_only_beside_the_asked_post() -> None:
    asked = analyse("What is the name of Hikvision's chief executive?")
    assert holds(asked, "Hikvision chief executive Hu Yangzhong said the company was calm.")
    assert not holds(asked, "An executive in Hikvision's office told Reuters it had not been informed.")
    assert not holds(
        asked, "A letter from the chairman of the House committee to Mike Pompeo named Hikvision."
    )


def test_a_reason_needs_a_cause() -> None:
    asked = analyse("Why is the US considering blacklisting Hikvision?")
    assert holds(asked, "The US is considering the move against Hikvision because of its role in Xinjiang.")
    assert not holds(asked, "The US is considering limits to Hikvision's ability to buy US technology.")


def _window(text: str) -> Evidence:
    chunk = Chunk(f"a:{len(text)}", "a", "Report", "Wire", None, None, None, 0, 0, len(text), text)
    return Evidence(chunk, 0, len(text), 1.0)


def test_evidence_is_focused_on_what_is_asked_when_any_holds_it() -> None:
    ministry = _window("China's Foreign Ministry said China opposes the US smearing Chinese companies.")
    lawmakers = _window("The lawmakers said China's actions may constitute crimes against humanity.")
    asked = analyse("What did China's government say?")
    assert focus([lawmakers, ministry], asked) == [ministry]
    assert focus([lawmakers], asked) == [lawmakers]  # nothing holds it: the evidence as chosen


def test_evidence_for_other_kinds_is_not_dropped_by_their_looser_rules() -> None:
    named = _window("Nissan recalled 180,000 Frontier pickups over a rollaway risk.")
    other = _window("The recall covers trucks built from 2017 to 2022.")
    assert focus([other, named], analyse("Which automaker recalled pickup trucks this week?")) == [
        other,
        named,
    ]
