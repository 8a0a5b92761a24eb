"""The extractive writer: source sentences as they were published, each cited. One writer for answers
and briefs, used when no language model runs and wherever a model's sentence must be replaced."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from briefing.chunk import split_sentences
from briefing.evidence import Evidence


def cite(sentence: str, ns: Sequence[int]) -> str:
    """`sentence` with its markers placed before the closing punctuation: "It rose [2]." """
    marks = "".join(f"[{n}]" for n in ns)
    m = re.search(r"([.!?][\"'”’)]*)$", sentence)
    return f"{sentence[: m.start()]} {marks}{m.group(1)}" if m else f"{sentence} {marks}"


def cite_window(ev: Evidence, n: int) -> str:
    """An evidence window as text, each of its sentences cited: a sentence the checker finds without a
    marker is unsupported, even when it came from the source."""
    text = ev.text
    return " ".join(cite(text[s.start : s.end].strip(), [n]) for s in split_sentences(text)) or cite(
        text, [n]
    )


def extract(evidence: Sequence[Evidence], number: Mapping[str, int]) -> str:
    """The windows in the order given, each cited by its passage's number in `number` (chunk id -> n)."""
    return " ".join(cite_window(ev, number[ev.chunk.id]) for ev in evidence)
