"""Answers that answer what was asked, or say plainly what the sources do not give (issue 25), over the
five seed articles: the extractive writer, and a scripted model (tests/fake_llm.py) that writes a figure
the sources do not hold."""

from __future__ import annotations

from collections.abc import Callable

from briefing.answer import Answerer, Turn
from briefing.answered import Status


def test_a_figure_the_sources_do_not_give_is_declined_with_the_closest_passages(answerer: Answerer) -> None:
    answer = answerer.ask("What was Hikvision's revenue in 2018?")
    assert answer.coverage.status is Status.NOT_GIVEN and answer.declined
    assert answer.text.startswith(
        "The sources do not give Hikvision's revenue in 2018. Closest in the sources: "
    )
    kept = [s for s in answer.check.sentences if s.cited]
    assert kept and all(s.supported for s in kept)  # the closest passages, checked as any answer
    assert answer.to_dict()["answers"] == {"status": "not given", "missing": ["Hikvision's revenue in 2018"]}


def test_what_a_government_said_is_its_own_words_not_words_about_it(answerer: Answerer) -> None:
    answer = answerer.ask("What did China's government say?")
    assert answer.coverage.status is Status.ANSWERED
    assert "Foreign Ministry" in answer.text and "lawmakers" not in answer.text


def test_a_name_the_sources_do_not_give_is_not_answered_with_another_name(answerer: Answerer) -> None:
    answer = answerer.ask("What is the name of Hikvision's chief executive?")
    assert answer.declined
    assert answer.text.startswith("The sources do not give the name of Hikvision's chief executive.")


def test_a_two_part_question_names_the_part_the_sources_do_not_give(answerer: Answerer) -> None:
    answer = answerer.ask("How far did Hikvision's shares fall, and when did Hikvision hire Prosper?")
    assert answer.coverage.status is Status.PARTIAL and not answer.declined
    assert "per cent" in answer.text or "%" in answer.text
    assert answer.text.endswith("The sources do not give an answer to “when did Hikvision hire Prosper”.")


def test_a_follow_up_about_the_company_answers_with_the_companys_words(answerer: Answerer) -> None:
    first = answerer.ask("How far did Hikvision's shares fall after the reports?")
    follow = answerer.ask(
        "And what did the company say about that?", history=[Turn(first.question, first.text)]
    )
    assert follow.asked is not None and "hikvision" in follow.asked.speaker
    assert follow.coverage.status is Status.ANSWERED


def test_a_wrong_figure_a_model_writes_never_reaches_the_reader(scripted: Callable[[str], Answerer]) -> None:
    wrong = "Hikvision's revenue was $1.2 billion in 2018 [1]."
    answer = scripted(wrong).ask("What was Hikvision's revenue in 2018?")
    assert answer.draft is not None and "1.2 billion" in answer.draft
    assert "1.2 billion" not in answer.text and answer.declined
    assert answer.text.startswith("The sources do not give Hikvision's revenue in 2018.")


def test_words_a_model_puts_in_a_speakers_mouth_give_way_to_the_speakers_own(
    scripted: Callable[[str], Answerer],
) -> None:
    # Seen from the local model: the passage's sentence about the entity list, attributed to Batke.
    misattributed = "Jessica Batke said the Commerce Department would place Hikvision on an entity list [1]."
    answer = scripted(misattributed).ask("What did Jessica Batke say about the possible move?")
    assert answer.coverage.status is Status.ANSWERED
    assert "tangible signal" in answer.text and "Jessica Batke said the Commerce" not in answer.text
    assert any(r.reason == "did not answer the question" for r in answer.repairs)
