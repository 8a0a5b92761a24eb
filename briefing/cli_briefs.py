"""The brief commands: `briefing brief`, `briefing weekly`, `briefing briefs` and `briefing stories`. They
join the `briefing` group when cli.py imports this module (at its end, once the helpers used here are defined)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from briefing.answer import Answerer
from briefing.archive import earlier_briefs, keep, previous_weekly
from briefing.brief import (
    Brief,
    BriefError,
    StoryBook,
    build_brief,
    build_weekly,
    iso_week,
    week_of,
    weekly_filename,
)
from briefing.cli import Unusable, _date, _existing_store, _show_progress, _store_options, main
from briefing.config import BACKENDS, Settings
from briefing.export import FORMATS, format_for, render_html, render_markdown, save


def _emit_brief(brief: Brief, settings: Settings, output: Path | None, fmt: str | None) -> None:
    """Keep the brief in the store's briefs folder, print it (Markdown or HTML) or save it where asked with
    its audit record; then what the checker found. Exit code 1 when a section's model call failed: the
    brief is whole (that section gives its claims in the sources' own words, labelled) but not as drafted."""
    if not _emitted(brief, settings, output, fmt):
        sys.exit(1)


def _emitted(brief: Brief, settings: Settings, output: Path | None, fmt: str | None) -> bool:
    """What `_emit_brief` does, short of exiting: whether the model drafted every section."""
    fmt = format_for(output, fmt)
    kept = keep(brief, settings)
    if output is None:
        if fmt == "docx":
            raise click.UsageError("--format docx needs -o FILE")
        click.echo(render_html(brief) if fmt == "html" else render_markdown(brief), nl=False)
    else:
        saved = save(brief, output, fmt)
        click.echo(f"wrote {saved.path} ({saved.format}); audit record {saved.audit_path}", err=True)
    checker = brief.to_dict()["checker"]
    click.echo(f"kept as {kept} (list earlier briefs with `briefing briefs`)", err=True)
    click.echo(
        f"{len(brief.sources)} sources; {checker['unsupported']} unsupported sentences flagged, "
        f"{checker['dropped']} dropped, {checker['removed_markers']} citations removed, "
        f"{checker['disagreements']} disagreements noted",
        err=True,
    )
    if checker["failed_sections"]:
        click.echo(
            f"drafting failed, the sources' own sentences given instead: {', '.join(checker['failed_sections'])}",
            err=True,
        )
    return not checker["failed_sections"]


def _brief_answerer(settings: Settings) -> Answerer:
    answerer = Answerer(settings, _existing_store(settings))
    if answerer.note:
        click.echo(f"note: {answerer.note}", err=True)
    return answerer


_file_output = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save here (with FILE.audit.json beside it); the extension picks the format.",
)
_output_options = [
    click.option("--format", "fmt", type=click.Choice(FORMATS), help="md (default), docx or html."),
    click.option(
        "--strict",
        is_flag=True,
        help="Drop a sentence the checker rejects instead of quoting its source in its place.",
    ),
    click.option("--llm", type=click.Choice(BACKENDS), help="Language-model backend."),
]


def _with_output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_output_options):
        fn = option(fn)
    return fn


@main.command("brief")
@click.argument("topic")
@_file_output
@click.option("--since", callback=_date, help="Only articles published on or after (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Only articles published on or before (YYYY-MM-DD).")
@click.option("--source", help="Only outlets whose name contains this.")
@click.option(
    "--template",
    default="standard",
    show_default=True,
    help="A template in prompts/templates/ (standard, one-pager) or a .toml file.",
)
@_with_output_options
@_store_options
def brief_cmd(
    settings: Settings,
    topic: str,
    since: date | None,
    until: date | None,
    source: str | None,
    template: str,
    output: Path | None,
    fmt: str | None,
    strict: bool,
    llm: str | None,
) -> None:
    """A cited policy brief on TOPIC, section by section, with a numbered source list."""
    settings = settings.with_overrides(llm=llm)
    answerer = _brief_answerer(settings)
    try:
        brief = build_brief(
            topic,
            settings,
            since=since,
            until=until,
            source=source,
            template=template,
            strict=strict,
            answerer=answerer,
            progress=_show_progress,
        )
    except BriefError as exc:
        raise Unusable(str(exc)) from None
    _emit_brief(brief, settings, output, fmt)


def _weekly_output(output: str | None, since: date, until: date, fmt: str | None) -> Path | None:
    """-o FILE as given; -o DIR (an existing folder, or a path ending in /) gets a file named by ISO week
    (`weekly-2026-W48.md`, `.docx` with --format docx), so a schedule keeps one file per week."""
    if output is None:
        return None
    path = Path(output)
    if output.endswith(("/", os.sep)) or path.is_dir():
        return path / weekly_filename(since, until, fmt or "md")
    return path


@main.command("weekly")
@click.option(
    "--week",
    help="ISO week, e.g. 2019-W21 (Monday to Sunday); 'last': the last complete week; 'this': this week.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=str),
    help="Save here (FILE.audit.json beside it); a folder (or a path ending in /) names the file by ISO week.",
)
@click.option("--since", callback=_date, help="First day of the window (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Last day of the window (YYYY-MM-DD).")
@click.option(
    "--max-stories", type=click.IntRange(min=1), default=6, show_default=True, help="Stories to summarise."
)
@_with_output_options
@_store_options
def weekly_cmd(
    settings: Settings,
    week: str | None,
    since: date | None,
    until: date | None,
    max_stories: int,
    output: str | None,
    fmt: str | None,
    strict: bool,
    llm: str | None,
) -> None:
    """A brief of the stories published in a week: each summarised and cited, then an overview and what to watch."""
    if week and (since or until):
        raise click.UsageError("give --week or --since/--until, not both")
    if week:
        try:
            since, until = iso_week(week)
        except BriefError as exc:
            raise click.BadParameter(str(exc), param_hint="--week") from None
    elif not (since and until):
        raise click.UsageError("give --week 2019-W21 (or last, this), or both --since and --until")
    settings = settings.with_overrides(llm=llm)
    answerer = _brief_answerer(settings)
    try:
        brief = build_weekly(
            settings,
            since,
            until,
            max_stories=max_stories,
            strict=strict,
            answerer=answerer,
            progress=_show_progress,
            previous=previous_weekly(settings, since, until),
        )
    except BriefError as exc:
        raise Unusable(str(exc)) from None
    _emit_brief(brief, settings, _weekly_output(output, since, until, fmt), fmt)


@main.command("briefs")
@click.option("--show", "show", type=int, metavar="N", help="Print the N-th brief of the list (1 = newest).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def briefs_cmd(settings: Settings, show: int | None, as_json: bool) -> None:
    """Briefs made earlier on this store (here or in the app), newest first."""
    earlier = earlier_briefs(settings)
    if show is not None:
        if not 1 <= show <= len(earlier):
            raise click.BadParameter(
                f"there are {len(earlier)} briefs; choose 1 to {len(earlier)}", param_hint="--show"
            )
        click.echo(earlier[show - 1].path.read_text(encoding="utf-8"), nl=False)
    elif as_json:
        click.echo(json.dumps([b.to_dict() for b in earlier], indent=2, ensure_ascii=False))
    elif not earlier:
        click.echo("no briefs yet; make one with `briefing brief TOPIC` or `briefing weekly`")
    else:
        for n, b in enumerate(earlier, start=1):
            click.echo(
                f"[{n}] {b.saved_at}  {b.kind:6} {b.title}  ({b.window}; {b.made_by}; {b.flags} flagged)"
            )


@main.command("stories")
@click.option("--since", callback=_date, help="Only stories reported in the ISO week of this day or later.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def stories_cmd(settings: Settings, since: date | None, as_json: bool) -> None:
    """Stories kept week to week by the weekly briefs: id, title, first and last week, and per week its
    articles and outlets; the latest first."""
    try:
        kept = StoryBook.of(settings).listing(week_of(since, since) if since else None)
    except BriefError as exc:
        raise Unusable(str(exc)) from None
    if as_json:
        click.echo(json.dumps([k.to_dict() for k in kept], indent=2, ensure_ascii=False))
        return
    if not kept:
        click.echo("no stories kept yet; a weekly brief (`briefing weekly`) files its week's stories")
    for k in kept:
        click.echo(f"{k.id}  {k.title}  ({k.first_week} to {k.last_week}, {len(k.weeks)} week(s))")
        for w, s in sorted(k.weeks.items()):
            click.echo(f"    {w}: {len(s.articles)} article(s); {', '.join(s.outlets)}")
