"""Mending a stored article's outlet, date and title in place: a wrong upload is fixed without deleting
and adding it again. The text, passages and vectors stay; the article keeps its id (made from the outlet
it was stored under), so everything that cites it still finds it and its history in the activity log
stays under one id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from briefing.config import Settings
from briefing.loaders.common import one_line
from briefing.store import Store

FIELDS = ("source", "published", "title")


@dataclass(frozen=True)
class Edit:
    """What one edit changed: the old and new value of each field that changed (dates as ISO text, ""
    for none), for the activity log and the message."""

    article_id: str
    old: dict[str, str]
    new: dict[str, str]

    def logged(self) -> dict[str, Any]:
        """The activity log's fields for it: the article's id and the values before and after."""
        return {"article_id": self.article_id, "old": self.old, "new": self.new}

    def summary(self) -> str:
        if not self.new:
            return f"{self.article_id}: nothing to change"
        moves = "; ".join(f"{f} {self.old[f] or '(none)'!r} → {self.new[f]!r}" for f in self.new)
        return f"edited {self.article_id}: {moves}"


def _shown(value: str | date | None) -> str:
    return value.isoformat() if isinstance(value, date) else value or ""


def edit_article(
    article_id: str,
    settings: Settings,
    *,
    source: str | None = None,
    published: date | None = None,
    title: str | None = None,
    store: Store | None = None,
) -> Edit:
    """Give a stored article a new outlet, date or title (None leaves a field as it is) and refresh the
    search indexes. Raises KeyError for an unknown id and ValueError for an outlet or title left empty."""
    given = {"source": source, "title": title}
    for field, value in given.items():
        if value is not None and one_line(value) is None:
            raise ValueError(f"the {'outlet' if field == 'source' else field} cannot be empty")
    store = store or Store(settings)
    with store.writing():
        article = store.get_article(article_id) if store.has_article(article_id) else None
        if article is None:
            raise KeyError(article_id)
        wanted = {"source": one_line(source), "published": published, "title": one_line(title)}
        changed = {f: v for f, v in wanted.items() if v is not None and v != getattr(article, f)}
        edit = Edit(
            article_id,
            {f: _shown(getattr(article, f)) for f in FIELDS if f in changed},
            {f: _shown(changed[f]) for f in FIELDS if f in changed},
        )
        if changed:
            grams = store.gram_index()  # unchanged by metadata: kept, not rebuilt from every text
            store.relabel(replace(article, **changed))
            store.finish_writes(grams)
    return edit
