"""Evidence for a brief, gathered once: the atomic claims of the retrieved passages.

A claim is one sentence window of a passage (with the sentence before, where it leans on it), with who
made the statement when a speaker is named; its passage gives its outlet and date. The same claim carried
by several outlets (a wire paragraph, a quoted statement) becomes one claim with several passages: that
is its corroboration, and it is stated once in the brief. Sections are then written from claims, never
from raw passages, so no section can repeat what another says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from briefing.brief.context import Context
from briefing.brief.standalone import standalone_window
from briefing.chunk import split_sentences
from briefing.config import BriefTuning
from briefing.embeddings import embed_cached
from briefing.evidence import Evidence, overlap, rank_sentences
from briefing.models import Chunk
from briefing.signals import content_stems, names

MAX_SENTENCES = 2  # a claim is one statement: a sentence, with the one before where it leans on it


@dataclass(frozen=True)
class Claim:
    """One statement from the sources, stated once in a brief. `also` are the same statement's windows
    in other articles; `relevance` is its evidence score against the brief's topic."""

    evidence: Evidence
    relevance: float
    actor: str | None
    vector: np.ndarray = field(repr=False, compare=False)
    also: tuple[Evidence, ...] = ()

    @property
    def text(self) -> str:
        return self.evidence.text

    @property
    def chunk(self) -> Chunk:
        return self.evidence.chunk

    @property
    def chunks(self) -> list[Chunk]:
        return [self.chunk, *(e.chunk for e in self.also)]

    def to_dict(self) -> dict[str, object]:
        return {
            **self.evidence.to_dict(),
            "actor": self.actor,
            "relevance": round(self.relevance, 4),
            "also": [e.chunk.id for e in self.also],
        }


# --------------------------------------------------------------------------------------------------
# Who said it
# --------------------------------------------------------------------------------------------------

_WORD = r"(?<![\w'’])(?:[A-Z]|[a-z][A-Z])[\w'’.&-]*"  # "Hikvision", "EIU", "iFlytek"
_NAME = rf"{_WORD}(?:\s+(?:of|for|and|the|de)\s+{_WORD}|\s+{_WORD})*"
_POSSESSED = rf"(?:{_NAME}['’]s\s+)?{_NAME}"
_SAID = r"(?:said|says|added|warned|urged|stated|argued|denied|insisted|responded|confirmed|announced|vowed)"
_VERBS = rf"(?:{_SAID}|told|called|accused|declined to comment|did not respond|issued)"
_GROUPS = r"(?:lawmakers|legislators|officials|analysts|diplomats|investors|critics|activists|the government)"
_SPEAKER = [
    re.compile(rf"spokes(?:man|woman|person) for (?P<who>{_NAME})"),
    re.compile(rf"(?P<who>{_POSSESSED}),? (?:a |an |the )?spokes(?:man|woman|person)"),
    re.compile(
        rf"(?P<who>{_POSSESSED})\s+(?:spokes(?:man|woman|person)\s+)?(?:has\s+|had\s+|also\s+|on\s+\w+\s+)?"
        rf"{_VERBS}\b"
    ),
    re.compile(
        rf"(?P<who>{_NAME}),\s+(?:a|an|the)\s[^,]{{3,90}}?,?\s+{_VERBS}\b"
    ),  # "Nick Marro, an analyst … told"
    re.compile(rf"[,”\"]\s*{_SAID}\s+(?:Mr|Ms|Mrs|Dr)?\.?\s*(?P<who>{_NAME})"),  # "…,” said Yang Jie"
    re.compile(rf"\b(?P<who>{_GROUPS})\s+(?:have\s+|has\s+|had\s+)?{_VERBS}\b", re.IGNORECASE),
]
# Names that are the reporting, not an actor in the story.
_MEDIA = re.compile(
    r"\b(?:Times|Reuters|Bloomberg|Jazeera|Post|Journal|News|Nikkei|Herald|Ledger|Wire|"
    r"Tribune|Guardian|AP|AFP|CNN|BBC|paper|newspaper|report|reports)\b"
)
_NOT_ACTOR = {
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "this",
    "that",
    "there",
    "but",
    "and",
    "in",
    "on",
    "the",
    "a",
    "an",
    "if",
    "when",
    "while",
    "meanwhile",
    "separately",
    "since",
    "last",
    "earlier",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
}


def actor_of(text: str) -> str | None:
    """The named speaker or actor of a claim ("China's Foreign Ministry", "Megvii", "lawmakers"), if any:
    the first one the text names. A claim whose first speaker is the press ("The Times said") reports,
    and has no actor."""
    found = []
    for pattern in _SPEAKER:
        for m in pattern.finditer(text):
            words = re.sub(r"^(?:The|A|An|Mr|Ms|Mrs|Dr)\.?\s+", "", m.group("who").strip(" ,.")).split()
            while words and words[0].lower() in _NOT_ACTOR:
                words = words[1:]
            if words:
                found.append((m.start("who"), " ".join(words)))
    if not found:
        return None
    _, who = min(found)
    return None if _MEDIA.search(who) else who


def actor_key(actor: str) -> str:
    """One key for one actor however the passages name it: "Hikvision's" and "Hikvision" alike."""
    return re.sub(r"['’]s\b", "", actor).lower().strip()


def same_actor(a: str, b: str) -> bool:
    """Whether two actor keys name one actor: "yang" and "yang jie", "pompeo" and "mike pompeo"."""
    x, y = set(a.split()), set(b.split())
    return bool(x and y) and (x <= y or y <= x)


def group_of(actor: str | None, keys: Iterable[str]) -> str:
    """The key among `keys` that names the same actor, else this actor's own key."""
    key = actor_key(actor or "")
    return next((k for k in keys if same_actor(k, key)), key)


# --------------------------------------------------------------------------------------------------
# Gathering
# --------------------------------------------------------------------------------------------------


def retrieve(ctx: Context, queries: Sequence[str], k: int | None = None) -> list[Chunk]:
    """Each query's hits, merged rank by rank (every query contributes its best passages first), without
    repeats, each checked to lie in the window."""
    lists = [ctx.retriever.search(q, k or ctx.settings.brief_passages, ctx.filters) for q in queries]
    merged: dict[str, Chunk] = {}
    for rank in range(max((len(h) for h in lists), default=0)):
        for hits in lists:
            if rank < len(hits):
                merged.setdefault(hits[rank].chunk.id, hits[rank].chunk)
    return ctx.in_window(merged.values())


def claims_from(ctx: Context, topic: str, chunks: Sequence[Chunk]) -> list[Claim]:
    """The claims of `chunks` about `topic`, most relevant first, the same statement in several articles
    merged into one claim; a window scoring under `claim_min_score` against the topic is off it, and one
    that cannot be read alone (`standalone_window`) is taken with its resolving sentence or not at all."""
    tuning = ctx.settings.briefs
    ranked = [
        ev
        for found in rank_sentences(topic, chunks, ctx.embedder, ctx.settings.extract)
        if found.score >= tuning.claim_min_score
        and (ev := standalone_window(found)) is not None
        and len(ev.text.split()) >= tuning.claim_min_words
        and not ev.text.endswith("?")
    ]
    if not ranked:
        return []
    vectors = embed_cached([ev.text for ev in ranked], ctx.embedder)
    claims: list[Claim] = []
    stems: list[set[str]] = []
    for ev in ranked:
        near = next((i for i, c in enumerate(claims) if overlap(ev, c.evidence)), None)
        if near is not None:  # a window sharing a sentence with a claim's: one claim over both, if short
            c = claims[near]
            start, end = min(c.evidence.start, ev.start), max(c.evidence.end, ev.end)
            if c.chunk.id == ev.chunk.id and len(split_sentences(c.chunk.text[start:end])) <= MAX_SENTENCES:
                grown = Evidence(c.chunk, start, end, c.relevance)
                claims[near] = Claim(grown, c.relevance, actor_of(grown.text), c.vector, c.also)
                stems[near] = content_stems(grown.text)
            continue
        vec, words = vectors[ev.text], content_stems(ev.text)
        twin = next(
            (i for i, c in enumerate(claims) if same_claim(vec, words, c.vector, stems[i], tuning)), None
        )
        if twin is None:
            claims.append(Claim(ev, ev.score, actor_of(ev.text), vec))
            stems.append(words)
            continue
        c = claims[twin]
        also = (
            (*c.also, ev)
            if ctx.store.story_of(ev.chunk.article_id) != ctx.store.story_of(c.chunk.article_id)
            else c.also
        )
        if richer(ev.text, c.text):  # the same statement, where one outlet gives more of it: state that one
            claims[twin] = Claim(
                ev,
                max(ev.score, c.relevance),
                actor_of(ev.text) or c.actor,
                vec,
                (*(e for e in also if e is not ev), c.evidence),
            )
            stems[twin] = words
        else:
            claims[twin] = Claim(c.evidence, c.relevance, c.actor, c.vector, also)
    return claims


def richer(text: str, than: str) -> bool:
    """Whether `text` names all that `than` names, and more: a fuller version of the same claim."""
    mine, theirs = set(names(text)), set(names(than))
    return theirs < mine


def same_claim(
    vec: np.ndarray, words: set[str], other_vec: np.ndarray, other_words: set[str], tuning: BriefTuning
) -> bool:
    """Whether two windows state one claim: near in meaning, or the longer holding most of the shorter's
    content words."""
    if float(vec @ other_vec) >= tuning.same_claim_cosine:
        return True
    shorter = min(len(words), len(other_words))
    return bool(shorter) and len(words & other_words) >= tuning.same_claim_overlap * shorter
