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

from briefing.asked import Asked, holds
from briefing.cite import GAP_OPENING, NOT_IN_SOURCES, CheckedText


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


def _passage_sentence(check: CheckedText, n: int) -> tuple[str, str]:
    """The sentence of passage [n] the answer rests on, and what comes before it (the sentence before, the
    article's title): who "he" is, or what "the company" is, is said there."""
    c = next(c for c in check.citations if c.n == n)
    before = c.chunk.text[max(0, c.quote_start - 300) : c.quote_start]
    return c.quote, f"{c.chunk.title}. {before}"


def coverage(asked: Asked, check: CheckedText) -> Coverage:
    """Which parts of `asked` a supported sentence of `check` (or the passage sentence it cites) holds."""
    if check.text.strip() == NOT_IN_SOURCES:
        return Coverage(Status.NO_SOURCES, (asked.describe(),))
    supported = [s for s in check.sentences if s.supported and s.cited]
    parts = asked.parts or (asked,)
    missing = []
    for part in parts:
        if not any(
            holds(part, s.text, " ".join(_passage_sentence(check, n)[1] for n in s.cited))
            or any(holds(part, *_passage_sentence(check, n)) for n in s.cited)
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
    answers part; else what the sources do not give, then the closest checked sentences, labelled."""
    if cover.status in (Status.ANSWERED, Status.NO_SOURCES):
        return text
    gaps = " ".join(f"{GAP_OPENING} {m}." for m in cover.missing)
    if cover.status is Status.PARTIAL:
        return f"{text} {gaps}"
    kept = _supported_text(check)
    return f"{gaps} Closest in the sources: {kept}" if kept else NOT_IN_SOURCES


def _supported_text(check: CheckedText) -> str:
    return " ".join(check.text[s.start : s.end].strip() for s in check.sentences if s.supported and s.cited)


def declined(status: Status | str) -> bool:
    """Whether an answer tells the reader the sources do not give what was asked."""
    return Status(status) in (Status.NOT_GIVEN, Status.NO_SOURCES)
