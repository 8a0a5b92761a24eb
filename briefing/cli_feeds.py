"""`briefing feeds ...` and `briefing refresh`: the shell over feeds.py and refresh.py, added to the
`briefing` group when cli.py imports this module (at its end, once the helpers used here are defined).

Exit codes as for every command: 0 success, 1 some feed (or entry) failed and the others were done,
2 the command could not run (another refresh running, unknown feed, unreadable OPML).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from briefing.cli import Unusable, _store_options, main
from briefing.config import Settings
from briefing.feeds import FeedError, Subscriptions, export_opml
from briefing.refresh import FeedResult, refresh
from briefing.store import Store
from briefing.topics import Matcher, SavedTopics, Topic, TopicMatch


def _subscriptions(settings: Settings) -> Subscriptions:
    return Subscriptions(Store(settings))


@click.group("feeds")
def feeds_cmd() -> None:
    """Feed subscriptions, kept in the store (a Chroma server shares them)."""


@feeds_cmd.command("add")
@click.argument("url")
@click.option("--name", help="A label for the feed (default: its own title).")
@click.option("--tag", help="A tag, for `briefing refresh --tag`.")
@_store_options
def add_cmd(settings: Settings, url: str, name: str | None, tag: str | None) -> None:
    """Subscribe to the feed at URL (again: update its name and tag)."""
    try:
        feed, new = _subscriptions(settings).add(url, name, tag)
    except FeedError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    named = f" ({feed.name})" if feed.name else ""
    click.echo(f"{'subscribed to' if new else 'updated'} {feed.url}{named}")


@feeds_cmd.command("list")
@click.option("--tag", help="Only feeds with this tag.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def list_cmd(settings: Settings, tag: str | None, as_json: bool) -> None:
    """Subscribed feeds with the status of their last refresh."""
    feeds = _subscriptions(settings).list(tag)
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in feeds], indent=2, ensure_ascii=False))
        return
    if not feeds:
        click.echo("no feeds; add one with `briefing feeds add URL`")
    for f in feeds:
        tagged = f" [{f.tag}]" if f.tag else ""
        click.echo(f"{f.label}{tagged}  {f.url}")
        click.echo(
            f"    last fetched {f.last_fetched or 'never'}, last new article {f.last_new or 'never'}, "
            f"{f.added} articles added"
        )
        if f.last_error:
            click.echo(f"    last error: {f.last_error}")


@feeds_cmd.command("remove")
@click.argument("which", metavar="URL|NAME")
@_store_options
def remove_cmd(settings: Settings, which: str) -> None:
    """Unsubscribe (stored articles stay)."""
    try:
        feed = _subscriptions(settings).remove(which)
    except FeedError as exc:
        raise Unusable(str(exc)) from None
    click.echo(f"removed {feed.url}")


@feeds_cmd.command("import")
@click.argument("opml", type=click.Path(dir_okay=False, path_type=Path))
@_store_options
def import_cmd(settings: Settings, opml: Path) -> None:
    """Subscribe to every feed an OPML file lists."""
    try:
        added, known = _subscriptions(settings).import_opml(opml)
    except FeedError as exc:
        raise Unusable(str(exc)) from None
    click.echo(f"{len(added)} feeds added, {len(known)} already subscribed")


@feeds_cmd.command("export")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout."
)
@_store_options
def export_cmd(settings: Settings, output: Path | None) -> None:
    """The subscriptions as OPML 2.0."""
    feeds = _subscriptions(settings).list()
    opml = export_opml(feeds)
    if output is None:
        click.echo(opml, nl=False)
    else:
        output.write_text(opml, encoding="utf-8")
        click.echo(f"wrote {len(feeds)} feeds to {output}", err=True)


def _said(result: FeedResult) -> None:
    click.echo(result.line(), err=not result.ok)


def print_topic_news(news: list[tuple[Topic, list[TopicMatch]]], what: str) -> None:
    """Per saved topic, its matching articles (`what`: 'new in this refresh', ...), best first."""
    for topic, matches in news:
        click.echo(f"topic {topic.name!r}: {len(matches)} {what}")
        for m in matches:
            click.echo(f"    {m.line()}")


@click.command("refresh")
@click.option("--tag", help="Only feeds with this tag.")
@_store_options
def refresh_cmd(settings: Settings, tag: str | None) -> None:
    """Fetch the subscribed feeds and ingest their new articles; one line per feed, then the new articles
    matching each saved topic."""
    store = Store(settings)
    report = refresh(settings, tag=tag, store=store, on_feed=_said)
    if not report.results:
        tagged = f" tagged {tag!r}" if tag else ""
        click.echo(f"no feeds{tagged}; add one with `briefing feeds add URL`", err=True)
    else:
        click.echo(report.summary())
    topics = SavedTopics(store).list()
    if topics and report.added_ids:  # nothing new: no embedder loaded, a no-change refresh stays instant
        print_topic_news(Matcher(store, settings).news(topics, report.added_ids), "new in this refresh")
    sys.exit(0 if report.ok else 1)


main.add_command(feeds_cmd)
main.add_command(refresh_cmd)
