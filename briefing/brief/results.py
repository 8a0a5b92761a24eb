"""What a brief is made of, as typed results: sections of checked sentences citing passages by chunk id,
one numbered source list, and the record an auditor needs to reproduce and defend it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from briefing.models import Chunk
from briefing.repair import Repair


class BriefError(RuntimeError):
    """A brief cannot be built as asked (unknown template, empty window) or broke its own guarantees."""


@dataclass(frozen=True)
class Sentence:
    """One checked sentence of a section, citing passages by chunk id (numbers are assigned brief-wide).
    `outlets` names the independent outlets carrying its claim when there are several; `repaired` says
    the writer's sentence failed the check and the source's own sentence stands in its place."""

    text: str
    chunk_ids: tuple[str, ...]
    supported: bool
    support: float
    reason: str
    outlets: tuple[str, ...] = ()
    repaired: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "chunk_ids": list(self.chunk_ids),
            "supported": self.supported,
            "support": round(self.support, 4),
            "reason": self.reason,
            "corroborated_by": list(self.outlets),
            "repaired": self.repaired,
        }


@dataclass(frozen=True)
class Paragraph:
    """A bullet or a prose paragraph; `day` is the date a dated bullet is shown under (its earliest
    cited source's publication date, taken from the metadata, never from model text); `lead` is the brief's
    own words before its sentences (which story a "Since last week" line is about), never a claim."""

    sentences: tuple[Sentence, ...]
    bullet: bool
    day: date | None = None
    lead: str = ""


@dataclass(frozen=True)
class Side:
    """One side of a disagreement: the passage and the sentence in it that states the figure."""

    chunk_id: str
    outlet: str
    quote: str


@dataclass(frozen=True)
class Disagreement:
    """Two passages from different stories stating different figures of one kind on one subject."""

    kind: str
    subject: tuple[str, ...]
    sides: tuple[Side, Side]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": list(self.subject),
            "sides": [{"chunk_id": s.chunk_id, "outlet": s.outlet, "quote": s.quote} for s in self.sides],
        }


@dataclass
class Section:
    """A drafted section, with the claims it was given and what the checker and repair did."""

    key: str
    title: str
    form: str
    queries: list[str]
    label: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)  # chunk id, offsets and text of each claim
    extract: bool = False
    error: str | None = None  # why the model call failed (its claims then stand in the sources' words)
    not_in_sources: bool = False
    removed_markers: list[tuple[int, str]] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    dropped: list[Sentence] = field(default_factory=list)  # unsupported sentences removed by `strict`
    disagreements: list[Disagreement] = field(default_factory=list)
    prompt: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def fallback(self) -> bool:
        """Whether the model call failed, so that the claims are given in the sources' own words."""
        return self.error is not None

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p.sentences]

    @property
    def unsupported(self) -> list[Sentence]:
        return [s for s in self.sentences if not s.supported]

    @property
    def chunk_ids(self) -> set[str]:
        return {c for s in self.sentences for c in s.chunk_ids}


@dataclass(frozen=True)
class Source:
    """An entry of the brief's numbered source list: a cited passage and the outlets that carry it."""

    n: int
    chunk: Chunk
    independent_outlets: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "n": self.n,
            "chunk_id": c.id,
            "article_id": c.article_id,
            "title": c.title,
            "outlet": c.source,
            "outlets": c.outlets,
            "independent_outlets": list(self.independent_outlets),
            "published": c.published.isoformat() if c.published else None,
            "url": c.url,
            "path": c.path,
            "text": c.text,
        }


def window_text(since: date | str | None, until: date | str | None) -> str:
    if not (since or until):
        return "all dates"
    return f"{since or 'earliest'} to {until or 'latest'}"


@dataclass
class Brief:
    """A finished brief: sections in order, one numbered source list, and everything the audit needs."""

    kind: str  # topic | weekly
    title: str
    topic: str | None
    since: date | None
    until: date | None
    source: str | None
    template: str
    backend: str
    model: str
    note: str | None
    strict: bool
    sections: list[Section]
    sources: list[Source]
    started_at: str
    finished_at: str
    settings: dict[str, Any]
    stories: dict[str, Any] = field(default_factory=dict)  # a weekly brief's kept stories (changes.py)

    @property
    def numbers(self) -> dict[str, int]:
        return {s.chunk.id: s.n for s in self.sources}

    @property
    def extractive(self) -> bool:
        return self.backend == "extractive"

    @property
    def prompts(self) -> list[str]:
        return sorted({s.prompt for s in self.sections if s.prompt})

    @property
    def disagreements(self) -> list[Disagreement]:
        return [d for s in self.sections for d in s.disagreements]

    @property
    def usage(self) -> dict[str, int]:
        keys = ("prompt_tokens", "completion_tokens")
        return {k: sum(s.usage.get(k, 0) for s in self.sections) for k in keys}

    def window(self) -> str:
        return window_text(self.since, self.until)

    def to_dict(self) -> dict[str, Any]:
        """The audit record: enough to reproduce the brief and defend every line of it."""
        numbers = self.numbers
        return {
            "kind": self.kind,
            "title": self.title,
            "topic": self.topic,
            "window": {"since": _iso(self.since), "until": _iso(self.until)},
            "source_filter": self.source,
            "template": self.template,
            "backend": self.backend,
            "model": self.model,
            "note": self.note,
            "prompts": self.prompts,
            "strict": self.strict,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "settings": self.settings,
            "usage": self.usage,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "form": s.form,
                    "extract": s.extract,
                    "prompt": s.prompt,
                    "retrieval_queries": s.queries,
                    "claims": s.claims,
                    "error": s.error,
                    "fallback": s.fallback,
                    "not_in_sources": s.not_in_sources,
                    "seconds": round(s.seconds, 3),
                    "usage": s.usage,
                    "sentences": [
                        dict(x.to_dict(), cited=[numbers[c] for c in x.chunk_ids]) for x in s.sentences
                    ],
                    "removed_markers": [{"n": n, "reason": why} for n, why in s.removed_markers],
                    "repairs": [r.to_dict() for r in s.repairs],
                    "dropped_unsupported": [x.to_dict() for x in s.dropped],
                    "disagreements": [d.to_dict() for d in s.disagreements],
                }
                for s in self.sections
            ],
            "sources": [s.to_dict() for s in self.sources],
            "stories": self.stories,
            "checker": {
                "unsupported": sum(len(s.unsupported) for s in self.sections),
                "repaired": sum(len(s.repairs) for s in self.sections),
                "dropped": sum(len(s.dropped) for s in self.sections),
                "removed_markers": sum(len(s.removed_markers) for s in self.sections),
                "failed_sections": [s.key for s in self.sections if s.error],
                "disagreements": len(self.disagreements),
            },
        }


@dataclass(frozen=True)
class ProgressEvent:
    """Reported before and after each section is drafted, and while it waits for the model, so a caller can
    show where a slow brief is."""

    index: int  # 1-based
    total: int
    title: str
    status: str  # drafting | waiting (for the model) | fallback (its call failed) | done
    error: str | None = None
    ahead: int = 0  # requests before this one at the model, while waiting


Progress = Callable[[ProgressEvent], None]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None
