"""`briefing topics ...` and `briefing digest`: the shell over topics.py and digest.py, added to the
`briefing` group when cli.py imports this module (at its end, after cli_feeds, whose helpers it uses).

Exit codes as for every command: 0 success, 1 some part failed and the others were done, 2 the command
could not run (unknown topic, unusable store).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from briefing.cli import Unusable, _date, _existing_store, _show_progress, _store_options, main
from briefing.cli_feeds import _said, print_topic_news
from briefing.config import BACKENDS, Settings
from briefing.digest import DigestReport, digest
from briefing.export import FORMATS
from briefing.store import Store
from briefing.topics import Matcher, SavedTopics, TopicError


@click.group("topics")
def topics_cmd() -> None:
    """Saved topics, kept in the store: `briefing refresh` lists the new articles matching each."""


@topics_cmd.command("add")
@click.argument("name")
@click.option("--since", callback=_date, help="Never match articles published before (YYYY-MM-DD).")
@_store_options
def add_cmd(settings: Settings, name: str, since: date | None) -> None:
    """Save the topic NAME (again: change its --since)."""
    try:
        topic, new = SavedTopics(Store(settings)).add(name, since)
    except TopicError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    since_text = f" (articles since {topic.since})" if topic.since else ""
    click.echo(f"{'saved' if new else 'updated'} topic {topic.name!r}{since_text}")


@topics_cmd.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def list_cmd(settings: Settings, as_json: bool) -> None:
    """Saved topics."""
    topics = SavedTopics(Store(settings)).list()
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in topics], indent=2, ensure_ascii=False))
        return
    if not topics:
        click.echo('no saved topics; add one with `briefing topics add "Hikvision export controls"`')
    for t in topics:
        click.echo(f"{t.name}  (since {t.since or 'any date'}; saved {t.added_at})")


@topics_cmd.command("remove")
@click.argument("name")
@_store_options
def remove_cmd(settings: Settings, name: str) -> None:
    """Forget a saved topic (articles stay)."""
    try:
        topic = SavedTopics(Store(settings)).remove(name)
    except TopicError as exc:
        raise Unusable(str(exc)) from None
    click.echo(f"removed topic {topic.name!r}")


@topics_cmd.command("show")
@click.argument("name")
@click.option("--since", callback=_date, help="Published on or after (default: the topic's own --since).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def show_cmd(settings: Settings, name: str, since: date | None, as_json: bool) -> None:
    """The stored articles matching a saved topic, best first."""
    store = _existing_store(settings)
    try:
        topic = SavedTopics(store).find(name)
    except TopicError as exc:
        raise Unusable(str(exc)) from None
    matches = Matcher(store, settings).matches(topic, since)
    if as_json:
        click.echo(json.dumps([m.to_dict() for m in matches], indent=2, ensure_ascii=False))
        return
    print_topic_news([(topic, matches)], f"matching articles since {since or topic.since or 'any date'}")


def _print_digest(report: DigestReport) -> None:
    """One paragraph per part: what it did, or why it failed (failures on stderr)."""
    if report.refresh is None:
        click.echo(f"refresh: failed: {report.refresh_error}", err=True)
    else:
        click.echo(f"refresh: {report.refresh.summary()}", err=not report.refresh.ok)
    weekly = report.weekly
    assert weekly is not None
    window = f"weekly brief {weekly.since} to {weekly.until}"
    if weekly.error:
        click.echo(f"{window}: failed: {weekly.error}", err=True)
    else:
        written = f"; wrote {weekly.written}" if weekly.written else ""
        click.echo(f"{window}: kept as {weekly.kept}{written}")
        if weekly.failed_sections:
            click.echo(f"{window}: failed sections: {', '.join(weekly.failed_sections)}", err=True)
    if report.topics_error:
        click.echo(f"topics: failed: {report.topics_error}", err=True)
    elif not report.topics:
        click.echo("topics: none saved")
    else:
        print_topic_news(report.topics, f"new since {report.topics_since}")


@click.command("digest")
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the weekly brief into this folder, named by ISO week.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--llm", type=click.Choice(BACKENDS), help="Language-model backend for the weekly brief.")
@_store_options
def digest_cmd(settings: Settings, output_dir: Path | None, fmt: str, llm: str | None) -> None:
    """Refresh the feeds, write last week's brief and list each saved topic's news since the last digest:
    one run for a schedule. Exit code 1 when any part failed (the others were still done)."""
    report = digest(
        settings.with_overrides(llm=llm),
        output_dir=output_dir,
        fmt=fmt,
        on_feed=_said,
        progress=_show_progress,
    )
    _print_digest(report)
    sys.exit(0 if report.ok else 1)


main.add_command(topics_cmd)
main.add_command(digest_cmd)
