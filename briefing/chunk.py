"""Sentence- and paragraph-aware chunking with exact character offsets.

Chunks are built from whole sentences so a cited passage never starts mid-sentence, and every chunk is a
contiguous slice of the cleaned article (`text[start:end] == chunk text`), so a citation can point at the
exact place it came from. Sentences another outlet already stored (shared wire copy) are left out of the
new article's chunks; `dedupe` records the new outlet on the stored copy instead.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import blingfire

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=\s*[-•*]\s)")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Sentence:
    """A sentence's span in the cleaned article and the paragraph it belongs to."""

    start: int
    end: int
    paragraph: int
    words: int


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text`, never crossing a paragraph break (blingfire would join a heading to the next
    paragraph). Offsets index into `text`."""
    sentences: list[Sentence] = []
    para_start = 0
    paragraph = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        para_end = brk.start() if brk else len(text)
        block = text[para_start:para_end]
        if block.strip():
            for s, e in _sentence_offsets(block):
                sentences.append(Sentence(para_start + s, para_start + e, paragraph, len(block[s:e].split())))
            paragraph += 1
        if brk:
            para_start = brk.end()
    return sentences


def _sentence_offsets(block: str) -> list[tuple[int, int]]:
    """Sentence spans in one paragraph. blingfire's own offset function is pure Python and dominated
    ingest time, so the fast sentence splitter's output is located in the block instead; where it changed
    the text (whitespace), fall back to the slow exact offsets."""
    found: list[tuple[int, int]] = []
    cursor = 0
    for sentence in blingfire.text_to_sentences(block).split("\n"):
        if not sentence.strip():
            continue
        at = block.find(sentence, cursor)
        if at < 0:
            _, offsets = blingfire.text_to_sentences_and_offsets(block)
            return [(s, e) for s, e in offsets if block[s:e].strip()]
        found.append((at, at + len(sentence)))
        cursor = at + len(sentence)
    return found


def _split_long(text: str, sentence: Sentence, max_words: int) -> list[Sentence]:
    """Cut a run-on "sentence" (transcripts, lists without punctuation) at word boundaries."""
    words = list(_WORD.finditer(text, sentence.start, sentence.end))
    pieces = []
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        pieces.append(Sentence(group[0].start(), group[-1].end(), sentence.paragraph, len(group)))
    return pieces


def chunk_spans(
    text: str,
    sentences: list[Sentence],
    *,
    target_words: int,
    overlap_words: int,
    exclude: Collection[int] = (),
) -> list[tuple[int, int]]:
    """Character spans of chunks over `sentences`, skipping the sentence indices in `exclude`.

    A chunk closes when the next sentence would pass `target_words`, or early at a paragraph break once it
    holds 60% of the target. The next chunk starts with the trailing sentences of the previous one, up to
    `overlap_words`, so a fact split across a boundary is whole in at least one chunk.
    """
    runs: list[list[Sentence]] = [[]]
    for i, s in enumerate(sentences):
        if i in exclude:
            runs.append([])
        elif s.words > 2 * target_words:
            runs[-1].extend(_split_long(text, s, target_words))
        else:
            runs[-1].append(s)

    spans: list[tuple[int, int]] = []
    for run in runs:
        i = 0
        while i < len(run):
            j, words = i, 0
            while j < len(run):
                if words and words + run[j].words > target_words:
                    break
                if words >= 0.6 * target_words and run[j].paragraph != run[j - 1].paragraph:
                    break
                words += run[j].words
                j += 1
            spans.append((run[i].start, run[j - 1].end))
            if j >= len(run):
                break
            # Step back over trailing sentences for the overlap, but always move forward.
            back, kept = j, 0
            while back - 1 > i and kept + run[back - 1].words <= overlap_words:
                back -= 1
                kept += run[back].words
            i = back
    return spans
