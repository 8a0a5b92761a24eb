"""Find text that other stored articles already carry: whole syndicated copies and shared passages.

The same wire story runs in several outlets, whole or in part, lightly edited ("US companies" becomes
"American companies", an attribution is appended). Comparing word 6-grams finds such reuse where exact
sentence matching would not. The index maps each gram to the first stored article that has it in its *own*
chunks, so a match always points at a passage that is stored, never at one that was itself left out as
shared. (Sampling grams to save memory was tried: at sentence level it missed reprinted sentences.)
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.chunk import Sentence

GRAM = 6
NEAR_DUPLICATE_SHARE = 0.6  # share of an article's grams found in one other article
SHARED_SENTENCE_SHARE = 0.8  # a sentence this much reprinted is stored once, under the first outlet
QUOTED_SHARE = 0.4  # a sentence this much shared (a quoted statement) is kept, and linked to the other
MIN_SHARED_GRAMS = 4

_WORD = re.compile(r"\w+")
_MULT = np.uint64(1099511628211)  # FNV prime: spreads the rolling combination over 64 bits


@dataclass(frozen=True)
class Grams:
    """Grams of one text: stable 64-bit hashes and the character span each covers."""

    hashes: np.ndarray  # uint64
    starts: np.ndarray  # int64, char offset of the gram's first word
    ends: np.ndarray  # int64, char offset after the gram's last word


def text_grams(text: str) -> Grams:
    """Word 6-grams of `text`, case-folded. Hashes are stable across processes (crc32-based), so the
    index persists."""
    words = list(_WORD.finditer(text.lower()))
    if len(words) < GRAM:
        empty = np.empty(0, dtype=np.int64)
        return Grams(np.empty(0, dtype=np.uint64), empty, empty)
    codes = np.array([zlib.crc32(w.group().encode()) for w in words], dtype=np.uint64)
    spans = np.array([w.span() for w in words], dtype=np.int64)
    n = len(words) - GRAM + 1
    h = np.zeros(n, dtype=np.uint64)
    for k in range(GRAM):
        h = h * _MULT + codes[k : k + n]
    return Grams(h, spans[:n, 0], spans[GRAM - 1 :, 1])


def _within(grams: Grams, spans: list[tuple[int, int]]) -> np.ndarray:
    """Mask of the grams lying wholly inside the union of `spans` (chunks overlap, so merge first)."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    if not merged:
        return np.zeros(len(grams.hashes), dtype=bool)
    starts = np.array([m[0] for m in merged])
    ends = np.array([m[1] for m in merged])
    idx = np.searchsorted(starts, grams.starts, side="right") - 1
    return (idx >= 0) & (grams.ends <= ends[np.maximum(idx, 0)])


@dataclass(frozen=True)
class SharedSentence:
    """A sentence of the new article that `article_id` already stores around `start:end` of its text.

    `share` is the part of the sentence's grams found there: near 1 for reprinted wire copy, lower for a
    statement quoted inside a different sentence."""

    sentence: int
    article_id: str
    start: int
    end: int
    share: float


@dataclass(frozen=True)
class Reuse:
    """What a new article shares with stored ones."""

    near_duplicate_of: str | None
    shared: list[SharedSentence]


class GramIndex:
    """Gram hash -> (article, char offset) of the first stored article carrying it in its own chunks.

    Kept as a few sorted numpy segments (merged logarithmically as they grow) rather than a dict: a corpus
    of 6M words costs ~100 MB instead of ~1 GB. Lookups scan segments oldest first, so the first stored
    article wins."""

    def __init__(self) -> None:
        self._segments: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._articles: list[str] = []
        self._article_no: dict[str, int] = {}

    def __len__(self) -> int:
        return sum(len(seg[0]) for seg in self._segments)

    def _lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Article number (-1 when unseen) and char offset of each hash."""
        article = np.full(len(hashes), -1, dtype=np.int64)
        offset = np.zeros(len(hashes), dtype=np.int64)
        for keys, arts, offs in self._segments:
            if not len(keys):
                continue
            pos = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
            found = (keys[pos] == hashes) & (article < 0)
            article[found] = arts[pos[found]]
            offset[found] = offs[pos[found]]
        return article, offset

    def find_reuse(self, grams: Grams, sentences: list[Sentence]) -> Reuse:
        """Which sentences (of the text `grams` came from) stored articles already carry, and whether the
        text is a near-duplicate of one of them."""
        if not len(grams.hashes):
            return Reuse(None, [])
        article, offset = self._lookup(grams.hashes)
        twin = None
        matched = article[article >= 0]
        if len(matched):
            best = int(np.bincount(matched).argmax())
            if np.count_nonzero(matched == best) >= NEAR_DUPLICATE_SHARE * len(article):
                twin = self._articles[best]

        shared: list[SharedSentence] = []
        # Only grams wholly inside a sentence can match it: the others run into the next sentence.
        los = np.searchsorted(grams.starts, [s.start for s in sentences], side="left")
        his = np.searchsorted(grams.ends, [s.end for s in sentences], side="right")
        for i, (lo, hi) in enumerate(zip(los.tolist(), his.tolist())):
            arts = article[lo:hi]
            hit = arts[arts >= 0]
            if len(hit) < MIN_SHARED_GRAMS:
                continue
            best = int(np.bincount(hit).argmax())
            mine = arts == best
            share = float(np.count_nonzero(mine)) / (hi - lo)
            if share >= QUOTED_SHARE:
                offs = offset[lo:hi][mine]
                ends = offs + (grams.ends - grams.starts)[lo:hi][mine]
                shared.append(
                    SharedSentence(i, self._articles[best], int(offs.min()), int(ends.max()), share)
                )
        return Reuse(twin, shared)

    def add(self, article_id: str, grams: Grams, spans: list[tuple[int, int]]) -> None:
        """Index the grams that fall inside `spans` (the article's own chunks)."""
        if article_id not in self._article_no:
            self._article_no[article_id] = len(self._articles)
            self._articles.append(article_id)
        inside = _within(grams, spans)
        keys = grams.hashes[inside]
        order = np.argsort(keys, kind="stable")
        arts = np.full(len(keys), self._article_no[article_id], dtype=np.int32)
        self._segments.append((keys[order], arts, grams.starts[inside][order].astype(np.int32)))
        while len(self._segments) > 1 and len(self._segments[-1][0]) * 2 >= len(self._segments[-2][0]):
            newer = self._segments.pop()
            older = self._segments.pop()
            self._segments.append(_merge(older, newer))

    def remove(self, article_ids: set[str]) -> None:
        """Forget removed articles, so their passages are stored afresh if another outlet arrives."""
        gone = np.array([self._article_no[a] for a in article_ids if a in self._article_no], dtype=np.int32)
        if len(gone):
            self._segments = [
                (k[keep], a[keep], o[keep]) for k, a, o in self._segments for keep in [~np.isin(a, gone)]
            ]

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half an index."""
        keys, arts, offs = self._compacted()
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, hashes=keys, article=arts, offset=offs, articles=np.array(self._articles, dtype=str))
        tmp.replace(path)

    def _compacted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        merged = (np.empty(0, np.uint64), np.empty(0, np.int32), np.empty(0, np.int32))
        for seg in self._segments:
            merged = _merge(merged, seg)
        return merged

    @classmethod
    def load(cls, path: Path) -> GramIndex:
        index = cls()
        with np.load(path) as data:
            index._articles = data["articles"].tolist()
            index._segments = [(data["hashes"], data["article"], data["offset"])]
        index._article_no = {a: i for i, a in enumerate(index._articles)}
        return index


def _merge(
    older: tuple[np.ndarray, np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sorted segment from two; a stable sort keeps the older entry first among equal hashes."""
    keys = np.concatenate([older[0], newer[0]])
    order = np.argsort(keys, kind="stable")
    return (
        keys[order],
        np.concatenate([older[1], newer[1]])[order],
        np.concatenate([older[2], newer[2]])[order],
    )
