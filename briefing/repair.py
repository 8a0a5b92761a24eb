"""Repair before withholding: what a checked draft becomes before the reader sees it.

The checker says which sentences of a draft its cited passages do not support. Withholding the whole draft
for one bad sentence loses the good ones, and showing it flagged hands the reader a defect. So each
sentence is mended instead:
- a supported sentence keeps only the citations it needs (one, where one passage supports it alone);
- an unsupported one is cited to the passage that does support it, when one does (an uncited sentence,
  or one citing the neighbour of its passage), unless no passage can (a word or two, an order to a model);
- else it is replaced by the evidence window closest to what it tried to say, as the source has it and
  cited; or dropped, when that window is already in the text.
What is left is checked again by the caller, so the reader only ever sees checked text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from briefing.actors import ACTOR_REASON, predicate_words
from briefing.cite import NOT_IN_SOURCES, CheckedText, SentenceCheck, support_signals, unsupportable
from briefing.config import CheckerTuning
from briefing.embeddings import Embedder, embed_cached
from briefing.evidence import Evidence
from briefing.extract import cite, cite_window
from briefing.models import Chunk
from briefing.signals import content_stems


@dataclass(frozen=True)
class Repair:
    """One change made to a draft: `kind` is pruned (citations removed), cited (a citation given), recited
    (its citation moved to the passage that supports it), replaced or dropped."""

    kind: str
    draft: str
    reason: str
    text: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "draft": self.draft, "reason": self.reason, "text": self.text}


def needed_citations(
    s: SentenceCheck, sources: Sequence[Chunk], embedder: Embedder, checker: CheckerTuning
) -> tuple[int, ...]:
    """The cited passages a supported sentence needs: the best one alone when it supports the sentence by
    itself, else those that hold some of it (a citation whose passage shares nothing with it goes)."""
    if len(s.cited) < 2:
        return s.cited
    alone = {n: support_signals(s.text, [sources[n - 1]], embedder) for n in s.cited}
    scores = {n: 0.0 if sig.hard_failure(checker) else sig.score(checker) for n, sig in alone.items()}
    best = max(s.cited, key=scores.__getitem__)
    if scores[best] >= checker.support_threshold:
        return (best,)
    return tuple(n for n in s.cited if alone[n].recall > 0.25 or n == best)


def supporting_passage(
    text: str, sources: Sequence[Chunk], embedder: Embedder, checker: CheckerTuning
) -> int | None:
    """The number of the source that supports `text` alone best, if one passes the check: a small model
    often states a passage's fact and forgets its marker, or cites its neighbour."""
    best, n_best = checker.support_threshold, None
    for n, chunk in enumerate(sources, start=1):
        sig = support_signals(text, [chunk], embedder)
        if not sig.hard_failure(checker) and sig.score(checker) >= best:
            best, n_best = sig.score(checker), n
    return n_best


def _closest(
    claim: str, evidence: Sequence[Evidence], embedder: Embedder, words: set[str] = frozenset()
) -> Evidence | None:
    """The evidence window nearest the claim; with `words`, the one holding most of them first (a claim
    that named the wrong actor is nearest to the window about that actor, not to the one stating what it
    claimed)."""
    if not evidence:
        return None
    texts = [ev.text for ev in evidence]
    vecs = embed_cached([*texts, claim], embedder)
    sims = np.stack([vecs[t] for t in texts]) @ vecs[claim]
    return max(zip(evidence, sims), key=lambda e: (len(content_stems(e[0].text) & words), e[1]))[0]


def repair(
    checked: CheckedText,
    sources: Sequence[Chunk],
    evidence: Sequence[Evidence],
    embedder: Embedder,
    checker: CheckerTuning,
) -> tuple[str, list[Repair]]:
    """The draft with every sentence supported, pruned, replaced or dropped, and what was done. Returns
    the fixed not-in-sources reply when nothing is left; the caller decides whether evidence can stand in."""
    number = {c.id: n for n, c in enumerate(sources, start=1)}
    out: list[str] = []
    used: set[tuple[str, int, int]] = set()
    repairs: list[Repair] = []
    claims = [s for s in checked.sentences if s.reason != "not-in-sources reply"]
    for s in claims:
        if s.supported:
            ns = needed_citations(s, sources, embedder, checker)
            if ns != s.cited:
                dropped = ", ".join(f"[{n}]" for n in s.cited if n not in ns)
                repairs.append(
                    Repair("pruned", s.text, f"{dropped} not needed: another cited passage supports it")
                )
            out.append(cite(s.text, ns))
            continue
        n = None if unsupportable(s.text) else supporting_passage(s.text, sources, embedder, checker)
        if n is not None:
            kind = "cited" if not s.cited else "recited"
            repairs.append(Repair(kind, s.text, s.reason, f"[{n}] supports it"))
            out.append(cite(s.text, [n]))
            continue
        misattributed = s.reason.startswith(ACTOR_REASON) or any(
            support_signals(s.text, [c], embedder).wrong_actor for c in sources
        )  # uncited, it failed as such; a passage stating it of another actor is why no passage supports it
        words = predicate_words(s.text) if misattributed else set()
        ev = _closest(s.text, evidence, embedder, words)
        key = (ev.chunk.id, ev.start, ev.end) if ev else None
        if ev is None or key in used or ev.text in " ".join(out):
            repairs.append(Repair("dropped", s.text, s.reason))
            continue
        used.add(key)
        text = cite_window(ev, number[ev.chunk.id])
        repairs.append(Repair("replaced", s.text, s.reason, text))
        out.append(text)
    return (" ".join(out) if out else NOT_IN_SOURCES), repairs
