"""The Chat page's work: a conversation's exchanges and the sidebar's filters."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import date

from briefing.answer import Answer, Answerer, Stage, Turn
from briefing.app.conversations import Exchange
from briefing.llm.queue import Waiting
from briefing.retrieve import Filters
from briefing.store import Store


def history_turns(exchanges: Sequence[Exchange]) -> list[Turn]:
    """Earlier answered questions, for condensing a follow-up into a standalone question (reopened
    conversations included)."""
    return [Turn(e.question, e.text) for e in exchanges if not e.error]


def filters_text(filters: Filters) -> str:
    """What an answer was asked under, said with it: a reader must know a date window or an outlet
    filter left articles out."""
    parts = []
    if filters.since or filters.until:
        parts.append(f"articles published {filters.since or 'any time'} to {filters.until or 'now'}")
    if filters.source:
        parts.append(f"outlets matching “{filters.source}”")
    if filters.outlets:
        parts.append("only " + ", ".join(filters.outlets))
    return " and ".join(parts) or "all articles"


@dataclass(frozen=True)
class FilterBounds:
    """What the sidebar filters may choose from: the store's date span and outlets."""

    earliest: date | None
    latest: date | None
    outlets: list[str]


def filter_bounds(store: Store) -> FilterBounds:
    stats = store.stats()
    earliest, latest = (date.fromisoformat(stats[k]) if stats[k] else None for k in ("earliest", "latest"))
    return FilterBounds(earliest, latest, store.outlets())


def make_filters(bounds: FilterBounds, window: Sequence[date], outlets: Sequence[str] = ()) -> Filters:
    """Filters from the sidebar: a window equal to the store's whole span filters nothing (undated
    articles stay in); a one-sided selection (the date picker mid-edit) limits that side only."""
    since = window[0] if window else None
    until = window[1] if len(window) > 1 else None
    return Filters(
        since=since if since and since != bounds.earliest else None,
        until=until if until and until != bounds.latest else None,
        outlets=tuple(outlets),
    )


STAGES = {
    "searching": "Searching the articles…",
    "choosing evidence": "Choosing the passages that answer it…",
    "writing": "Writing the answer…",
    "checking": "Checking every sentence against its source…",
}
"""What the page says while an answer is made: the stages, never the unchecked draft."""


def ask(
    answerer: Answerer, question: str, history: Sequence[Exchange], filters: Filters
) -> Generator[Stage | Waiting | str | Answer, None, None]:
    """Each stage as it starts, the place in the model's line while the question waits, the draft as it is
    written (not for showing), then the checked Answer."""
    return answerer.stream(question, history_turns(history), filters)


def waiting_text(waiting: Waiting) -> str:
    """What a question waiting for the model shows: its place in the line."""
    n = waiting.ahead
    return f"Waiting for the model: {n} question{'s' if n != 1 else ''} ahead of yours."
