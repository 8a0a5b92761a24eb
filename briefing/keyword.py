"""The BM25 keyword index over chunks, persisted beside the store.

Chroma holds the vectors; keyword ranking needs its own index. bm25s keeps it as sparse matrices that load
memory-mapped, so a search process starts in milliseconds instead of re-tokenising the corpus. Per-chunk
dates and outlets are stored with it so date and outlet filters apply to keyword hits exactly as they do
to vector hits.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
UNKNOWN_DAY = -1


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False)


@dataclass(frozen=True)
class IndexedText:
    """One indexed unit (a chunk, or a whole article): its id, text, day and outlets, for filtering."""

    id: str
    text: str
    day: int  # date.toordinal(), or UNKNOWN_DAY
    outlets: Sequence[str]


class KeywordIndex:
    """BM25 over chunk or article texts (title included), with date and outlet masks for filtering."""

    def __init__(self, bm25: bm25s.BM25 | None, ids: list[str], days: np.ndarray, outlets: dict[str, np.ndarray]):
        self._bm25 = bm25
        self.ids = ids
        self._days = days
        self._outlets = outlets

    @classmethod
    def build(cls, chunks: Sequence[IndexedText]) -> KeywordIndex:
        bm25 = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(_tokens([c.text for c in chunks]), show_progress=False)
        members: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            for outlet in c.outlets:
                members.setdefault(outlet, []).append(i)
        return cls(
            bm25,
            [c.id for c in chunks],
            np.array([c.day for c in chunks], dtype=np.int32),
            {o: np.array(m, dtype=np.int32) for o, m in members.items()},
        )

    def mask(self, since: int | None, until: int | None, outlets: Sequence[str] | None) -> np.ndarray | None:
        """Boolean mask of chunks passing the filters, or None when there are no filters."""
        if since is None and until is None and outlets is None:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if since is not None:
            keep &= self._days >= since
        if until is not None:
            keep &= (self._days <= until) & (self._days != UNKNOWN_DAY)
        if outlets is not None:
            allowed = np.zeros(len(self.ids), dtype=bool)
            for o in outlets:
                allowed[self._outlets.get(o, np.empty(0, dtype=np.int32))] = True
            keep &= allowed
        return keep

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top `k` (chunk id, BM25 score) among the chunks `mask` lets through; zero scores are dropped."""
        if self._bm25 is None:
            return []
        tokens = [t for t in _tokens([query])[0] if t in self._bm25.vocab_dict]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        """Write to a fresh folder and swap it in, so a reader never loads half an index."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "bm25"))
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        np.save(tmp / "days.npy", self._days)
        np.savez(tmp / "outlets.npz", **{f"o{i}": m for i, m in enumerate(self._outlets.values())})
        (tmp / "outlets.json").write_text(json.dumps(list(self._outlets)))
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True) if (folder / "bm25").exists() else None
        names = json.loads((folder / "outlets.json").read_text())
        with np.load(folder / "outlets.npz") as data:
            outlets = {name: data[f"o{i}"] for i, name in enumerate(names)}
        return cls(bm25, json.loads((folder / "ids.json").read_text()), np.load(folder / "days.npy"), outlets)
