"""Where sources give different figures for the same thing: "opened 10% lower" against "as much as 9.6
per cent". A brief states such a figure once, as a "Sources differ" note citing both sides, instead of
picking one source's number or stating both as if they agreed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from briefing.brief.claims import Claim
from briefing.brief.results import Disagreement, Side
from briefing.chunk import split_sentences
from briefing.models import Chunk
from briefing.signals import content_stems, numbers

SUBJECT_OVERLAP = 3  # shared content words for two figures to be about the same thing
QUOTE_CHARS = 170


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
        sentence = " ".join(chunk.text[s.start : s.end].split())
        by_kind: dict[str, tuple[set[float], set[str]]] = {}
        for n in numbers(sentence):
            if kind := _kind(n.text):
                at = sentence.find(n.text)
                before = sentence[:at].split()[-CONTEXT_WORDS:]
                after = sentence[at + len(n.text) :].split()[:CONTEXT_WORDS]
                values, context = by_kind.setdefault(kind, (set(), set()))
                values.update(n.values)
                context.update(_subject(" ".join(before + after)))
        if not by_kind:
            continue
        names = _subject(" ".join(re.findall(r"\b[A-Z][A-Za-z]+", sentence)))
        for kind, (values, context) in by_kind.items():
            out.append(
                _Figure(
                    chunk, sentence, kind, frozenset(values), _subject(sentence), names, frozenset(context)
                )
            )
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
        for b in figures[i + 1 :]:
            if a.kind != b.kind or a.values & b.values:
                continue
            if story_of(a.chunk.article_id) == story_of(b.chunk.article_id):
                continue
            shared = a.stems & b.stems
            if (
                len(shared) < SUBJECT_OVERLAP
                or not (a.names & b.names & shared)
                or not (a.context & b.context)
            ):
                continue
            pair = frozenset({a.chunk.id, b.chunk.id})
            if pair in seen:
                continue
            seen.add(pair)
            found.append(
                Disagreement(
                    a.kind,
                    tuple(sorted(shared)),
                    (
                        Side(a.chunk.id, a.chunk.source, _trim(a.sentence)),
                        Side(b.chunk.id, b.chunk.source, _trim(b.sentence)),
                    ),
                )
            )
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


def side_claims(disagreements: Sequence[Disagreement], claims: Sequence[Claim]) -> set[int]:
    """Indexes of the claims that state a side of a disagreement: the note states them, so no section
    states them again."""
    out = set()
    for d in disagreements:
        for side in d.sides:
            quote = content_stems(side.quote.strip("…"))
            for i, c in enumerate(claims):
                if (
                    c.chunk.id == side.chunk_id
                    and quote
                    and len(quote & content_stems(c.text)) >= 0.8 * len(quote)
                ):
                    out.add(i)
    return out
