"""Writing one section from its claims: one bullet per claim (per actor, for positions), checked, and
repaired bullet by bullet.

The model's job is small: restate each excerpt as one clear sentence, one line per claim, in order,
ending with that claim's citation (and, for positions, opening with the actor's name). Line i must rest on
claim i's passages: a line citing another claim's passage, or none, is cited to its own claim's passage if
that supports it, and otherwise replaced by the claim as the source words it; the extractive writer gives
every bullet that way. The brief's reader therefore only ever sees checked sentences.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from briefing.brief.claims import Claim, group_of
from briefing.brief.context import Context
from briefing.brief.reporting import independent
from briefing.brief.restate import restate
from briefing.brief.results import Paragraph, Progress, ProgressEvent, Section, Sentence
from briefing.brief.standalone import breaks, strip_connective
from briefing.chunk import split_sentences
from briefing.cite import NO_CLAIM, NOT_IN_SOURCES, CheckedText, check_citations
from briefing.extract import cite, cite_window
from briefing.llm import LLMError
from briefing.llm.queue import Waiting, reporting_waits
from briefing.markers import BULLET, strip_markers
from briefing.models import Chunk
from briefing.prompts import load_prompt, source_tag
from briefing.repair import Repair, supporting_passage
from briefing.signals import content_stems, left_out

ALREADY_STATED = "the brief already states it (or what it leans on)"


@dataclass(frozen=True)
class Job:
    """What one section is written from: its heading, form and guidance, and its claims."""

    key: str
    title: str
    form: str
    guidance: str
    queries: tuple[str, ...]
    claims: tuple[Claim, ...]
    by_actor: bool = False
    label: str = ""


def _groups(job: Job) -> list[list[Claim]]:
    """The bullets to write: one claim each, or one actor's claims together."""
    if not job.by_actor:
        return [[c] for c in job.claims]
    groups: dict[str, list[Claim]] = {}
    for c in job.claims:
        groups.setdefault(group_of(c.actor, groups), []).append(c)
    return list(groups.values())


def _sources(groups: Sequence[Sequence[Claim]]) -> list[Chunk]:
    seen: dict[str, Chunk] = {}
    for g in groups:
        for c in g:
            seen.setdefault(c.chunk.id, c.chunk)
    return list(seen.values())


def _excerpts(groups: Sequence[Sequence[Claim]], number: dict[str, int], by_actor: bool) -> str:
    blocks = []
    for g in groups:
        actor = {"actor": g[0].actor or ""} if by_actor else {}
        for c in g:
            day = c.chunk.published.isoformat() if c.chunk.published else "undated"
            blocks.append(source_tag(number[c.chunk.id], c.text, outlet=c.chunk.source, date=day, **actor))
    return "\n".join(blocks)


class Writer:
    """Writes the sections of one brief with one context."""

    def __init__(self, ctx: Context, topic: str, strict: bool, progress: Progress | None) -> None:
        self.ctx = ctx
        self.topic = topic
        self.strict = strict
        self.progress = progress
        self.checker = ctx.settings.checker
        self.stated: list[set[str]] = []  # content words of every sentence the brief has stated so far

    def _said(self, words: set[str]) -> bool:
        """Whether an earlier sentence of the brief holds `said_overlap` of these content words already."""
        share = self.ctx.settings.briefs.said_overlap
        return bool(words) and any(len(words & before) >= share * len(words) for before in self.stated)

    def _fresh(self, text: str, restate: Callable[[str], str | None] | None = None) -> str:
        """`text` without the sentences the brief already states (a claim's window often opens with the
        sentence another claim states), the rest remembered as stated. A sentence that leaned on one left
        out goes too, since it cannot be read alone (`standalone.py`), unless `restate` rewrites it to; a
        leading connective goes."""
        kept: list[str] = []
        before = ""  # the sentence before this one, when this text states it
        for span in split_sentences(text):
            sentence = text[span.start : span.end].strip()
            words = content_stems(strip_markers(sentence))
            rule = breaks(strip_markers(sentence), before)
            if rule == "connective":
                sentence = strip_connective(sentence)
                rule = breaks(strip_markers(sentence), before)
            before = ""
            if self._said(words):
                continue
            if rule and restate and (rewrite := restate(sentence)):
                sentence, words, rule = rewrite, content_stems(strip_markers(rewrite)), None
            if rule:
                continue
            kept.append(sentence)
            self.stated.append(words)
            before = sentence
        return " ".join(kept)

    def section(self, job: Job, index: int, total: int) -> Section:
        extract = self.ctx.model is None
        section = Section(
            job.key,
            job.title,
            job.form,
            list(job.queries),
            label=job.label,
            claims=[c.to_dict() for c in job.claims],
            extract=extract,
            prompt=None if extract else load_prompt("brief_section").id,
        )
        self._report(ProgressEvent(index, total, job.title, "drafting"))
        t0 = time.monotonic()
        groups = _groups(job)
        sources = _sources(groups)
        number = {c.id: n for n, c in enumerate(sources, start=1)}
        try:
            with reporting_waits(self._waiting(index, total, job.title)):
                lines, section.repairs, section.usage = self._lines(job, groups, number)
        except LLMError as exc:
            # A brief never loses a section: its claims are given as the sources word them, labelled.
            section.error = str(exc)
            self._report(ProgressEvent(index, total, job.title, "fallback", str(exc)))
            lines = self._extracts(groups, number)
        text = "\n".join(lines) if lines else NOT_IN_SOURCES
        checked = check_citations(text, sources, self.ctx.embedder, checker=self.checker, headings=True)
        section.not_in_sources = not lines and not section.repairs
        section.removed_markers = list(checked.removed_markers)
        replaced = [strip_markers(r.text) for r in section.repairs if r.kind == "replaced"]
        section.paragraphs = _paragraphs(checked, sources, job.form, replaced, self._outlets(groups, number))
        section.dropped = [
            Sentence(r.draft.lstrip("-• "), (), False, 0.0, r.reason)
            for r in section.repairs
            if r.kind == "dropped" and r.reason != ALREADY_STATED  # bookkeeping, not a defect
        ]
        section.seconds = time.monotonic() - t0
        self._report(ProgressEvent(index, total, job.title, "done"))
        return section

    def _lines(
        self, job: Job, groups: list[list[Claim]], number: dict[str, int]
    ) -> tuple[list[str], list[Repair], dict[str, int]]:
        """The section's bullets, one per group (an actor's lines joined): the model's line for each claim
        where the checker accepts it, else the claim's own words (dropped instead, with `strict`)."""
        claims = [c for g in groups for c in g]
        if self.ctx.model is None or not claims:
            return self._extracts(groups, number), [], {}
        writer = load_prompt("brief_section").template() | self.ctx.model
        message = writer.invoke(
            {
                "section": job.title,
                "guidance": job.guidance,
                "sources": _excerpts(groups, number, job.by_actor),
                "count": str(len(claims)),
            }
        )
        usage = {}
        if message.usage_metadata:
            usage = {
                "prompt_tokens": message.usage_metadata["input_tokens"],
                "completion_tokens": message.usage_metadata["output_tokens"],
            }
        drafted = [
            BULLET.sub("", line).strip() for line in str(message.content).splitlines() if BULLET.match(line)
        ]
        sources = _sources(groups)
        written: dict[int, str] = {}
        repairs = []
        for i, claim in enumerate(claims):
            line = drafted[i] if i < len(drafted) else ""
            own = number[claim.chunk.id]
            text, repair = self._check_line(line, claim, own, sources)
            fresh = self._fresh(text, lambda x, c=claim, n=own: self._restate(x, c, n, repairs))
            if text and not fresh:
                repair = Repair("dropped", line, ALREADY_STATED)
            if repair:
                repairs.append(repair)
            if fresh:
                written[i] = fresh
        lines, i = [], 0
        for g in groups:
            parts = [written[k] for k in range(i, i + len(g)) if k in written]
            i += len(g)
            if parts:
                lines.append("- " + " ".join(parts))
        return lines, repairs, usage

    def _extracts(self, groups: list[list[Claim]], number: dict[str, int]) -> list[str]:
        """The bullets as the sources word the claims (what the extractive backend writes)."""
        lines = [
            " ".join(x for c in g if (x := self._fresh(cite_window(c.evidence, number[c.chunk.id]))))
            for g in groups
        ]
        return [f"- {line}" for line in lines if line]

    def _waiting(self, index: int, total: int, title: str) -> Callable[[Waiting], None]:
        """Reports the section waiting for the model, once per change in the requests ahead of it."""
        last: list[int] = []

        def report(waiting: Waiting) -> None:
            if last != [waiting.ahead]:
                last[:] = [waiting.ahead]
                self._report(ProgressEvent(index, total, title, "waiting", ahead=waiting.ahead))

        return report

    def _restate(self, sentence: str, claim: Claim, own: int, repairs: list[Repair]) -> str | None:
        """One checked rewrite of a sentence that does not read alone, recorded among the repairs."""
        got = restate(self.ctx, sentence, claim, own)
        if got is None:
            return None
        repairs.append(got[1])
        return got[0]

    def _check_line(
        self, line: str, claim: Claim, own: int, sources: Sequence[Chunk]
    ) -> tuple[str, Repair | None]:
        """The line for one claim, and what repair did to it."""
        extract = cite_window(claim.evidence, own)
        if not line:
            return (
                ("", Repair("dropped", "", "no line written for this claim"))
                if self.strict
                else (extract, Repair("replaced", "", "no line written for this claim", extract))
            )
        checked = check_citations(line, sources, self.ctx.embedder, checker=self.checker, headings=True)
        sentences = [x for x in checked.sentences if x.reason not in NO_CLAIM]
        fixed: tuple[str, Repair | None] | None = None
        if _accepted(checked, {own}):
            fixed = line, None
        elif (
            sentences
            and not checked.removed_markers
            and all(
                supporting_passage(x.text, [claim.chunk], self.ctx.embedder, self.checker) for x in sentences
            )
        ):
            # Its own claim's passage supports it: the marker was missing, or pointed at another passage.
            text = " ".join(cite(x.text, [own]) for x in sentences)
            fixed = (
                text,
                Repair(
                    "cited",
                    line,
                    next((x.reason for x in sentences if x.reason), "cites another passage"),
                    text,
                ),
            )
        if fixed and not (missing := left_out(line, claim.text)):
            return fixed
        # Unsupported, or supported but lossy: a line dropping a name or figure of its claim drops a fact.
        reason = "leaves out " + ", ".join(missing) if fixed else _why(checked, {own})
        if self.strict:
            return "", Repair("dropped", line, reason)
        return extract, Repair("replaced", line, reason, extract)

    def _outlets(
        self, groups: Sequence[Sequence[Claim]], number: dict[str, int]
    ) -> dict[int, tuple[str, ...]]:
        """The independent outlets behind each source number's claims, when there are several."""
        out: dict[int, tuple[str, ...]] = {}
        for g in groups:
            for c in g:
                out[number[c.chunk.id]] = independent_outlets(c.chunks, self.ctx.store.story_of)
        return out

    def _report(self, event: ProgressEvent) -> None:
        if self.progress:
            self.progress(event)


def _accepted(checked: CheckedText, own: set[int]) -> bool:
    claims = [s for s in checked.sentences if s.reason not in NO_CLAIM]
    return (
        bool(claims)
        and all(s.supported and set(s.cited) <= own for s in claims)
        and not checked.removed_markers
    )


def _why(checked: CheckedText, own: set[int]) -> str:
    if checked.removed_markers:
        return "; ".join(why for _, why in checked.removed_markers)
    bad = next((s for s in checked.sentences if not s.supported or not set(s.cited) <= own), None)
    if bad is None:
        return "citation points at no passage"
    return bad.reason or "cites a passage of another claim"


def independent_outlets(chunks: Sequence[Chunk], story_of) -> tuple[str, ...]:
    """Outlets carrying these passages, one per story (a syndicated copy is its twin's story) and one per
    outlet name; empty unless there are at least two, since one outlet corroborates nothing."""
    names = independent(((x.article_id, x.source) for c in chunks for x in (c, *c.carriers)), story_of)
    return names if len(names) >= 2 else ()


def _paragraphs(
    checked: CheckedText,
    passages: Sequence[Chunk],
    form: str,
    replaced: Sequence[str],
    outlets: dict[int, tuple[str, ...]],
) -> list[Paragraph]:
    """Lines of the checked text as bullets or one paragraph of checked sentences; a dated bullet is shown
    under its earliest cited source's publication date."""
    out = []
    for line in re.finditer(r"[^\n]+", checked.text):
        raw = line.group(0)
        inside = [
            s for s in checked.sentences if line.start() <= s.start < line.end() and s.reason not in NO_CLAIM
        ]
        sentences = tuple(
            Sentence(
                s.text,
                tuple(passages[n - 1].id for n in s.cited),
                s.supported,
                s.support,
                s.reason,
                outlets=tuple(dict.fromkeys(o for n in s.cited for o in outlets.get(n, ())))
                if s.supported
                else (),
                repaired=any(s.text.rstrip(".").casefold() in r.casefold() for r in replaced),
            )
            for s in inside
        )
        if not sentences:
            continue
        day = None
        if form == "dated":
            day = min(
                (passages[n - 1].published for s in inside for n in s.cited if passages[n - 1].published),
                default=None,
            )
        out.append(Paragraph(sentences, bool(BULLET.match(raw)), day))
    if form == "dated":
        out.sort(key=lambda p: p.day or date.max)
    if form == "prose" and out:
        return [Paragraph(tuple(s for p in out for s in p.sentences), bullet=False)]
    return out
