"""Evidence chosen before anything is written: the few source sentences that answer a question.

A 1.5B model given eight passages (~2,600 tokens) loses the answer; given the two or three sentences that
hold it, it restates them well and fast. So answers and briefs first rank the sentences of the retrieved
passages, and only the best windows reach the writer, whether that is the model or the extractive writer.

A sentence is scored by its embedding's cosine with the query, and by how much of the query's weighted
vocabulary it holds (a word common to every candidate, such as the company's name, weighs little; a rare
one, such as a name or a number the question asks about, weighs much). A sentence that leans on the one
before it ("She said...", "It added...", "This technology...") is shown with that sentence, so neither the
model nor the reader meets a subject that was never named. Weights and cut-offs were chosen on the seed
questions and the RealTime QA dev questions (`bench/answers.py`); they are `Settings.extract`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from briefing.asked import Asked, Kind
from briefing.chunk import split_sentences
from briefing.clean import neutralise_tags
from briefing.config import ExtractTuning
from briefing.embeddings import Embedder, embed_cached
from briefing.holds import fit
from briefing.injection import instruction_shaped
from briefing.models import Chunk
from briefing.signals import all_stems, content_stems, names

# A sentence whose subject is a pronoun or a reference back ("She said", "But it added", "This
# technology", "Such a move") leans on the one before it for what it is about.
_LEANS = re.compile(
    r"^[\"“‘']?\s*(?:(?:but|and|however|meanwhile|separately|also|yet|still|at the same time|in light of \w+),?\s+)?"
    r"(?:he|she|it|they|its|their|his|her|this|these|that|those|such|the company|the move|the firm|the paper|"
    r"the newspaper|the report|the measure|the group|the ministry|the agency)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(  # "China has begun exporting this technology": which technology?
    r"^\W*(?:\S+\s+){0,5}(?:this|these|those|such)\s+(?!week|month|year|morning|afternoon|evening|time|is|was)\w+",
    re.IGNORECASE,
)
_ASKS_SPEECH = re.compile(
    r"\b(say|said|says|tell|told|respond(?:ed)?|react(?:ed)?|comment(?:ed)?|statement|reply|replied)\b",
    re.IGNORECASE,
)
_REPORTS_SPEECH = re.compile(r"\b(said|says|told|stated|urged|added|warned|replied|responded)\b|[\"“”]")
# Datelines and bylines that open a wire story: "BANGALORE:", "WASHINGTON (NYTIMES, REUTERS) -".
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,}(?:\s*\([^)]{1,40}\))?\s*(?::|-{1,2}|–|—)\s+")


@dataclass(frozen=True)
class Evidence:
    """A window of one or two consecutive sentences of a retrieved passage, with its score for the query.
    `start`/`end` index `chunk.text`."""

    chunk: Chunk
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        return clean_sentence(self.chunk.text[self.start : self.end])

    def to_dict(self) -> dict[str, object]:
        return {
            "chunk_id": self.chunk.id,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "text": self.text,
        }


def clean_sentence(text: str) -> str:
    """A source sentence as it is shown: whitespace joined, a leading dateline or list bullet removed, and
    no tag posing as a source (passages stored before ingest removed them)."""
    text = " ".join(neutralise_tags(text).split())
    text = re.sub(r"^[-•*+]\s+", "", text)
    return _DATELINE.sub("", text)


@dataclass(frozen=True)
class _Candidate:
    chunk: Chunk
    start: int  # the scored sentence, in chunk.text
    end: int
    context: int  # start of the window: the previous sentence's start when this one leans on it
    rank: int  # of its passage among the retrieved ones, from 0


def _candidates(chunks: Sequence[Chunk], min_words: int) -> list[_Candidate]:
    """Every sentence of the passages once: neighbouring chunks of an article overlap, and a sentence in
    two of them is kept in the better-ranked one. A line under `min_words` words (a caption, "Source: Al
    Jazeera") is no evidence unless it holds a number, and a sentence that speaks to the model
    (`injection.py`) is none at all, nor context for the next."""
    seen: set[tuple[str, int]] = set()
    out = []
    for rank, c in enumerate(chunks):
        sentences = split_sentences(c.text)
        for i, s in enumerate(sentences):
            key = (c.article_id, c.start + s.start)
            text = c.text[s.start : s.end]
            if (
                key in seen
                or (s.words < min_words and not re.search(r"\d", text))
                or instruction_shaped(text)
            ):
                continue
            seen.add(key)
            before = c.text[sentences[i - 1].start : sentences[i - 1].end].rstrip() if i else ""
            if instruction_shaped(before):
                before = ""
            # A heading ("Blacklisting Hikvision") is no context: it ends without a full stop.
            opening = clean_sentence(text)
            leans = bool(re.search(r"[.!?][\"'”’)]*$", before)) and bool(
                _LEANS.match(opening) or _REFERS_BACK.match(opening)
            )
            out.append(_Candidate(c, s.start, s.end, sentences[i - 1].start if leans else s.start, rank))
    return out


def _weights(stems: Sequence[set[str]]) -> dict[str, float]:
    """Inverse frequency of each word over the candidate sentences: what tells them apart."""
    df: dict[str, int] = {}
    for s in stems:
        for w in s:
            df[w] = df.get(w, 0) + 1
    n = len(stems)
    return {w: math.log(1 + n / d) for w, d in df.items()}


def keyword_scores(query: str, texts: Sequence[str]) -> np.ndarray:
    """Share of the query's weighted content words each text holds; a query word no text holds counts
    with the weight of the rarest, so a question about something absent scores low everywhere."""
    stems = [content_stems(t) for t in texts]
    weights = _weights(stems)
    rare = math.log(1 + max(len(texts), 1))
    wanted = {w: weights.get(w, rare) for w in content_stems(query)}
    total = sum(wanted.values())
    if not total:
        return np.zeros(len(texts), dtype=np.float32)
    return np.array([sum(v for w, v in wanted.items() if w in s) / total for s in stems], dtype=np.float32)


def unmentioned_names(question: str, chunks: Sequence[Chunk]) -> list[str]:
    """Names the question asks about ("Eurovision", "the European Union") that no retrieved passage
    mentions: then the sources are about something else, whatever their sentences resemble. Only the
    question proper counts, up to its question mark: options or context after it are not its subject."""
    held = set().union(*(all_stems(f"{c.title} {c.text}") for c in chunks)) if chunks else set()
    return [word for stem, word in names(question.split("?")[0]).items() if stem not in held]


def rank_sentences(
    query: str,
    chunks: Sequence[Chunk],
    embedder: Embedder,
    extract: ExtractTuning,
    asked: Asked | None = None,
) -> list[Evidence]:
    """Every sentence of `chunks` as evidence for `query`, best first. The first retrieved passage's
    sentences gain `w_rank`, the second's `w_rank / 2`, and so on; a question about what someone said
    prefers sentences that report speech (`w_speech`), and a sentence holding what `asked` asks (a
    statement by the asked speaker, a cause, the asked figure) gains `w_asked`."""
    cands = _candidates(chunks, extract.min_words)
    if not cands:
        return []
    windows = [c.chunk.text[c.context : c.end] for c in cands]
    sentences = [c.chunk.text[c.start : c.end] for c in cands]
    vectors = embed_cached(sentences, embedder)
    cos = np.stack([vectors[s] for s in sentences]) @ embedder.embed_query(query)
    kw = keyword_scores(query, windows)
    prior = extract.w_rank / (1 + np.array([c.rank for c in cands]))
    if _ASKS_SPEECH.search(query):
        prior += extract.w_speech * np.array([bool(_REPORTS_SPEECH.search(s)) for s in sentences])
    if asked is not None:
        before = [f"{c.chunk.title}. {c.chunk.text[max(0, c.start - 300) : c.start]}" for c in cands]
        prior += extract.w_asked * np.array([fit(asked, s, b) for s, b in zip(sentences, before)])
    scores = extract.w_cosine * np.maximum(cos, 0.0) + extract.w_keywords * kw + prior
    order = np.argsort(-scores, kind="stable")
    return [Evidence(cands[i].chunk, cands[i].context, cands[i].end, float(scores[i])) for i in order]


def overlap(a: Evidence, b: Evidence) -> bool:
    """Whether two windows share text of one article (neighbouring chunks overlap, so offsets are compared
    in the article)."""
    return a.chunk.article_id == b.chunk.article_id and (
        a.start + a.chunk.start < b.end + b.chunk.start and b.start + b.chunk.start < a.end + a.chunk.start
    )


def choose(ranked: Sequence[Evidence], n: int) -> list[Evidence]:
    """The best `n` windows, a window overlapping one already chosen merged into it."""
    chosen: list[Evidence] = []
    for ev in ranked:
        if len(chosen) == n:
            break
        overlap_at = next((i for i, c in enumerate(chosen) if overlap(ev, c)), None)
        if overlap_at is None:
            chosen.append(ev)
        elif chosen[overlap_at].chunk.id == ev.chunk.id:
            c = chosen[overlap_at]
            chosen[overlap_at] = Evidence(c.chunk, min(c.start, ev.start), max(c.end, ev.end), c.score)
    return chosen


def focus(evidence: Sequence[Evidence], asked: Asked) -> list[Evidence]:
    """The windows that hold what `asked` asks, when any does: "What did China's government say?" is
    answered from the Foreign Ministry's words, not also from the lawmakers' beside them. Else all."""
    if not any(p.kind is Kind.STATEMENT for p in asked.parts or (asked,)):
        return list(evidence)  # other kinds' rules are too loose to drop a window by (RealTime QA dev)
    held = [h for h in (_holding(ev, asked) for ev in evidence) if h is not None]
    return held or list(evidence)


def _holding(ev: Evidence, asked: Asked) -> Evidence | None:
    """`ev` if one of its sentences holds what is asked (read with the text before it), else None. The
    window then starts at that sentence when it holds it on its own: a small model would take the
    sentences before it for the answer."""
    text = ev.chunk.text[ev.start : ev.end]
    for s in split_sentences(text):
        sentence = text[s.start : s.end]
        if fit(asked, sentence, f"{ev.chunk.title}. {text[: s.start]}"):
            alone = s.start > 0 and fit(asked, sentence)
            return Evidence(ev.chunk, ev.start + s.start, ev.end, ev.score) if alone else ev
    return None


def by_passage(evidence: Sequence[Evidence]) -> list[tuple[Chunk, list[Evidence]]]:
    """Windows grouped by passage, passages in order of their best window, windows in text order."""
    groups: dict[str, tuple[Chunk, list[Evidence]]] = {}
    for ev in evidence:
        groups.setdefault(ev.chunk.id, (ev.chunk, []))[1].append(ev)
    return [(chunk, sorted(evs, key=lambda e: e.start)) for chunk, evs in groups.values()]
