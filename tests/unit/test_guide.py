"""The source guide's questions: about the actors the articles are most about, not the first names found."""

from __future__ import annotations

from briefing.guide import actors

ARTICLES = [
    "Port levy agreed\n\nHarbour manager Ann Brook said the quay was busy. The Harbour Board said on Monday "
    "that the levy would rise. The US Commerce Department has asked for the figures, as the Trump "
    "administration watched. In Rotterdam, ships waited.",
    "Levy row grows\n\nThe Harbour Board will vote again, and the Trump administration is watching the port. "
    "The Commerce Department could act, in a letter to the Commerce Department. Shipping lines in China said "
    "little.",
    "Board defends levy\n\nThe Harbour Board has defended the levy. The US administration was told of it. The "
    "Chinese government has objected; the US government has not.",
]


def test_the_actors_most_written_about_come_first_and_places_and_passers_by_do_not_count() -> None:
    found = actors(ARTICLES, 5)
    assert [a.name for a in found[:3]] == ["Harbour Board", "Trump administration", "Commerce Department"]
    assert [a.question for a in found[:3]] == [
        "What did the Harbour Board say?",
        "What is the Trump administration doing?",  # "US administration" too: one administration
        "What is the Commerce Department doing?",  # "US Commerce Department" too
    ]
    names = {a.name for a in found}
    assert "Ann Brook" in names and names.isdisjoint({"China", "US", "Rotterdam", "Port"})
    governments = [a.name for a in actors(ARTICLES, 20) if a.name.endswith("government")]
    assert sorted(governments) == ["Chinese government", "US government"]  # two governments, not one
