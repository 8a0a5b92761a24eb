"""The Library page's feeds: the subscription table and a refresh run with a progress callback, over the
same `feeds` and `refresh` functions as `briefing feeds` and `briefing refresh`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from briefing.config import Settings
from briefing.feeds import Feed, Subscriptions
from briefing.refresh import FeedResult, RefreshReport, refresh
from briefing.store import Store


def feed_rows(feeds: list[Feed]) -> list[dict[str, Any]]:
    """One row per feed with its status: the table analysts check for a feed that stopped working."""
    return [
        {
            "feed": f.label,
            "tag": f.tag,
            "last refresh": f.last_outcome or "never refreshed",
            "last fetched": f.last_fetched.replace("T", " ")[:16],
            "last new article": f.last_new.replace("T", " ")[:16],
            "articles added": f.added,
            "last error": f.last_error,
            "url": f.url,
        }
        for f in feeds
    ]


def refresh_now(
    settings: Settings, store: Store, on_progress: Callable[[float, str], None] = lambda fraction, text: None
) -> RefreshReport:
    """Refresh every subscribed feed into `store` (a writer's own, see `state.writable_store`), reporting
    after each feed how far it got. Raises StoreBusy when a refresh or an ingest is already writing."""
    total = len(Subscriptions(store).list()) or 1
    done: list[FeedResult] = []

    def step(result: FeedResult) -> None:
        done.append(result)
        on_progress(min(1.0, len(done) / total), f"{len(done)} of {total} feeds: {result.line()}")

    return refresh(settings, store=store, on_feed=step)
