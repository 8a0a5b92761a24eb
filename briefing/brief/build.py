"""A topic brief, claims first: gather the evidence once, split it into claims, give each claim to one
section, write each section from its own claims, then number every cited passage once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from briefing.answer import ANSWER_SETTINGS, Answerer
from briefing.brief.claims import Claim, claims_from, retrieve
from briefing.brief.context import Context
from briefing.brief.disagreements import find_disagreements, side_claims
from briefing.brief.results import Brief, BriefError, Disagreement, Progress, Section, Source
from briefing.brief.sections import assign
from briefing.brief.templates import load_template
from briefing.brief.writing import Job, Writer, independent_outlets
from briefing.config import Settings
from briefing.retrieve import Filters

BRIEF_SETTINGS = (
    *ANSWER_SETTINGS,
    "docx_paper",
    "outlet_reliability",
    "briefs",
    "brief_passages",
    "embedding",
    "top_k",
    "llm_max_tokens",
    "collection",
)
"""The settings that shape a brief: those of an answer (its evidence is ranked and checked the same way),
its own tuned group, how much is retrieved, the embedding model and the writer's token bound."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def corroboration(ctx: Context, claims: Sequence[Claim]) -> dict[int, int]:
    """How many independent outlets carry each claim (1 when only its own)."""
    return {i: len(independent_outlets(c.chunks, ctx.store.story_of)) or 1 for i, c in enumerate(claims)}


def without_sides(claims: list[Claim], found: Sequence[Disagreement]) -> list[Claim]:
    taken = side_claims(found, claims)
    return [c for i, c in enumerate(claims) if i not in taken]


def place(found: Sequence[Disagreement], sections: list[Section], home: Section | None = None) -> None:
    """Each disagreement under the section that cites a side, else under `home` (or the first section
    that was drafted)."""
    live = [s for s in sections if not s.error] or sections
    for d in found:
        ids = {side.chunk_id for side in d.sides}
        target = next((s for s in live if ids & s.chunk_ids), None) or home or live[0]
        target.disagreements.append(d)


def build_brief(
    topic: str,
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    source: str | None = None,
    template: str | Path = "standard",
    strict: bool = False,
    answerer: Answerer | None = None,
    progress: Progress | None = None,
    pinned: Sequence[str] = (),
) -> Brief:
    """A brief on `topic` from the passages published in the window (and by outlets matching `source`),
    and the `pinned` passages (an analyst's notes) that lie in the window, which join the retrieved ones
    and are cited like them. A section whose model call fails is reported in it; the rest are still
    written. `strict` drops sentences the checker does not find supported instead of flagging them."""
    started = now()
    spec = load_template(template)
    ctx = Context.of(answerer or Answerer(settings), Filters(since, until, source))
    queries = [topic, *dict.fromkeys(q.format(topic=topic) for s in spec.sections for q in s.queries)]
    pool = retrieve(ctx, queries)
    have = {c.id for c in pool}
    pool += [c for c in ctx.store.get_chunks([p for p in pinned if p not in have]) if ctx.inside(c)]
    found = find_disagreements(pool, ctx.store.story_of)
    claims = without_sides(claims_from(ctx, topic, pool), found)
    chosen = assign(claims, spec.sections, ctx.embedder, ctx.settings.briefs, corroboration(ctx, claims))
    writer = Writer(ctx, topic, strict, progress)
    sections = [
        writer.section(
            Job(
                s.key,
                s.title,
                s.form,
                s.guidance,
                tuple(q.format(topic=topic) for q in s.queries),
                tuple(mine),
                by_actor=s.select == "actors",
                label=s.label,
            ),
            i,
            len(spec.sections),
        )
        for i, (s, mine) in enumerate(zip(spec.sections, chosen), start=1)
    ]
    events = next((sec for s, sec in zip(spec.sections, sections) if s.select == "events"), None)
    place(found, sections, events)
    return assemble(
        ctx,
        sections,
        strict,
        kind="topic",
        title=f"{spec.title}: {topic}",
        topic=topic,
        template=spec.name,
        started_at=started,
    )


def settings_record(ctx: Context) -> dict[str, Any]:
    """The settings that shaped a brief, every tuned group whole, and where its store is, for the audit
    record: a brief made with other values says so."""
    return {**ctx.settings.record(BRIEF_SETTINGS), "store": ctx.store.describe()}


def assemble(ctx: Context, sections: list[Section], strict: bool, **fields: Any) -> Brief:
    """Number every cited passage once, in order of first citation, across sections and their notes."""
    order: list[str] = []
    for s in sections:
        for x in s.sentences:
            order += [c for c in x.chunk_ids if c not in order]
        for d in s.disagreements:
            order += [side.chunk_id for side in d.sides if side.chunk_id not in order]
    chunks = ctx.in_window(ctx.store.get_chunks(order))
    if len(chunks) != len(order):
        raise BriefError("a cited passage is no longer in the store")
    sources = [
        Source(n, c, independent_outlets([c], ctx.store.story_of)) for n, c in enumerate(chunks, start=1)
    ]
    return Brief(
        sections=sections,
        sources=sources,
        source=ctx.filters.source,
        since=ctx.filters.since,
        until=ctx.filters.until,
        backend=ctx.info.backend,
        model=ctx.info.model,
        note=ctx.note,
        strict=strict,
        finished_at=now(),
        settings=settings_record(ctx),
        **fields,
    )
