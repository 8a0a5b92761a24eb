"""Who reports it: how many independent outlets carry a story or a claim, as a reader of a brief sees it.

A story's heading gets a line naming its independent outlets (a syndicated copy counts once, with its
twin); a stated claim gets a compact mark after its citation, "(2 outlets)" or "(single source)", and the
outlets are named in the Sources list. With a team's outlet reliability table (`outlet_reliability`,
A to F), each claim also gets an Admiralty-style grade: the reliability letter of the outlet whose words
are stated (F when the table does not name it: cannot be judged) and a credibility digit from its
corroboration:
  1  confirmed: at least two independent outlets carry it
  2  probably true: one outlet carries it, attributed to a named speaker
  3  possibly true: one outlet carries it, in its own voice
Without the table no grade is shown, since none could be given honestly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from briefing.brief.claims import actor_of
from briefing.store import Store

GRADES = "ABCDEF"
UNJUDGED = "F"  # Admiralty: reliability cannot be judged


def independent(pairs: Iterable[tuple[str, str]], story_of: Callable[[str], str]) -> tuple[str, ...]:
    """The outlets of (article id, outlet) pairs, one per story (a syndicated copy is its twin's story)
    and one per outlet name, in order of first appearance."""
    outlets: dict[str, str] = {}
    for article_id, outlet in pairs:
        outlets.setdefault(story_of(article_id), outlet)
    return tuple(dict.fromkeys(outlets.values()))


def story_outlets(store: Store, article_ids: Iterable[str]) -> tuple[str, ...]:
    """The independent outlets of a story's articles."""
    source = {r.article.id: r.article.source for r in store.article_records()}
    return independent(((a, source[a]) for a in article_ids if a in source), store.story_of)


def reported_by(outlets: tuple[str, ...]) -> str:
    """The line under a story's heading: who reports it."""
    if len(outlets) == 1:
        return f"Single source: {outlets[0]}."
    return f"Reported by {len(outlets)} independent outlets: {', '.join(outlets)}."


def reliability(outlet: str, table: Mapping[str, str]) -> str:
    """The outlet's letter in the team's table: its exact name first (any case), else the longest name in
    the table that the outlet's name contains ("Reuters" for "Free Malaysia Today (Reuters)"), else F."""
    name = outlet.casefold()
    folded = {k.casefold(): v for k, v in table.items()}
    if name in folded:
        return folded[name]
    inside = [k for k in folded if k and k in name]
    return folded[max(inside, key=len)] if inside else UNJUDGED


def grade(outlet: str, corroborating: int, text: str, table: Mapping[str, str]) -> str:
    """The claim's Admiralty-style grade ("B1"), or "" without a table."""
    if not table:
        return ""
    credibility = 1 if corroborating >= 2 else 2 if actor_of(text) else 3
    return f"{reliability(outlet, table)}{credibility}"


def mark(corroborating: int, graded: str = "") -> str:
    """The compact mark after a claim's citation: "(3 outlets)", "(single source; C3)"."""
    count = f"{corroborating} outlets" if corroborating >= 2 else "single source"
    return f"({count}; {graded})" if graded else f"({count})"
