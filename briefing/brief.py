"""Topic briefs and weekly briefs, built section by section from the store and cited against one source list.

A brief is a sequence of drafted sections. Each section retrieves its own passages (the topic combined with
the template's query patterns for that section), drafts from them with [n] markers numbered per section
(an LCEL chain, or source sentences when there is no language model) and goes through the same citation
check as answers. Only when every section is drafted are the markers renumbered into one shared source
list, in order of first citation, so a source dropped by `strict` or left uncited by every section never
gets a number. Around that the brief adds what a reader of several outlets needs: which claims several
independent outlets carry (syndicated copies count once), and where sources give different figures for
the same thing ("Sources differ", citing each side).

Weekly briefs group the window's articles into stories by clustering their stored article vectors, rank
the stories by coverage and recency and summarise each; every passage they use is checked to lie inside
the window, so an article published outside it can never be cited.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.output_parsers import StrOutputParser

from briefing.answer import Answerer, format_sources, pack
from briefing.chunk import split_sentences
from briefing.cite import (
    NOT_IN_SOURCES,
    SUPPORT_THRESHOLD,
    CheckedText,
    check_citations,
    content_stems,
    numbers,
    support_signals,
)
from briefing.config import Settings
from briefing.llm import LLMError
from briefing.models import Chunk
from briefing.prompts import PROMPTS_DIR, load_prompt
from briefing.retrieve import Filters

TEMPLATES_DIR = PROMPTS_DIR / "templates"
FORMS = ("bullets", "prose", "dated")
EXTRACT_MIN_SIMILARITY = 0.3  # a source sentence less similar than this to every section query is off-topic
FUTURE_CUE = re.compile(
    r"\b(will|would|expected|plans?|planned|next (?:week|month|year)|deadline|due to|scheduled|could|may)\b",
    re.I,
)
FUTURE_BONUS = 0.1  # "what to watch" prefers sentences that look ahead
STORY_THRESHOLD = 0.62  # cosine above which two article vectors are one story (bench/briefs.py, realtimeqa)
SUBJECT_OVERLAP = 3  # shared content words for two figures to be about the same thing
QUOTE_CHARS = 170
REPEAT_OVERLAP = 0.8  # share of the shorter extract's content words that makes it a repeat of the other


class BriefError(RuntimeError):
    """A brief cannot be built as asked (unknown template, empty window) or broke its own guarantees."""


# --------------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionSpec:
    """One section of a template: its heading, its form, the retrieval query patterns (`{topic}` is
    replaced) and the guidance the model gets for it."""

    key: str
    title: str
    form: str
    queries: tuple[str, ...]
    guidance: str
    items: int


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    path: Path
    sections: tuple[SectionSpec, ...]


def load_template(name_or_path: str | Path) -> Template:
    """A template by name (`prompts/templates/<name>.toml`) or by path to a TOML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = TEMPLATES_DIR / f"{name_or_path}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        known = ", ".join(sorted(p.stem for p in TEMPLATES_DIR.glob("*.toml")))
        raise BriefError(f"brief template {str(name_or_path)!r} not found (known: {known})") from None
    except tomllib.TOMLDecodeError as exc:
        raise BriefError(f"{path}: {exc}") from None
    sections = []
    for i, s in enumerate(data.get("sections", [])):
        form = s.get("form", "bullets")
        if form not in FORMS or not s.get("title") or not s.get("queries"):
            raise BriefError(f"{path}: section {i + 1} needs a title, queries and a form in {FORMS}")
        sections.append(SectionSpec(s.get("key", f"s{i + 1}"), s["title"], form, tuple(s["queries"]),
                                    s.get("guidance", ""), int(s.get("items", 4))))
    if not sections:
        raise BriefError(f"{path}: a template needs at least one [[sections]] entry")
    return Template(data.get("name", path.stem), data.get("title", "Brief"), path, tuple(sections))


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One checked sentence of a section, citing passages by chunk id (numbers are assigned brief-wide).
    `outlets` names the independent outlets carrying its cited passages when there are several."""

    text: str
    chunk_ids: tuple[str, ...]
    supported: bool
    support: float
    reason: str
    outlets: tuple[str, ...] = ()
    attributed: bool = False  # the model gave no citation; the checker found the passage that supports it

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "chunk_ids": list(self.chunk_ids), "supported": self.supported,
                "support": round(self.support, 4), "reason": self.reason, "corroborated_by": list(self.outlets),
                "citation_added_by_checker": self.attributed}


@dataclass(frozen=True)
class Paragraph:
    """A bullet or a prose paragraph; `day` is the date a dated bullet is shown under (its earliest
    cited source's publication date, taken from the metadata, never from model text)."""

    sentences: tuple[Sentence, ...]
    bullet: bool
    day: date | None = None


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
        return {"kind": self.kind, "subject": list(self.subject),
                "sides": [{"chunk_id": s.chunk_id, "outlet": s.outlet, "quote": s.quote} for s in self.sides]}


@dataclass
class Section:
    """A drafted section, with what it retrieved and what the checker said."""

    key: str
    title: str
    form: str
    queries: list[str]
    paragraphs: list[Paragraph] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)
    extract: bool = False
    error: str | None = None
    not_in_sources: bool = False
    removed_markers: list[tuple[int, str]] = field(default_factory=list)
    dropped: list[Sentence] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    prompt: str | None = None
    seconds: float = 0.0

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p.sentences]

    @property
    def unsupported(self) -> list[Sentence]:
        return [s for s in self.sentences if not s.supported]


@dataclass(frozen=True)
class Source:
    """An entry of the brief's numbered source list: a cited passage and the outlets that carry it."""

    n: int
    chunk: Chunk
    independent_outlets: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {"n": self.n, "chunk_id": c.id, "article_id": c.article_id, "title": c.title, "outlet": c.source,
                "outlets": c.outlets, "independent_outlets": list(self.independent_outlets),
                "published": c.published.isoformat() if c.published else None, "url": c.url, "path": c.path,
                "text": c.text}


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

    def window(self) -> str:
        if not (self.since or self.until):
            return "all dates"
        return f"{self.since or 'earliest'} to {self.until or 'latest'}"

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
            "sections": [
                {
                    "key": s.key, "title": s.title, "form": s.form, "extract": s.extract, "prompt": s.prompt,
                    "retrieval_queries": s.queries, "retrieved_chunk_ids": s.retrieved, "error": s.error,
                    "not_in_sources": s.not_in_sources, "seconds": round(s.seconds, 3),
                    "sentences": [dict(x.to_dict(), cited=[numbers[c] for c in x.chunk_ids])
                                  for x in s.sentences],
                    "removed_markers": [{"n": n, "reason": why} for n, why in s.removed_markers],
                    "dropped_unsupported": [x.to_dict() for x in s.dropped],
                    "disagreements": [d.to_dict() for d in s.disagreements],
                }
                for s in self.sections
            ],
            "sources": [s.to_dict() for s in self.sources],
            "checker": {
                "unsupported": sum(len(s.unsupported) for s in self.sections),
                "dropped": sum(len(s.dropped) for s in self.sections),
                "removed_markers": sum(len(s.removed_markers) for s in self.sections),
                "failed_sections": [s.key for s in self.sections if s.error],
                "disagreements": len(self.disagreements),
            },
        }


@dataclass(frozen=True)
class ProgressEvent:
    """Reported before and after each section is drafted, so a caller can show where a slow brief is."""

    index: int  # 1-based
    total: int
    title: str
    status: str  # drafting | done | failed
    error: str | None = None


Progress = Callable[[ProgressEvent], None]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------------
# Drafting one section
# --------------------------------------------------------------------------------------------------

_LINE_BULLET = re.compile(r"^\s*(?:[-•*+]|\d+[.)])\s+")
_BULLETS_EXAMPLE = (
    "- The minister resigned on Friday, the ministry said [2].\n- Her deputy was sworn in the next day [3][5]."
)
_CITE_LIKE_THIS = "Every sentence ends with the bracketed id of the passage it comes from, exactly like this:\n"
# A small model copies a concrete example of the citation form far more reliably than it follows a rule, and
# cites a list of one-sentence lines where it leaves a paragraph uncited: prose is asked for as lines and
# joined into a paragraph afterwards.
_FORM_INSTRUCTIONS = {
    "bullets": "Write at most {items} bullet points, each on its own line starting with '- ', each a single "
               "sentence.\n" + _CITE_LIKE_THIS + _BULLETS_EXAMPLE,
    "prose": "Write at most {items} sentences that read well as one paragraph, each on its own line starting "
             "with '- '.\n" + _CITE_LIKE_THIS + _BULLETS_EXAMPLE,
    "dated": "Write at most {items} bullet points, one development each, in chronological order, each on its "
             "own line starting with '- ', each a single sentence. Do not write publication dates: they are "
             "added from the sources.\n" + _CITE_LIKE_THIS + _BULLETS_EXAMPLE,
}


@dataclass(frozen=True)
class _Job:
    """What one section is drafted from."""

    key: str
    title: str
    form: str
    guidance: str
    items: int
    queries: tuple[str, ...]
    passages: tuple[Chunk, ...]
    query_vectors: np.ndarray  # what the extractive backend ranks sentences against
    prompt: str  # prompt file name
    per_passage: int = 0  # most extracts from one passage (0: no limit); an overview wants every story


class _Builder:
    """Drafts sections for one brief with one Answerer's model, embedder and retriever."""

    def __init__(
        self, answerer: Answerer, filters: Filters, strict: bool, progress: Progress | None, topic: str
    ) -> None:
        self.answerer = answerer
        self.topic = topic
        self.window = _window_text(filters.since, filters.until)
        self.settings = answerer.settings
        self.store = answerer.store
        self.embedder = answerer.embedder
        self.filters = filters
        self.strict = strict
        self.progress = progress
        self.used_extracts: list[set[str]] = []  # content words of extracts placed in earlier sections

    # --- retrieval ---

    def in_window(self, chunks: Iterable[Chunk]) -> list[Chunk]:
        """The chunks, after checking each lies in the brief's window: retrieval filters by date, and this
        is the guarantee that nothing outside the window is ever cited."""
        out = list(chunks)
        f = self.filters
        for c in out:
            if (f.since and (c.published is None or c.published < f.since)) or (
                    f.until and (c.published is None or c.published > f.until)):
                raise BriefError(f"passage {c.id} ({c.published}) lies outside the window {f.since}..{f.until}")
        return out

    def retrieve(self, queries: Sequence[str]) -> list[Chunk]:
        """Each query's hits, merged rank by rank (so every query contributes its best passages first),
        without repeats, within the context budget."""
        lists = [self.answerer.retriever.search(q, self.settings.top_k, self.filters) for q in queries]
        merged: dict[str, Chunk] = {}
        for rank in range(max((len(h) for h in lists), default=0)):
            for hits in lists:
                if rank < len(hits):
                    merged.setdefault(hits[rank].chunk.id, hits[rank].chunk)
        return pack(self.in_window(merged.values()), self.settings.context_tokens) if merged else []

    # --- drafting ---

    def draft(self, job: _Job, index: int, total: int) -> Section:
        section = Section(job.key, job.title, job.form, list(job.queries),
                          retrieved=[c.id for c in job.passages], extract=self.answerer.model is None,
                          prompt=None if self.answerer.model is None else load_prompt(job.prompt).id)
        self._report(ProgressEvent(index, total, job.title, "drafting"))
        t0 = time.monotonic()
        try:
            checked, attributed = self._write(job)
        except LLMError as exc:
            section.error = str(exc)
            section.seconds = time.monotonic() - t0
            self._report(ProgressEvent(index, total, job.title, "failed", str(exc)))
            return section
        section.not_in_sources = checked.text.strip() == NOT_IN_SOURCES
        section.removed_markers = list(checked.removed_markers)
        paragraphs = _paragraphs(checked, job.passages, job.form, attributed)
        if self.strict:
            section.dropped = [s for p in paragraphs for s in p.sentences if not s.supported]
            paragraphs = [replace(p, sentences=tuple(s for s in p.sentences if s.supported))
                          for p in paragraphs]
            paragraphs = [p for p in paragraphs if p.sentences]
        section.paragraphs = [self._annotate(p) for p in paragraphs]
        section.seconds = time.monotonic() - t0
        self._report(ProgressEvent(index, total, job.title, "done"))
        return section

    def _report(self, event: ProgressEvent) -> None:
        if self.progress:
            self.progress(event)

    def _write(self, job: _Job) -> tuple[CheckedText, set[str]]:
        """The checked draft, and the claims whose citation the checker added."""
        if not job.passages:
            return check_citations(NOT_IN_SOURCES, [], self.embedder), set()
        if self.answerer.model is None:
            text = self._extract(job)
        else:
            prompt = load_prompt(job.prompt)
            chain = prompt.template() | self.answerer.model | StrOutputParser()
            text = chain.invoke({
                "sources": format_sources(job.passages),
                "topic": job.title if job.prompt == "brief_summary" else self.topic,
                "section": job.title,
                "guidance": job.guidance,
                "form": _FORM_INSTRUCTIONS[job.form].format(items=job.items),
                "window": self.window,
                "not_in_sources": NOT_IN_SOURCES,
            }).strip()
        checked = check_citations(text, job.passages, self.embedder)
        return self._attribute(checked, job.passages) if self.answerer.model is not None else (checked, set())

    def _attribute(self, checked: CheckedText, passages: Sequence[Chunk]) -> tuple[CheckedText, set[str]]:
        """Cite the passage that supports an uncited claim, when one passes the same support check: small
        models often state a passage's fact and forget its marker. Returns the re-checked text and the
        claims so attributed (recorded as such, never passed off as the model's citation)."""
        additions: list[tuple[int, int]] = []
        for s in checked.sentences:
            if s.cited or s.reason != "no citation":
                continue
            scored = [(support_signals(s.text, [p], self.embedder), n) for n, p in enumerate(passages, start=1)]
            scored = [(sig.score(), n) for sig, n in scored if not sig.hard_failure()]
            best = max(scored, default=(0.0, 0))
            if best[0] >= SUPPORT_THRESHOLD:
                additions.append((s.end, best[1]))
        if not additions:
            return checked, set()
        text = checked.text
        for end, n in sorted(additions, reverse=True):
            text = f"{text[:end]} [{n}]{text[end:]}"
        rechecked = check_citations(text, passages, self.embedder)
        added = {s.text for s in checked.sentences if s.end in {e for e, _ in additions}}
        return rechecked, added

    def _extract(self, job: _Job) -> str:
        """No language model: the source sentences closest to the section's queries, one cited line each;
        a sentence placed in an earlier section is not repeated."""
        candidates = []
        for n, c in enumerate(job.passages, start=1):
            for s in split_sentences(c.text):
                text = " ".join(_LINE_BULLET.sub("", c.text[s.start:s.end]).split())
                if s.words >= 6 and not self._repeats(text):
                    candidates.append((n, c, s.start, text))
        if not candidates:
            return NOT_IN_SOURCES
        vectors = self.embedder.embed_documents([t for *_, t in candidates])
        scores = (vectors @ job.query_vectors.T).max(axis=1)
        if job.key == "watch":
            scores = scores + FUTURE_BONUS * np.array([bool(FUTURE_CUE.search(t)) for *_, t in candidates])
        best = [int(i) for i in np.argsort(-scores) if scores[i] >= EXTRACT_MIN_SIMILARITY]
        chosen, per_passage = [], {}
        for i in best:
            if len(chosen) == job.items:
                break
            n, _, _, text = candidates[i]
            if self._repeats(text) or (job.per_passage and per_passage.get(n, 0) >= job.per_passage):
                continue
            chosen.append(candidates[i])
            self.used_extracts.append(content_stems(text))
            per_passage[n] = per_passage.get(n, 0) + 1
        if not chosen:
            return NOT_IN_SOURCES
        if job.form == "dated":
            chosen.sort(key=lambda x: (x[1].published or date.min, x[1].article_id, x[2]))
        elif job.form == "prose":
            chosen.sort(key=lambda x: (x[0], x[2]))
            return " ".join(f"{t} [{n}]" for n, _, _, t in chosen)
        return "\n".join(f"- {t} [{n}]" for n, _, _, t in chosen)

    def _repeats(self, text: str) -> bool:
        """Whether an extract says what an earlier one said: overlapping chunks hold the same sentence twice,
        and two outlets running one wire story hold it almost word for word."""
        stems = content_stems(text)
        return any(len(stems & used) >= REPEAT_OVERLAP * min(len(stems), len(used))
                   for used in self.used_extracts if stems and used)

    def _annotate(self, p: Paragraph) -> Paragraph:
        """Each supported sentence gets the independent outlets that carry what it cites."""
        sentences = tuple(replace(s, outlets=self.independent_outlets(self.store.get_chunks(s.chunk_ids)))
                          if s.supported and s.chunk_ids else s for s in p.sentences)
        return replace(p, sentences=sentences)

    def independent_outlets(self, chunks: Sequence[Chunk]) -> tuple[str, ...]:
        return independent_outlets(chunks, self.store.story_of)


def independent_outlets(chunks: Sequence[Chunk], story_of: Callable[[str], str]) -> tuple[str, ...]:
    """Outlets carrying these passages, one per story (a syndicated copy is its twin's story) and one per
    outlet name; empty unless there are at least two, since one outlet corroborates nothing."""
    outlets: dict[str, str] = {}
    for c in chunks:
        for article_id, outlet in [(c.article_id, c.source), *((x.article_id, x.source) for x in c.carriers)]:
            outlets.setdefault(story_of(article_id), outlet)
    names = tuple(dict.fromkeys(outlets.values()))
    return names if len(names) >= 2 else ()


def _paragraphs(
    checked: CheckedText, passages: Sequence[Chunk], form: str, attributed: set[str]
) -> list[Paragraph]:
    """Lines of the checked text as bullets or paragraphs of checked sentences; headings the model wrote
    inside a section are dropped (the section has its own)."""
    out = []
    for line in re.finditer(r"[^\n]+", checked.text):
        sentences = tuple(
            Sentence(s.text, tuple(passages[n - 1].id for n in s.cited), s.supported, s.support, s.reason,
                     attributed=s.text in attributed)
            for s in checked.sentences
            if line.start() <= s.start < line.end() and s.reason != "heading"
        )
        if not sentences:
            continue
        bullet = bool(_LINE_BULLET.match(line.group(0)))
        day = None
        if form == "dated":
            cited = [passages[n - 1].published for s in checked.sentences
                     if line.start() <= s.start < line.end() for n in s.cited]
            day = min((d for d in cited if d), default=None)
        out.append(Paragraph(sentences, bullet, day))
    if form == "dated":
        out.sort(key=lambda p: p.day or date.max)
    if form == "prose" and out:
        return [Paragraph(tuple(s for p in out for s in p.sentences), bullet=False)]
    return out


# --------------------------------------------------------------------------------------------------
# Disagreements
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Figure:
    chunk: Chunk
    sentence: str
    kind: str
    values: frozenset[float]
    stems: frozenset[str]  # the sentence's content words: what it is about
    names: frozenset[str]
    context: frozenset[str]  # content words next to its figures: what the figures measure


# Words that say nothing about what a figure measures; months and weekdays are no shared subject either.
_FIGURE_NOISE = content_stems(
    "million billion trillion thousand nearly near about around almost much more less than over under up "
    "percentage points January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
)
CONTEXT_WORDS = 6  # words either side of a figure that say what it measures


def _kind(label: str) -> str | None:
    """Only figures with a unit are compared: bare numbers (years, counts of days) differ for too many
    innocent reasons."""
    low = label.lower()
    if "%" in low or "cent" in low or "percentage" in low:
        return "percent"
    if low[:1] in "$£€":
        return "money:" + low[0]
    if re.search(r"(thousand|million|billion|trillion|bn|mn|tn)$", low):
        return "amount"
    return None


def _subject(text: str) -> frozenset[str]:
    return frozenset(w for w in content_stems(text) - _FIGURE_NOISE if not re.search(r"\d", w))


def _figures(chunk: Chunk) -> list[_Figure]:
    out = []
    for s in split_sentences(chunk.text):
        sentence = " ".join(chunk.text[s.start:s.end].split())
        by_kind: dict[str, tuple[set[float], set[str]]] = {}
        for n in numbers(sentence):
            if kind := _kind(n.text):
                at = sentence.find(n.text)
                before = sentence[:at].split()[-CONTEXT_WORDS:]
                after = sentence[at + len(n.text):].split()[:CONTEXT_WORDS]
                values, context = by_kind.setdefault(kind, (set(), set()))
                values.update(n.values)
                context.update(_subject(" ".join(before + after)))
        if not by_kind:
            continue
        names = _subject(" ".join(re.findall(r"\b[A-Z][A-Za-z]+", sentence)))
        for kind, (values, context) in by_kind.items():
            out.append(_Figure(chunk, sentence, kind, frozenset(values), _subject(sentence), names,
                               frozenset(context)))
    return out


def find_disagreements(chunks: Sequence[Chunk], story_of: Callable[[str], str]) -> list[Disagreement]:
    """Pairs of passages from different stories whose sentences state figures of the same kind (percent,
    money, amounts) about the same thing, with no value in common: "opened 10% lower" against "as much as
    9.6 per cent". Same thing: the sentences share SUBJECT_OVERLAP content words, one of them a name, and
    the words next to the figures share one (so a $965m verdict and a $50m award in one case differ in
    what they measure, not in what the sources report)."""
    figures = [f for c in chunks for f in _figures(c)]
    found: list[Disagreement] = []
    seen: set[frozenset[str]] = set()
    for i, a in enumerate(figures):
        for b in figures[i + 1:]:
            if a.kind != b.kind or a.values & b.values:
                continue
            if story_of(a.chunk.article_id) == story_of(b.chunk.article_id):
                continue
            shared = a.stems & b.stems
            if len(shared) < SUBJECT_OVERLAP or not (a.names & b.names & shared) or not (a.context & b.context):
                continue
            pair = frozenset({a.chunk.id, b.chunk.id})
            if pair in seen:
                continue
            seen.add(pair)
            found.append(Disagreement(a.kind, tuple(sorted(shared)),
                                      (Side(a.chunk.id, a.chunk.source, _trim(a.sentence)),
                                       Side(b.chunk.id, b.chunk.source, _trim(b.sentence)))))
    return found


def _trim(sentence: str) -> str:
    """The sentence, cut around its first figure when long."""
    if len(sentence) <= QUOTE_CHARS:
        return sentence
    m = re.search(r"\d", sentence)
    start = max(0, (m.start() if m else 0) - QUOTE_CHARS // 2)
    end = start + QUOTE_CHARS
    if start:
        start = sentence.find(" ", start) + 1  # whole words only
    if end < len(sentence):
        end = sentence.rfind(" ", start, end)
    return ("…" if start else "") + sentence[start:end].strip(" ,;") + ("…" if end < len(sentence) else "")


def _place_disagreements(builder: _Builder, sections: list[Section]) -> None:
    """Check every retrieved passage with a figure against the passages a search for that sentence finds
    (same filters), and put each disagreement under the first section that cites a side, else the first
    that retrieved one."""
    retrieved = {cid for s in sections for cid in s.retrieved}
    pool = {c.id: c for c in builder.store.get_chunks(sorted(retrieved))}
    for c in list(pool.values()):
        for f in _figures(c):
            for hit in builder.answerer.retriever.search(f.sentence, 5, builder.filters):
                pool.setdefault(hit.chunk.id, hit.chunk)
    builder.in_window(pool.values())
    ordered = sorted(pool.values(), key=lambda c: (c.id not in retrieved, c.id))
    live = [s for s in sections if not s.error] or sections
    for d in find_disagreements(ordered, builder.store.story_of):
        ids = {side.chunk_id for side in d.sides}
        if not ids & retrieved:
            continue
        home = next((s for s in live if ids & {c for x in s.sentences for c in x.chunk_ids}), None)
        home = home or next((s for s in live if ids & set(s.retrieved)), live[0])
        home.disagreements.append(d)


# --------------------------------------------------------------------------------------------------
# Assembling
# --------------------------------------------------------------------------------------------------


def _assemble(builder: _Builder, sections: list[Section], **fields: Any) -> Brief:
    """Number every cited passage once, in order of first citation, across sections and their notes."""
    order: list[str] = []
    for s in sections:
        for x in s.sentences:
            order += [c for c in x.chunk_ids if c not in order]
        for d in s.disagreements:
            order += [side.chunk_id for side in d.sides if side.chunk_id not in order]
    chunks = builder.in_window(builder.store.get_chunks(order))
    if len(chunks) != len(order):
        raise BriefError("a cited passage is no longer in the store")
    sources = [Source(n, c, builder.independent_outlets([c])) for n, c in enumerate(chunks, start=1)]
    s = builder.settings
    return Brief(
        sections=sections,
        sources=sources,
        source=builder.filters.source,
        since=builder.filters.since,
        until=builder.filters.until,
        backend=builder.answerer.info.backend,
        model=builder.answerer.info.model,
        note=builder.answerer.note,
        strict=builder.strict,
        finished_at=_now(),
        settings={"embedding": s.embedding, "top_k": s.top_k, "context_tokens": s.context_tokens,
                  "llm_max_tokens": s.llm_max_tokens, "store": builder.store.describe(),
                  "collection": s.collection},
        **fields,
    )


def _answerer(settings: Settings, answerer: Answerer | None) -> Answerer:
    return answerer or Answerer(settings)


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
) -> Brief:
    """A brief on `topic` from the passages published in the window (and by outlets matching `source`),
    one section of `template` at a time. A section whose model call fails is reported in it; the rest are
    still drafted. `strict` drops sentences the checker does not find supported instead of flagging them."""
    started = _now()
    spec = load_template(template)
    answerer = _answerer(settings, answerer)
    builder = _Builder(answerer, Filters(since, until, source), strict, progress, topic)
    sections = []
    for i, sec in enumerate(spec.sections, start=1):
        queries = tuple(q.format(topic=topic) for q in sec.queries)
        job = _Job(sec.key, sec.title, sec.form, sec.guidance, sec.items, queries,
                   tuple(builder.retrieve(queries)), answerer.embedder.embed_documents(list(queries)),
                   "brief_section")
        sections.append(builder.draft(job, i, len(spec.sections)))
    _place_disagreements(builder, sections)
    return _assemble(builder, sections, kind="topic", title=f"{spec.title}: {topic}", topic=topic,
                     template=spec.name, started_at=started)


def _window_text(since: date | None, until: date | None) -> str:
    if not (since or until):
        return "all dates"
    return f"published {since or 'any time'} to {until or 'now'}"


# --------------------------------------------------------------------------------------------------
# Weekly brief
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """Articles about one event: the title of its most central article, its outlets and latest date."""

    title: str
    article_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    latest: date
    centroid: np.ndarray = field(repr=False, compare=False)


def cluster(
    vectors: np.ndarray, threshold: float = STORY_THRESHOLD, links: Sequence[tuple[int, int]] = ()
) -> list[list[int]]:
    """Average-linkage agglomerative clustering of unit vectors: merge the two clusters with the highest
    mean cosine while it is above `threshold`. `links` are pairs that must end in one cluster (a syndicated
    copy and its twin). O(n^2) memory, fine for a week of news."""
    n = len(vectors)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in links:
        parent[find(a)] = find(b)
    merged: dict[int, list[int]] = {}
    for i in range(n):
        merged.setdefault(find(i), []).append(i)
    groups = list(merged.values())
    m = len(groups)
    membership = np.zeros((m, n))
    for g, members in enumerate(groups):
        membership[g, members] = 1.0
    total = membership @ (vectors @ vectors.T) @ membership.T  # summed similarities; mean = sum / (|a| |b|)
    sizes = membership.sum(axis=1)
    alive = np.ones(m, dtype=bool)
    while alive.sum() > 1:
        mean = total / np.outer(sizes, sizes)
        mask = np.outer(alive, alive)
        np.fill_diagonal(mask, False)
        mean[~mask] = -np.inf
        i, j = np.unravel_index(int(np.argmax(mean)), mean.shape)
        if mean[i, j] < threshold:
            break
        groups[i] += groups[j]
        sizes[i] += sizes[j]
        total[i, :] += total[j, :]
        total[:, i] += total[:, j]
        alive[j] = False
    return [groups[i] for i in range(m) if alive[i]]


def find_stories(
    answerer: Answerer, since: date, until: date, threshold: float = STORY_THRESHOLD
) -> list[Story]:
    """The window's articles grouped into stories, ranked by distinct outlets, then articles, then the
    latest publication date."""
    store = answerer.store
    records = [r.article for r in store.article_records()
               if r.article.published and since <= r.article.published <= until]
    if not records:
        return []
    got = store.articles_col.get(ids=[a.id for a in records], include=["embeddings"])
    by_id = dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
    articles = [a for a in records if a.id in by_id]
    vectors = np.stack([by_id[a.id] for a in articles])
    index = {a.id: i for i, a in enumerate(articles)}
    links = [(index[a.id], index[a.duplicate_of]) for a in articles if a.duplicate_of in index]
    stories = []
    for members in cluster(vectors, threshold, links):
        group = [articles[i] for i in members]
        centroid = vectors[members].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        central = max(members, key=lambda i: float(vectors[i] @ centroid))
        stories.append(Story(articles[central].title, tuple(a.id for a in group),
                             tuple(dict.fromkeys(a.source for a in group)),
                             max(a.published for a in group if a.published), centroid))
    stories.sort(key=lambda s: (len(s.outlets), len(s.article_ids), s.latest), reverse=True)
    return stories


def _story_passages(builder: _Builder, story: Story) -> list[Chunk]:
    """The story's own passages, closest to its centroid first, within the context budget."""
    got = builder.store.chunks.get(where={"article_id": {"$in": list(story.article_ids)}},
                                   include=["embeddings"])
    if not got["ids"]:
        return []
    scores = np.asarray(got["embeddings"], dtype=np.float32) @ story.centroid
    ranked = [got["ids"][i] for i in np.argsort(-scores)]
    return pack(builder.in_window(builder.store.get_chunks(ranked)), builder.settings.context_tokens)


def iso_week(spec: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written like 2019-W21."""
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", spec.strip(), re.I)
    if not m:
        raise BriefError(f"{spec!r} is not an ISO week like 2019-W21")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        return date.fromisocalendar(year, week, 1), date.fromisocalendar(year, week, 7)
    except ValueError as exc:
        raise BriefError(f"{spec!r}: {exc}") from None


def build_weekly(
    settings: Settings,
    since: date,
    until: date,
    *,
    max_stories: int = 6,
    strict: bool = False,
    answerer: Answerer | None = None,
    progress: Progress | None = None,
    threshold: float = STORY_THRESHOLD,
) -> Brief:
    """A brief of the window's news: the top stories by coverage and recency, each summarised from its own
    articles, then an overview and what to watch, every passage published inside the window."""
    if until < since:
        raise BriefError(f"the window ends ({until}) before it starts ({since})")
    started = _now()
    answerer = _answerer(settings, answerer)
    builder = _Builder(answerer, Filters(since, until), strict, progress, "the week's news")
    stories = find_stories(answerer, since, until, threshold)[:max_stories]
    if not stories:
        raise BriefError(f"no articles published between {since} and {until}")
    jobs = []
    for i, story in enumerate(stories, start=1):
        outlets = ", ".join(story.outlets)
        jobs.append(_Job(f"story-{i}", story.title, "prose",
                         f"Summarise this story as reported by {outlets}.", 4, (story.title,),
                         tuple(_story_passages(builder, story)), story.centroid[None, :], "brief_summary"))
    leads = tuple(p for job in jobs for p in job.passages[:1])
    jobs.append(_Job("overview", "Overview", "bullets",
                     "The week's main stories, most covered first, one bullet each.", min(5, len(stories)),
                     tuple(s.title for s in stories), leads, np.stack([s.centroid for s in stories]),
                     "brief_section", per_passage=1))
    watch_queries = ("what happens next: scheduled votes, decisions, deadlines and meetings",
                     "plans announced for next week", "officials expected to decide or respond")
    jobs.append(_Job("watch", "What to watch", "bullets",
                     "What the sources say is scheduled, expected or undecided, to watch next week.", 4,
                     watch_queries, tuple(builder.retrieve(watch_queries)),
                     answerer.embedder.embed_documents(list(watch_queries)), "brief_section"))
    sections = [builder.draft(job, i, len(jobs)) for i, job in enumerate(jobs, start=1)]
    _place_disagreements(builder, sections)
    return _assemble(builder, sections, kind="weekly", title=f"Weekly brief: {since} to {until}", topic=None,
                     template="weekly", started_at=started)
