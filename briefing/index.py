"""The search index over chunks (or whole articles), derived from the store and persisted beside it.

Chroma holds the durable copy of texts and vectors; searching needs more than it gives quickly. Keyword
ranking needs its own index: bm25s keeps it as sparse matrices that load memory-mapped, so a search process
starts in milliseconds instead of re-tokenising the corpus. Vector ranking reads a memory-mapped matrix
of the same rows: on the 53,791-chunk RealTime QA store Chroma took 6-9 ms for an unfiltered query but
~115 ms once a week's date window was given, and 40 ms to find one article's best passage; an exact dot
product over the matrix with the same date/outlet mask as the keyword side takes 4 ms either way, and both
rankers filter identically.
"""

from __future__ import annotations

import bisect
import json
import re
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

FORMAT = 2  # of the saved index; bump when tokenisation or layout changes, so older caches are rebuilt
UNKNOWN_DAY = -1
_STEMMER = Stemmer.Stemmer("english")
_STOPWORDS = list(STOPWORDS_EN_PLUS)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_TOKEN = r"(?u)\d+(?:[.,]\d+)*|\b\w\w+\b"


def tokens(texts: Sequence[str]) -> list[list[str]]:
    """Stemmed words without NLTK's stop words, and numbers whole: the terms BM25 indexes and matches.

    Questions are full of words that say nothing about the topic ("which", "how", "what", "more than"):
    bm25s's short Lucene list kept them, and they matched any long article. Its default pattern also split
    "200,000" into "200" and "000" (which matched every large number) and dropped "2.9" and "5" as too
    short. On the RealTime QA dev questions the two changes lifted keyword-only Hit@1 from .42 to .46 over
    the whole corpus and from .56 to .68 within the question's week."""
    return bm25s.tokenize(
        [_THOUSANDS.sub("", t) for t in texts],
        token_pattern=_TOKEN,
        stopwords=_STOPWORDS,
        stemmer=_STEMMER,
        return_ids=False,
        show_progress=False,
    )


@dataclass(frozen=True)
class IndexedText:
    """One indexed unit (a chunk, or a whole article): its id, text, day and outlets."""

    id: str
    text: str
    day: int  # date.toordinal(), or UNKNOWN_DAY
    outlets: Sequence[str]


class SearchIndex:
    """BM25 and cosine similarity over the same rows, with date and outlet masks for filtering. Rows are
    sorted by id, so an article's chunks ("<article id>:<n>") are adjacent."""

    def __init__(
        self,
        bm25: bm25s.BM25 | None,
        ids: list[str],
        vectors: np.ndarray,
        days: np.ndarray,
        outlets: dict[str, np.ndarray],
    ):
        self._bm25 = bm25
        self.ids = ids
        self._vectors = vectors
        self._days = days
        self._outlets = outlets

    @classmethod
    def build(cls, items: Sequence[IndexedText], vectors: np.ndarray) -> SearchIndex:
        """`vectors` holds one unit-length row per item, in the items' order."""
        order = sorted(range(len(items)), key=lambda i: items[i].id)
        items = [items[i] for i in order]
        bm25 = None
        if items:
            bm25 = bm25s.BM25()
            bm25.index(tokens([c.text for c in items]), show_progress=False)
        members: dict[str, list[int]] = {}
        for i, c in enumerate(items):
            for outlet in c.outlets:
                members.setdefault(outlet, []).append(i)
        return cls(
            bm25,
            [c.id for c in items],
            np.ascontiguousarray(vectors[order], dtype=np.float32),
            np.array([c.day for c in items], dtype=np.int32),
            {o: np.array(m, dtype=np.int32) for o, m in members.items()},
        )

    def mask(
        self,
        since: int | None,
        until: int | None,
        outlets: Sequence[str] | None,
        articles: Collection[str] | None = None,
    ) -> np.ndarray | None:
        """Boolean mask of rows passing the filters, or None when there are no filters. `articles` keeps
        only the rows of those articles (an article's own row, or its chunks "<id>:<n>"): a saved topic is
        matched against what one refresh added, not the whole store."""
        if since is None and until is None and outlets is None and articles is None:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if articles is not None:
            keep &= self._rows_of(articles)
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

    def _rows_of(self, articles: Collection[str]) -> np.ndarray:
        """Rows belonging to these articles, found by bisection (rows are sorted by id)."""
        rows = np.zeros(len(self.ids), dtype=bool)
        for aid in articles:
            i = bisect.bisect_left(self.ids, aid)
            while i < len(self.ids) and (self.ids[i] == aid or self.ids[i].startswith(f"{aid}:")):
                rows[i] = True
                i += 1
        return rows

    def keyword(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top `k` (id, BM25 score) among the rows `mask` lets through; zero scores are dropped."""
        if self._bm25 is None:
            return []
        terms = [t for t in tokens([query])[0] if t in self._bm25.vocab_dict]
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return [(i, s) for i, s in self._top(scores, k) if s > 0]

    def nearest(self, vector: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top `k` (id, cosine similarity) among the rows `mask` lets through (vectors are unit length)."""
        if not self.ids:
            return []
        scores = self._vectors @ vector
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        return [(i, s) for i, s in self._top(scores, k) if s > -np.inf]

    def best_of(self, prefix: str, vector: np.ndarray | None) -> str | None:
        """Among rows whose id starts with `prefix` (one article's chunks), the one nearest `vector`, or the
        first without a vector."""
        lo = bisect.bisect_left(self.ids, prefix)
        hi = bisect.bisect_left(self.ids, prefix + "\U0010ffff", lo)
        if lo == hi:
            return None
        if vector is None:
            return self.ids[lo]
        return self.ids[lo + int(np.argmax(self._vectors[lo:hi] @ vector))]

    def _top(self, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top]

    def save(self, folder: Path) -> None:
        """Write to a fresh folder and swap it in, so a reader never loads half an index."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "bm25"))
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        np.save(tmp / "vectors.npy", self._vectors)
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
    def load(cls, folder: Path) -> SearchIndex:
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True) if (folder / "bm25").exists() else None
        names = json.loads((folder / "outlets.json").read_text())
        with np.load(folder / "outlets.npz") as data:
            outlets = {name: data[f"o{i}"] for i, name in enumerate(names)}
        return cls(
            bm25,
            json.loads((folder / "ids.json").read_text()),
            np.load(folder / "vectors.npy", mmap_mode="r"),
            np.load(folder / "days.npy"),
            outlets,
        )
