"""Grounded answers: condense the question, retrieve, choose the evidence, write, check, repair.

A small model answers well from a few sentences and badly from many passages, so the evidence is chosen
before anything is written (`evidence.py`): the sentences of the retrieved passages that best answer the
question, with the sentence before where they lean on it. The writer (an LCEL chain: prompt file | chat
model; or the extractive writer) sees only those windows, numbered by passage, inside <source> tags as
data. The draft is then checked and repaired rather than withheld (`repair.py`): what the reader gets at
the end is always checked text.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from briefing.answered import Coverage, Status, coverage, honest_text
from briefing.asked import Asked, analyse
from briefing.cite import NOT_IN_SOURCES, CheckedText, check_citations
from briefing.config import Settings
from briefing.embeddings import Embedder, get_embedder
from briefing.evidence import Evidence, by_passage, choose, focus, rank_sentences, unmentioned_names
from briefing.extract import extract
from briefing.injection import instruction_spans
from briefing.llm import LLMInfo, get_chat_model_or_extractive
from briefing.llm.queue import ModelQueue, Ticket, Waiting, wait_turn
from briefing.markers import strip_markers
from briefing.models import Chunk
from briefing.prompts import load_prompt, source_tag
from briefing.repair import Repair, repair
from briefing.retrieve import Filters, Retriever
from briefing.store import Store

ANSWER_SETTINGS = (
    "retrieval",
    "checker",
    "extract",
    "evidence_passages",
    "evidence_windows",
    "evidence_min_score",
    "extract_windows",
)
"""The settings that shape an answer (the tuned groups whole), recorded with it."""


@dataclass(frozen=True)
class Stage:
    """A step of answering (searching, choosing evidence, writing, checking), yielded for a progress
    display: a page shows the steps, never the unchecked draft."""

    name: str


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str


@dataclass
class Answer:
    """An answer with everything needed to check it: the evidence its writer saw, the passages that
    evidence came from (numbered [1]..[n]), its resolved citations, the per-sentence verdicts, what repair
    changed in the draft, and which backend, model and prompts produced it."""

    question: str
    standalone_question: str
    text: str
    check: CheckedText
    sources: list[Chunk]
    backend: str
    model: str
    prompts: list[str]
    note: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    draft: str | None = None  # the model's own text, when what the reader got differs from it
    repairs: list[Repair] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens, completion_tokens of the model call
    draft_removed: list[tuple[int, str]] = field(
        default_factory=list
    )  # markers of the draft that pointed nowhere
    settings: dict[str, Any] = field(default_factory=dict)  # ANSWER_SETTINGS as they were for this answer
    asked: Asked | None = None  # what the question asks, read by rules
    coverage: Coverage = Coverage(Status.ANSWERED)  # whether the checked text answers it

    @property
    def removed_markers(self) -> list[tuple[int, str]]:
        """Every marker that pointed at no passage, in the draft or in what the reader got."""
        return self.draft_removed + self.check.removed_markers

    @property
    def not_in_sources(self) -> bool:
        return self.text.strip() == NOT_IN_SOURCES

    @property
    def declined(self) -> bool:
        """Whether the answer tells the reader the sources do not give what was asked."""
        return self.coverage.status in (Status.NOT_GIVEN, Status.NO_SOURCES)

    @property
    def citations(self) -> list:
        return self.check.citations

    @property
    def unsupported(self) -> list:
        return self.check.unsupported

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.text,
            "not_in_sources": self.not_in_sources,
            "asked": {"kind": self.asked.kind.value, "speaker": list(self.asked.speaker)}
            if self.asked
            else None,
            "answers": self.coverage.to_dict(),
            "citations": [c.to_dict() for c in self.check.citations],
            "sentences": [s.to_dict() for s in self.check.sentences],
            "unsupported": [s.to_dict() for s in self.check.unsupported],
            "removed_markers": [{"n": n, "reason": why} for n, why in self.removed_markers],
            "sources": [{"n": i, **c.to_dict()} for i, c in enumerate(self.sources, start=1)],
            "evidence": [{"n": self.sources.index(e.chunk) + 1, **e.to_dict()} for e in self.evidence],
            "draft": self.draft,
            "repairs": [r.to_dict() for r in self.repairs],
            "usage": self.usage,
            "backend": self.backend,
            "model": self.model,
            "prompts": self.prompts,
            "note": self.note,
            "filters": self.filters,
            "settings": self.settings,
        }


def format_sources(items: Sequence[tuple[Chunk, str]]) -> str:
    """Number the (passage, text shown of it) pairs and wrap each in a <source> tag; text is escaped so an
    article cannot close the tag and speak outside it."""
    return "\n".join(
        source_tag(
            i,
            f"\n{text}\n",
            outlet=", ".join(c.outlets),
            date=c.published.isoformat() if c.published else "undated",
            title=c.title,
        )
        for i, (c, text) in enumerate(items, start=1)
    )


class Answerer:
    """Answers questions over one store. Create once per process: it holds the model, embedder and
    retriever, which are expensive to load."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        model: tuple[BaseChatModel | None, LLMInfo, str | None] | None = None,
        embedder: Embedder | None = None,
    ):
        self.settings = settings
        self.store = store or Store(settings)
        self.embedder = embedder or get_embedder(settings)
        self.retriever = Retriever(self.store, settings, self.embedder)
        self.model, self.info, self.note = model or get_chat_model_or_extractive(settings)
        self.answer_prompt = load_prompt("answer")
        self.condense_prompt = load_prompt("condense")

    def _standalone(self, question: str, history: Sequence[Turn]) -> str:
        """Follow-ups ("what did they say next?") need the conversation to be searchable."""
        if not history:
            return question
        if self.model is None:
            return f"{history[-1].question} {question}"
        transcript = "\n".join(f"Q: {t.question}\nA: {strip_markers(t.answer)}" for t in history[-3:])
        chain = self.condense_prompt.template() | self.model | StrOutputParser()
        rewritten = chain.invoke({"history": transcript, "question": question}).strip().strip('"')
        return rewritten.splitlines()[0].strip() if rewritten else question

    def stream(
        self, question: str, history: Sequence[Turn] = (), filters: Filters = Filters(), k: int | None = None
    ) -> Generator[Stage | Waiting | str | Answer, None, None]:
        """Yield each stage as it starts, `Waiting` while the question waits for its turn at the model, the
        draft's text as the model writes it, then the checked `Answer` as the last item. The Answer's text
        is what the reader must be left with: it can differ from the streamed draft, which only a terminal
        shows (and rewrites).

        The question joins the model's line when asked, so retrieval runs while it waits; the turn is held
        from the first model call (the condensing of a follow-up, else the draft) to the draft's end."""
        queue: ModelQueue | None = getattr(self.model, "queue", None)  # the backends that take turns
        with queue.join() if queue is not None else nullcontext() as ticket:
            yield from self._answer(question, history, filters, k, ticket)

    def _wait(self, ticket: Ticket | None) -> Iterator[Waiting]:
        """Wait for the ticket's turn at the model, saying how many are ahead (at once if it has it)."""
        if ticket is not None and ticket.owner is None:
            yield from wait_turn(ticket, self.settings.llm_queue_wait)

    def _answer(
        self, question: str, history: Sequence[Turn], filters: Filters, k: int | None, ticket: Ticket | None
    ) -> Iterator[Stage | Waiting | str | Answer]:
        yield Stage("searching")
        if history and self.model is not None:
            yield from self._wait(ticket)
        standalone = self._standalone(question, history)
        asked = analyse(question, history[-1].question if history else "")
        hits = self.retriever.search(
            asked.search_query(standalone), k or self.settings.evidence_passages, filters
        )
        chunks = [h.chunk for h in hits]
        yield Stage("choosing evidence")
        absent = unmentioned_names(standalone, chunks)
        injected = dict.fromkeys(f"“{c.title}” ({c.source})" for c in chunks if instruction_spans(c.text))
        ranked = (
            [] if absent else rank_sentences(standalone, chunks, self.embedder, self.settings.extract, asked)
        )
        evidence = (
            focus(choose(ranked, self.settings.evidence_windows), asked)
            if ranked and ranked[0].score >= self.settings.evidence_min_score
            else []
        )
        groups = by_passage(evidence)
        sources = [chunk for chunk, _ in groups]
        number = {c.id: n for n, c in enumerate(sources, start=1)}
        prompts = [self.answer_prompt.id] + ([self.condense_prompt.id] if history and self.model else [])
        draft, repairs, usage, draft_removed = None, [], {}, []
        if not evidence:
            text = NOT_IN_SOURCES
        elif self.model is None:
            text = extract(evidence[: self.settings.extract_windows], number)
        else:
            yield from self._wait(ticket)
            yield Stage("writing")
            shown = [(chunk, " … ".join(ev.text for ev in evs)) for chunk, evs in groups]
            writer = self.answer_prompt.template() | self.model
            parts: list[str] = []
            for piece in writer.stream({"sources": format_sources(shown), "question": standalone}):
                if piece.usage_metadata:
                    usage = {
                        "prompt_tokens": piece.usage_metadata["input_tokens"],
                        "completion_tokens": piece.usage_metadata["output_tokens"],
                    }
                if piece.content:
                    parts.append(str(piece.content))
                    yield str(piece.content)
            if ticket is not None:
                ticket.leave()  # the model is done with this question: checking needs no turn
            draft = "".join(parts).strip()
            yield Stage("checking")
            drafted = check_citations(draft, sources, self.embedder, checker=self.settings.checker)
            draft_removed = drafted.removed_markers
            text, repairs = repair(drafted, sources, evidence, self.embedder, self.settings.checker)
            if text == NOT_IN_SOURCES and draft != NOT_IN_SOURCES:
                # Every sentence of the draft failed and was dropped, yet the evidence answers the question:
                # give it as it was published rather than decline.
                text = extract(evidence[: self.settings.extract_windows], number)
        check = check_citations(text, sources, self.embedder, checker=self.settings.checker)
        cover = coverage(asked, check)
        if draft is not None and cover.status in (Status.NOT_GIVEN, Status.PARTIAL):
            # The model's checked text does not answer what was asked, though the evidence may: the
            # sources' own sentences are given instead when they answer more of it.
            own = extract(evidence[: self.settings.extract_windows], number)
            own_check = check_citations(own, sources, self.embedder, checker=self.settings.checker)
            own_cover = coverage(asked, own_check)
            if len(own_cover.missing) < len(cover.missing):
                repairs.append(Repair("replaced", check.text, "did not answer the question", own))
                check, cover = own_check, own_cover
        if (honest := honest_text(check.text, check, cover)) != check.text:
            check = check_citations(honest, sources, self.embedder, checker=self.settings.checker)
        yield Answer(
            question=question,
            standalone_question=standalone,
            text=check.text,
            check=check,
            sources=sources,
            backend=self.info.backend,
            model=self.info.model,
            prompts=prompts,
            note="; ".join(
                n
                for n in (
                    self.note,
                    absent and "no passage mentions " + ", ".join(absent),
                    injected and "text addressed to the model was ignored in " + ", ".join(injected),
                )
                if n
            )
            or None,
            filters={
                k: (v.isoformat() if hasattr(v, "isoformat") else list(v) if isinstance(v, tuple) else v)
                for k, v in vars(filters).items()
                if v not in (None, ())
            },
            evidence=evidence,
            draft=draft if draft is not None and draft != check.text else None,
            repairs=repairs,
            usage=usage,
            draft_removed=draft_removed,
            settings=self.settings.record(ANSWER_SETTINGS),
            asked=asked,
            coverage=cover,
        )

    def ask(
        self, question: str, history: Sequence[Turn] = (), filters: Filters = Filters(), k: int | None = None
    ) -> Answer:
        *_, answer = self.stream(question, history, filters, k)
        assert isinstance(answer, Answer)
        return answer
