"""Whether a checked answer answers what was asked, and what it says when it does not.

The support check (`cite.py`) certifies that each sentence is true to its passage, not that the sentences
answer the question; a cited, supported answer about the wrong thing looks verified, which is worse for a
policy team than no answer. So beside it: the answer must state something of the asked kind about the
asked subject (`asked.holds`), in a supported sentence or in the passage sentence it cites. Where no
sentence does, the reader is told plainly what the sources do not give, with the closest checked
sentences kept as such; where one part of a two-part question is answered, the other part is named as
missing. Nothing is invented to bridge the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from briefing.asked import Asked, Kind
from briefing.chunk import split_sentences
from briefing.cite import GAP_OPENING, NOT_IN_SOURCES, CheckedText
from briefing.extract import cite
from briefing.holds import holds
from briefing.signals import content_stems


class Status(StrEnum):
    ANSWERED = "answered"
    PARTIAL = "partly answered"
    NOT_GIVEN = "not given"  # the sources hold something close, not what was asked
    NO_SOURCES = "not in sources"  # nothing retrieved answers at all


@dataclass(frozen=True)
class Coverage:
    """What a checked answer covers of the question: its status and the asked things it does not give."""

    status: Status
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"status": self.status.value, "missing": list(self.missing)}


def _passage_sentence(check: CheckedText, n: int, claim: str) -> tuple[str, str]:
    """The sentence of passage [n] that `claim` rests on (of the stretches the check found supporting the
    sentences citing [n], the sentence sharing most words with `claim`), and what comes before it (the
    text before, the article's title): who "he" is, or what "the company" is, is said there."""
    c = next(c for c in check.citations if c.n == n)
    words = content_stems(claim)
    spans = c.spans or ((c.quote_start, c.quote_end),)
    sentences = [(lo + s.start, lo + s.end) for lo, hi in spans for s in split_sentences(c.chunk.text[lo:hi])]
    start, end = max(sentences, key=lambda se: len(content_stems(c.chunk.text[se[0] : se[1]]) & words))
    return c.chunk.text[start:end], f"{c.chunk.title}. {c.chunk.text[max(0, start - 300) : start]}"


def coverage(asked: Asked, check: CheckedText) -> Coverage:
    """Which parts of `asked` a supported sentence of `check` (or the passage sentence it cites) holds."""
    if check.text.strip() == NOT_IN_SOURCES:
        return Coverage(Status.NO_SOURCES, (asked.describe(),))
    supported = [s for s in check.sentences if s.supported and s.cited]
    parts = asked.parts or (asked,)
    missing = []
    for part in parts:
        if not any(
            (
                part.kind is not Kind.STATEMENT  # who said it must be the source's attribution, not the
                and holds(part, s.text, " ".join(_passage_sentence(check, n, s.text)[1] for n in s.cited))
            )  # writer's: "Batke said [what the article says]" is no statement of Batke's
            or any(holds(part, *_passage_sentence(check, n, s.text)) for n in s.cited)
            for s in supported
        ):
            missing.append(part.describe())
    if not missing:
        return Coverage(Status.ANSWERED)
    if len(missing) < len(parts):
        return Coverage(Status.PARTIAL, tuple(missing))
    return Coverage(Status.NOT_GIVEN, tuple(missing))


def honest_text(text: str, check: CheckedText, cover: Coverage) -> str:
    """The answer as the reader gets it: as checked when it answers; with the missing part named when it
    answers part; else what the sources do not give, then the closest passages in the sources' own words
    (a writer's sentence about them could claim what they do not, such as who said them)."""
    if cover.status in (Status.ANSWERED, Status.NO_SOURCES):
        return text
    gaps = " ".join(f"{GAP_OPENING} {m}." for m in cover.missing)
    if cover.status is Status.PARTIAL:
        return f"{text} {gaps}"
    closest = dict.fromkeys(
        cite(" ".join(_passage_sentence(check, n, s.text)[0].split()), [n])
        for s in check.sentences
        if s.supported and s.cited
        for n in s.cited[:1]
    )
    return f"{gaps} Closest in the sources: {' '.join(closest)}" if closest else NOT_IN_SOURCES


def declined(status: Status | str) -> bool:
    """Whether an answer tells the reader the sources do not give what was asked."""
    return Status(status) in (Status.NOT_GIVEN, Status.NO_SOURCES)
