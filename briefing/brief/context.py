"""What every step of a brief works with: settings, store, retriever, embedder, model, and the window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from briefing.answer import Answerer
from briefing.brief.results import BriefError, window_text
from briefing.config import Settings
from briefing.embeddings import Embedder
from briefing.llm import LLMInfo
from briefing.models import Chunk
from briefing.retrieve import Filters, Retriever
from briefing.store import Store


@dataclass(frozen=True)
class Context:
    """The heavy objects of one process (borrowed from an Answerer, which loads them once) and the
    brief's filters."""

    settings: Settings
    store: Store
    retriever: Retriever
    embedder: Embedder
    model: BaseChatModel | None
    info: LLMInfo
    note: str | None
    filters: Filters

    @classmethod
    def of(cls, answerer: Answerer, filters: Filters) -> Context:
        return cls(
            answerer.settings,
            answerer.store,
            answerer.retriever,
            answerer.embedder,
            answerer.model,
            answerer.info,
            answerer.note,
            filters,
        )

    @property
    def window(self) -> str:
        return window_text(self.filters.since, self.filters.until)

    def inside(self, c: Chunk) -> bool:
        f = self.filters
        return not (
            (f.since and (c.published is None or c.published < f.since))
            or (f.until and (c.published is None or c.published > f.until))
        )

    def in_window(self, chunks: Iterable[Chunk]) -> list[Chunk]:
        """The chunks, after checking each lies in the brief's window: retrieval filters by date, and this
        is the guarantee that nothing outside the window is ever cited."""
        out = list(chunks)
        f = self.filters
        for c in out:
            if not self.inside(c):
                raise BriefError(
                    f"passage {c.id} ({c.published}) lies outside the window {f.since}..{f.until}"
                )
        return out
