"""The `briefing` command: a thin shell over the pipeline's functions.

Exit codes: 0 success, 1 some input failed (the rest was done), 2 the command could not run (store busy,
missing, misconfigured).
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import click

from briefing import activity
from briefing.answer import Answer, Answerer
from briefing.app import ENTRY
from briefing.brief import ProgressEvent
from briefing.config import BACKENDS, Settings, config_file, load_settings, unknown_settings
from briefing.edit import edit_article
from briefing.guide import source_guide
from briefing.ingest import ingest, remove
from briefing.llm import LLMError
from briefing.llm.queue import Waiting
from briefing.models import Hit
from briefing.retrieve import Filters, Retriever
from briefing.store import Store, StoreError
from briefing.users import UserError, Users, identity_providers


def _store_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--store / --chroma-url / --collection on every command, turned into one Settings object; --as names
    the team member a change is logged for (the machine's user is logged beside them)."""

    @click.option(
        "--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), help="Store folder."
    )
    @click.option("--chroma-url", help="Use the Chroma server at this URL instead of a local store.")
    @click.option("--collection", help="Collection name inside the store.")
    @click.option(
        "--as", "as_user", metavar="USER", help="Log this command's changes as USER (a team member)."
    )
    @functools.wraps(fn)
    def wrapper(
        store_dir: Path | None,
        chroma_url: str | None,
        collection: str | None,
        as_user: str | None,
        **kwargs: Any,
    ) -> Any:
        for warning in unknown_settings():
            click.echo(f"warning: {warning}", err=True)
        try:
            settings = load_settings(store_dir=store_dir, chroma_url=chroma_url, collection=collection)
        except StoreError as exc:
            raise Unusable(str(exc)) from None
        logged = _logged(fn)
        who, also = activity.operator(), {}
        if as_user:
            if as_user not in _run_users(lambda: Users(settings.users_file).all()):
                raise Unusable(
                    f"--as {as_user}: no such user in {settings.users_file}; see `briefing users list`"
                )
            who, also = as_user, {"operator": who}
        code: object = 0
        try:
            return fn(settings, **kwargs)
        except StoreError as exc:
            code = Unusable.exit_code
            raise Unusable(str(exc)) from None
        except SystemExit as exc:
            code = exc.code
            raise
        except click.ClickException as exc:
            code = exc.exit_code
            raise
        finally:
            if logged:
                args = {k: v for k, v in kwargs.items() if v not in (None, (), False)}
                args |= click.get_current_context().meta.get(LOGGED, {})
                activity.record(settings, who, logged, **also, exit=code or 0, **args)

    return wrapper


# Commands that change a store, by the name their function has: each run goes into the activity log.
_CHANGES = {
    "ingest_cmd": "ingest", "remove_cmd": "remove", "brief_cmd": "brief", "weekly_cmd": "weekly",
    "refresh_cmd": "refresh", "digest_cmd": "digest", "edit_cmd": "edit",
}  # fmt: skip
LOGGED = "briefing.logged"  # a command's click context meta: what it adds to its activity entry


def _logged(fn: Callable[..., Any]) -> str | None:
    """The action a command is logged as, or None for one that only reads (its module names the group:
    cli_feeds' add is "feeds add")."""
    group = {"briefing.cli_feeds": "feeds", "briefing.cli_topics": "topics", "briefing.cli_users": "users"}
    verb = fn.__name__.removesuffix("_cmd")
    if fn.__module__ in group and verb in ("add", "remove", "import", "passwd", "role"):
        return f"{group[fn.__module__]} {verb}"
    return _CHANGES.get(fn.__name__)


class Unusable(click.ClickException):
    """The command cannot run at all (store busy, missing, misconfigured): exit code 2."""

    exit_code = 2


def _date(_: Any, __: Any, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2019-05-22") from None


def _existing_store(settings: Settings) -> Store:
    """A store that has articles, or a clear error saying how to add some."""
    store = Store(settings)
    if not store.article_records():
        raise Unusable(
            f"the store at {store.describe()} has no articles yet; add some with `briefing ingest PATH`"
        )
    return store


@click.group()
@click.version_option(package_name="briefing")
def main() -> None:
    """Turn news articles into cited answers and policy briefs."""


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--manifest", type=click.Path(dir_okay=False, path_type=Path), help="CSV: file,title,source,published."
)
@click.option("--source", help="Outlet for articles that do not name one.")
@click.option(
    "--date", "published", callback=_date, help="Publication date (YYYY-MM-DD) for articles without one."
)
@_store_options
def ingest_cmd(
    settings: Settings,
    paths: tuple[str, ...],
    manifest: Path | None,
    source: str | None,
    published: date | None,
) -> None:
    """Add articles from files, folders (recursive), feeds or URLs to the store."""
    report = ingest(paths, settings, manifest=manifest, source=source, published=published)
    for skip in report.skipped:
        click.echo(f"skipped: {skip.path}: {skip.reason}", err=True)
    for article, twin in report.near_duplicates:
        click.echo(f"near-duplicate: {article.path}: same story as {twin}, linked", err=True)
    for path, note in report.warnings:
        click.echo(f"warning: {path}: {note}", err=True)
    for failure in report.failures:
        click.echo(f"error: {failure.path}: {failure.reason}", err=True)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@main.command("articles")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def articles_cmd(settings: Settings, as_json: bool) -> None:
    """List stored articles (id, title, outlet, date, chunks, duplicate-of)."""
    records = Store(settings).article_records()
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return
    for r in records:
        a = r.article
        dup = f"  (copy of {a.duplicate_of})" if a.duplicate_of else ""
        click.echo(
            f"{a.id}  {a.published or '----------'}  {a.source[:28]:28}  {r.chunks:3d} chunks  {a.title[:70]}{dup}"
        )


@main.command("remove")
@click.argument("article_id")
@_store_options
def remove_cmd(settings: Settings, article_id: str) -> None:
    """Delete an article and its chunks."""
    try:
        restored = remove(article_id, settings)
    except KeyError:
        raise Unusable(f"no article with id {article_id}; see `briefing articles`") from None
    click.echo(f"removed {article_id}")
    for aid in restored:
        click.echo(f"re-chunked {aid}, which shared passages with it")


@main.command("edit")
@click.argument("article_id")
@click.option("--source", help="The article's outlet.")
@click.option("--date", "published", callback=_date, help="Its publication date (YYYY-MM-DD).")
@click.option("--title", help="Its title.")
@_store_options
def edit_cmd(
    settings: Settings, article_id: str, source: str | None, published: date | None, title: str | None
) -> None:
    """Mend an article's outlet, date or title in place (nothing is re-chunked or re-embedded)."""
    if source is None and published is None and title is None:
        raise click.UsageError("give at least one of --source, --date and --title")
    try:
        edit = edit_article(article_id, settings, source=source, published=published, title=title)
    except KeyError:
        raise Unusable(f"no article with id {article_id}; see `briefing articles`") from None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    click.get_current_context().meta[LOGGED] = edit.logged()
    click.echo(edit.summary())


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def stats_cmd(settings: Settings, as_json: bool) -> None:
    """Counts and date range of the store."""
    stats = Store(settings).stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
    else:
        for key, value in stats.items():
            click.echo(f"{key:16} {value}")


def _print_hits(hits: list[Hit]) -> None:
    if not hits:
        click.echo("no matching passages")
    for h in hits:
        c = h.chunk
        also = f" (also: {', '.join(c.outlets[1:])})" if len(c.outlets) > 1 else ""
        click.echo(f"[{h.rank}] {c.title} — {c.source}{also}, {c.published or 'undated'}  ({c.id})")
        click.echo(textwrap.indent(textwrap.fill(c.text, 100, max_lines=4, placeholder=" …"), "    "))


@main.command("guide")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def guide_cmd(settings: Settings, as_json: bool) -> None:
    """What the store holds: outlets and dates, a line per recent article, questions worth asking."""
    guide = source_guide(_existing_store(settings))
    if as_json:
        click.echo(json.dumps(guide.to_dict(), indent=2, ensure_ascii=False))
        return
    span = f"{guide.earliest} to {guide.latest}" if guide.earliest else "undated"
    click.echo(
        f"{guide.articles} articles, published {span}, from "
        + ", ".join(f"{o} ({n})" for o, n in guide.outlets)
    )
    for lead in guide.leads:
        click.echo(f"- {lead.title} — {lead.outlet}, {lead.published or 'undated'}: {lead.lead}")
    for q in guide.questions:
        click.echo(f"ask: {q}")


@main.command("search")
@click.argument("query", required=False)
@click.option("-k", "k", type=int, help="How many passages.")
@click.option("--since", callback=_date, help="Published on or after (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Published on or before (YYYY-MM-DD).")
@click.option("--source", help="Only outlets whose name contains this.")
@click.option("--batch", type=click.File("r"), help='JSON lines of {"id","query",since?,until?,source?}.')
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_store_options
def search_cmd(
    settings: Settings,
    query: str | None,
    k: int | None,
    since: date | None,
    until: date | None,
    source: str | None,
    batch: Any,
    as_json: bool,
) -> None:
    """Hybrid keyword + vector search over stored passages."""
    if (query is None) == (batch is None):
        raise click.UsageError("give either a QUERY or --batch FILE")
    retriever = Retriever(_existing_store(settings), settings)
    if batch is None:
        hits = retriever.search(query, k, Filters(since, until, source))
        if as_json:
            click.echo(json.dumps([h.to_dict() for h in hits], indent=2, ensure_ascii=False))
        else:
            _print_hits(hits)
        return
    failed = False
    for spec, filters, error in _batch(batch, "query"):
        if error:
            failed = True
            click.echo(json.dumps({"id": spec.get("id"), "error": error}, ensure_ascii=False))
            continue
        hits = retriever.search(spec["query"], k, filters)
        click.echo(
            json.dumps({"id": spec.get("id"), "hits": [h.to_dict() for h in hits]}, ensure_ascii=False)
        )
    if failed:
        sys.exit(1)


def _batch(lines: Any, field: str) -> Iterator[tuple[dict[str, Any], Filters, str | None]]:
    """Each JSON line of a batch file with its filters, or the reason it cannot be used (naming the file and
    line), so one bad line is reported in the output and the others still run."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        spec: dict[str, Any] = {}
        try:
            spec = json.loads(line)
            if not isinstance(spec, dict) or not isinstance(spec.get(field), str):
                raise ValueError(f"needs a {field!r} string")
            filters = Filters(
                _date(None, None, spec.get("since")), _date(None, None, spec.get("until")), spec.get("source")
            )
        except (ValueError, click.BadParameter) as exc:
            yield (spec if isinstance(spec, dict) else {}), Filters(), f"{lines.name}: line {n}: {exc}"
            continue
        yield spec, filters, None


def _print_answer_footer(answer: Answer) -> None:
    """Sources under the answer, then what the checker found: the reader sees the flags, not just the text."""
    label = (
        f"{answer.backend}, {answer.model}"
        if answer.backend != "extractive"
        else "extractive: source sentences, no language model"
    )
    click.echo(f"\n({label})")
    if answer.note:
        click.echo(f"note: {answer.note}")
    cited = {c.n for c in answer.citations}
    click.echo("\nSources:")
    for n, c in enumerate(answer.sources, start=1):
        mark = "*" if n in cited else " "
        also = f"; also carried by {', '.join(c.outlets[1:])}" if len(c.outlets) > 1 else ""
        where = c.url or c.path or ""
        click.echo(f"{mark}[{n}] {c.title} — {c.source}, {c.published or 'undated'}{also}  {where}")
    for n, why in answer.removed_markers:
        click.echo(f"removed marker [{n}]: {why}", err=True)
    for s in answer.unsupported:
        click.echo(f"UNSUPPORTED ({s.reason}; support {s.support:.2f}): {s.text}", err=True)


@main.command("ask")
@click.argument("question", required=False)
@click.option("--llm", type=click.Choice(BACKENDS), help="Language-model backend.")
@click.option("--since", callback=_date, help="Only passages published on or after (YYYY-MM-DD).")
@click.option("--until", callback=_date, help="Only passages published on or before (YYYY-MM-DD).")
@click.option("--source", help="Only outlets whose name contains this.")
@click.option("-k", "k", type=int, help="Passages to retrieve and choose the evidence from.")
@click.option("--batch", type=click.File("r"), help='JSON lines of {"id","question",since?,until?,source?}.')
@click.option("--json", "as_json", is_flag=True, help="Print the Answer object as JSON.")
@_store_options
def ask_cmd(
    settings: Settings,
    question: str | None,
    llm: str | None,
    since: date | None,
    until: date | None,
    source: str | None,
    k: int | None,
    batch: Any,
    as_json: bool,
) -> None:
    """Answer a question from the stored articles, every sentence cited."""
    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --batch FILE")
    settings = settings.with_overrides(llm=llm)
    answerer = Answerer(settings, _existing_store(settings))
    if batch is not None:
        _ask_batch(answerer, batch, k)
        return
    live = not as_json and sys.stdout.isatty()
    streamed, ahead = "", None
    try:
        for part in answerer.stream(question, filters=Filters(since, until, source), k=k):
            if isinstance(part, Answer):
                answer = part
            elif isinstance(part, Waiting):  # another process's questions never count: one CLI, one line
                if part.ahead != ahead:
                    ahead = part.ahead
                    click.echo(f"waiting for the model: {ahead} ahead", err=True)
            elif live and isinstance(part, str):
                streamed += part
                click.echo(part, nl=False)
    except LLMError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    if streamed.strip() != answer.text.strip():
        _erase(streamed)  # what stays on screen is the checked answer, never a draft it replaced
        click.echo(answer.text, nl=False)
    click.echo()
    _print_answer_footer(answer)


def _erase(text: str) -> None:
    """Take back what was streamed to the terminal: up over the lines it filled, then clear below."""
    if not text:
        return
    width = shutil.get_terminal_size().columns
    rows = sum(max(1, -(-len(line) // width)) for line in text.split("\n"))
    click.echo("\r" + (f"\x1b[{rows - 1}A" if rows > 1 else "") + "\x1b[J", nl=False)


def _ask_batch(answerer: Answerer, lines: Any, k: int | None) -> None:
    """One Answer JSON per input line, the model and indexes loaded once; exit code 1 if any line failed."""
    failed = False
    for spec, filters, error in _batch(lines, "question"):
        if error is None:
            try:
                answer = answerer.ask(spec["question"], filters=filters, k=k)
            except LLMError as exc:
                error = str(exc)
        if error:
            failed = True
            click.echo(json.dumps({"id": spec.get("id"), "error": error}, ensure_ascii=False))
        else:
            click.echo(json.dumps({"id": spec.get("id"), **answer.to_dict()}, ensure_ascii=False))
    if failed:
        sys.exit(1)


def _show_progress(event: ProgressEvent) -> None:
    """Section progress on stderr, so stdout stays the brief itself."""
    if event.status == "drafting":
        click.echo(f"[{event.index}/{event.total}] drafting {event.title}", err=True)
    elif event.status == "waiting":
        click.echo(f"[{event.index}/{event.total}] waiting for the model ({event.ahead} ahead)", err=True)
    elif event.status == "fallback":
        click.echo(
            f"[{event.index}/{event.total}] {event.title}: drafting failed ({event.error}); "
            "giving the sources' own sentences",
            err=True,
        )


LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "::1")


def _run_users(step: Callable[[], Any]) -> Any:
    """A users-file or sign-in configuration problem is a message and exit code 2."""
    try:
        return step()
    except UserError as exc:
        raise Unusable(str(exc)) from None


def _option(args: tuple[str, ...], name: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` among streamlit's arguments."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


# What .streamlit/config.toml sets for `streamlit run app.py` in a checkout, for the installed app: no
# usage statistics (offline by default), and the minimal toolbar (Deploy and the developer menu are not
# for analysts; set before the first page is served, so the app cannot set it itself).
APP_OPTIONS = ("--browser.gatherUsageStats=false", "--client.toolbarMode=minimal")


@main.command("app", context_settings={"ignore_unknown_options": True})
@click.argument("streamlit_args", nargs=-1, type=click.UNPROCESSED)
@_store_options
def app_cmd(settings: Settings, streamlit_args: tuple[str, ...]) -> None:
    """Open the browser app on this store (extra arguments go to `streamlit run`). It listens on 127.0.0.1
    unless --server.address says otherwise, and refuses any other address while nobody can sign in."""
    _run_users(lambda: Users(settings.users_file).all())  # a broken users file: no app, not an open one
    address = _option(streamlit_args, "--server.address") or os.environ.get("STREAMLIT_SERVER_ADDRESS")
    if address is None:
        streamlit_args = ("--server.address", "127.0.0.1", *streamlit_args)
    elif address not in LOCAL_ADDRESSES and not (
        _run_users(lambda: Users(settings.users_file).all() or identity_providers(settings.auth_file))
    ):
        raise Unusable(
            f"not serving on {address} without sign-in: anyone who reaches that address could read, upload "
            f"and delete. Add users first (`briefing users add NAME --role admin`, kept in {settings.users_file}), "
            f"or configure the organisation's identity provider in the [auth] table of {settings.auth_file} "
            "(see the README's Deployment section), or serve on 127.0.0.1 behind a reverse proxy that signs "
            "people in"
        )
    env = {
        **os.environ,
        "BRIEFING_STORE_DIR": str(settings.store_dir.resolve()),
        "BRIEFING_COLLECTION": settings.collection,
        "BRIEFING_CONFIG": str(config_file().resolve()),
    }
    if settings.chroma_url:
        env["BRIEFING_CHROMA_URL"] = settings.chroma_url
    if settings.local_model_path:
        env["BRIEFING_LOCAL_MODEL_PATH"] = str(settings.local_model_path.resolve())
    secrets = (f"--secrets.files={settings.auth_file.resolve()}",)  # the identity provider's [auth], if any
    upload_cap = f"--server.maxUploadSize={math.ceil(settings.max_file_mb)}"  # the uploader's own limit
    # serve.py: `streamlit run` with the upload guard (upload_guard.py)
    cmd = [sys.executable, "-m", "briefing.app.serve", str(ENTRY), *APP_OPTIONS, *secrets, upload_cap]
    cmd += streamlit_args
    os.execvpe(sys.executable, cmd, env)


import briefing.cli_briefs  # noqa: E402, F401  (adds `brief`, `weekly` and `briefs` to main, with the helpers above)
import briefing.cli_feeds  # noqa: E402, F401  (adds `feeds` and `refresh`)
import briefing.cli_topics  # noqa: E402, F401  (adds `topics` and `digest`)
import briefing.cli_users  # noqa: E402, F401  (adds `users`)
