"""Grounded answers: condense the question, retrieve, pack numbered passages, write, check the citations.

The writing step is an LCEL chain (prompt file | chat model | text); everything around it is plain Python so
that the extractive backend (no language model) goes through the same retrieval and the same citation
checks. Passages enter the prompt inside <source> tags as data; the prompt tells the model so, and the
checker catches what a model does anyway (a cited number that is not a passage, an unsupported sentence).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from briefing.chunk import split_sentences
from briefing.cite import NOT_IN_SOURCES, CheckedText, check_citations
from briefing.config import Settings
from briefing.embeddings import Embedder, get_embedder
from briefing.llm import LLMInfo, get_chat_model_or_extractive
from briefing.models import Chunk
from briefing.prompts import load_prompt
from briefing.retrieve import Filters, Retriever
from briefing.store import Store

WORDS_PER_TOKEN = 0.75  # English news prose; used to keep packed passages inside the context budget
EXTRACT_SENTENCES = 4
EXTRACT_MIN_SIMILARITY = 0.35  # below this no source sentence is taken to answer the question


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str


@dataclass
class Answer:
    """An answer with everything needed to check it: the passages it was given, its resolved citations,
    the per-sentence support verdicts, and which backend, model and prompts produced it."""

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
    withheld_draft: str | None = None  # a model answer none of whose claims its sources supported

    @property
    def not_in_sources(self) -> bool:
        return self.text.strip() == NOT_IN_SOURCES

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
            "citations": [c.to_dict() for c in self.check.citations],
            "sentences": [s.to_dict() for s in self.check.sentences],
            "unsupported": [s.to_dict() for s in self.check.unsupported],
            "removed_markers": [{"n": n, "reason": why} for n, why in self.check.removed_markers],
            "sources": [{"n": i, **c.to_dict()} for i, c in enumerate(self.sources, start=1)],
            "backend": self.backend,
            "model": self.model,
            "prompts": self.prompts,
            "note": self.note,
            "filters": self.filters,
            "withheld_draft": self.withheld_draft,
        }


def format_sources(chunks: Sequence[Chunk]) -> str:
    """Number the passages and wrap each in a <source> tag; text is escaped so an article cannot close
    the tag and speak outside it."""
    blocks = []
    for i, c in enumerate(chunks, start=1):
        outlets = ", ".join(c.outlets)
        date = c.published.isoformat() if c.published else "undated"
        blocks.append(
            f'<source id="{i}" outlet="{html.escape(outlets)}" date="{date}" title="{html.escape(c.title)}">\n'
            f"{html.escape(c.text, quote=False)}\n</source>"
        )
    return "\n".join(blocks)


def pack(hits_chunks: Sequence[Chunk], budget_tokens: int) -> list[Chunk]:
    """The best-ranked passages that fit the context budget (at least one)."""
    packed, used = [], 0
    for c in hits_chunks:
        cost = int(len(c.text.split()) / WORDS_PER_TOKEN) + 40  # tag and metadata overhead
        if packed and used + cost > budget_tokens:
            break
        packed.append(c)
        used += cost
    return packed


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
        transcript = "\n".join(f"Q: {t.question}\nA: {_strip_markers(t.answer)}" for t in history[-3:])
        chain = self.condense_prompt.template() | self.model | StrOutputParser()
        rewritten = chain.invoke({"history": transcript, "question": question}).strip().strip('"')
        return rewritten.splitlines()[0].strip() if rewritten else question

    def stream(
        self, question: str, history: Sequence[Turn] = (), filters: Filters = Filters(), k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield the answer's text as it is written, then the checked `Answer` as the last item."""
        standalone = self._standalone(question, history)
        hits = self.retriever.search(standalone, k or self.settings.top_k, filters)
        sources = pack([h.chunk for h in hits], self.settings.context_tokens)
        prompts = [self.answer_prompt.id] + ([self.condense_prompt.id] if history and self.model else [])
        if not sources:
            text = NOT_IN_SOURCES
            yield text
        elif self.model is None:
            text = self._extract(standalone, sources)
            yield text
        else:
            chain = self.answer_prompt.template() | self.model | StrOutputParser()
            parts: list[str] = []
            for token in chain.stream(
                {"sources": format_sources(sources), "question": standalone, "not_in_sources": NOT_IN_SOURCES}
            ):
                parts.append(token)
                yield token
            text = "".join(parts).strip()
        check = check_citations(text, sources, self.embedder)
        draft = None
        if _nothing_supported(check):
            # Every claim failed the check: the model answered from outside the sources. Say what the sources
            # say (nothing), and keep the draft for the record.
            draft, note = check.text, "the model's answer was not supported by the sources and is withheld"
            check = check_citations(NOT_IN_SOURCES, sources, self.embedder)
        yield Answer(
            question=question,
            standalone_question=standalone,
            text=check.text,
            check=check,
            withheld_draft=draft,
            sources=sources,
            backend=self.info.backend,
            model=self.info.model,
            prompts=prompts,
            note="; ".join(n for n in (self.note, draft and note) if n) or None,
            filters={k: (v.isoformat() if hasattr(v, "isoformat") else v)
                     for k, v in vars(filters).items() if v is not None},
        )

    def ask(
        self, question: str, history: Sequence[Turn] = (), filters: Filters = Filters(), k: int | None = None
    ) -> Answer:
        *_, answer = self.stream(question, history, filters, k)
        assert isinstance(answer, Answer)
        return answer

    def _extract(self, question: str, sources: Sequence[Chunk]) -> str:
        """No language model: the source sentences closest to the question, grouped by passage (the passage
        with the best sentence first, sentences in their own order), one line per passage, each cited."""
        candidates = [
            (n, s.start, c.text[s.start : s.end])
            for n, c in enumerate(sources, start=1)
            for s in split_sentences(c.text)
            if s.words >= 5
        ]
        if not candidates:
            return NOT_IN_SOURCES
        vectors = self.embedder.embed_documents([text for _, _, text in candidates])
        scores = vectors @ self.embedder.embed_query(question)
        best = [int(i) for i in np.argsort(-scores)[:EXTRACT_SENTENCES] if scores[i] >= EXTRACT_MIN_SIMILARITY]
        if not best:
            return NOT_IN_SOURCES
        groups: dict[int, list[int]] = {}
        for i in best:  # best first, so dict order ranks the passages
            groups.setdefault(candidates[i][0], []).append(i)
        lines = []
        for n, members in groups.items():
            ordered = sorted(members, key=lambda i: candidates[i][1])
            lines.append(" ".join(f"{candidates[i][2]} [{n}]" for i in ordered))
        return "\n".join(lines)


def _nothing_supported(check: CheckedText) -> bool:
    """True when the answer makes claims and not one of them is supported by its cited passages."""
    claims = [s for s in check.sentences if s.text.strip() != NOT_IN_SOURCES]
    return bool(claims) and all(not s.supported for s in claims)


def _strip_markers(text: str) -> str:
    return re.sub(r"\s*\[\d+(?:\s*[-,–]\s*\d+)*\]", "", text)
