"""Who reports it: independent outlets, the compact mark, and the Admiralty-style grade from a team's
reliability table (and none without one)."""

from __future__ import annotations

from briefing.brief.reporting import grade, independent, mark, reliability, reported_by


def test_a_syndicated_copy_counts_once_and_the_story_line_names_the_outlets() -> None:
    twins = {"copy": "wire"}
    pairs = [("wire", "Reuters"), ("copy", "Daily Reprint"), ("own", "CNN"), ("own2", "CNN")]
    outlets = independent(pairs, lambda a: twins.get(a, a))
    assert outlets == ("Reuters", "CNN")
    assert reported_by(outlets) == "Reported by 2 independent outlets: Reuters, CNN."
    assert reported_by(("CNN",)) == "Single source: CNN."


def test_the_mark_is_compact_and_a_grade_needs_a_table() -> None:
    assert mark(3) == "(3 outlets)" and mark(1) == "(single source)"
    assert grade("Reuters", 3, "Prices rose 3% in May.", {}) == ""
    table = {"Reuters": "A", "Daily Example": "D"}
    assert reliability("Free Malaysia Today (Reuters)", table) == "A"
    assert reliability("daily example", table) == "D" and reliability("Unknown Times", table) == "F"
    assert grade("Reuters", 2, "Prices rose 3% in May.", table) == "A1"  # confirmed by two outlets
    assert grade("Daily Example", 1, "Prices rose 3% in May, Lu Kang said.", table) == "D2"  # attributed
    assert grade("Daily Example", 1, "Prices rose 3% in May, a sign of trouble.", table) == "D3"
    assert mark(1, "D3") == "(single source; D3)"
