"""The [n] markers of an answer and the sentences they belong to.

Models write markers loosely: "[2, 3]", "[1-3]", a marker after the full stop or on the next line, a number
past the passages they were given. Reading them is one job, apart from judging the claims (`cite.py`), so
that the checker, the brief writer and the app's renderer read a marker the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from briefing.chunk import split_sentences

MAX_RANGE = 50  # [1-3] expands; a wider "range" is a malformed marker, not 50 citations

MARKER = re.compile(r"\[\s*(\d+(?:\s*(?:[,;]|[-–—]|and)?\s*\d+)*)\s*\]")
_MARKER_PART = re.compile(r"(\d+)\s*[-–—]\s*(\d+)|(\d+)")


@dataclass(frozen=True)
class Marker:
    """A marker's place in the cleaned text and the passages it cites; a removed marker keeps its numbers
    in `dangling`, so its sentence can say which source it lost."""

    start: int  # in the cleaned text
    end: int
    ns: tuple[int, ...]
    dangling: tuple[int, ...] = ()  # numbers of a removed marker (its span is empty)


def parse_marker(body: str) -> list[int]:
    """Numbers in a marker body: "2, 3" -> [2, 3]; "1-3" -> [1, 2, 3]; order kept, repeats dropped.
    A range wider than MAX_RANGE yields its two ends only (it is malformed and will be reported)."""
    out: list[int] = []
    for m in _MARKER_PART.finditer(body):
        if m.group(3):
            ns = [int(m.group(3))]
        else:
            lo, hi = int(m.group(1)), int(m.group(2))
            ns = list(range(lo, hi + 1)) if 0 <= hi - lo <= MAX_RANGE else [lo, hi]
        out.extend(n for n in ns if n not in out)
    return out


def clean_markers(text: str, n_passages: int) -> tuple[str, list[Marker], list[tuple[int, str]]]:
    """Rewrite markers to their valid numbers, drop those with none (with the space before them), and
    return the cleaned text, the kept markers' spans in it, and what was removed."""
    pieces: list[str] = []
    markers: list[Marker] = []
    removed: list[tuple[int, str]] = []
    length = 0
    cursor = 0
    for m in MARKER.finditer(text):
        ns = parse_marker(m.group(1))
        valid = tuple(n for n in ns if 1 <= n <= n_passages)
        for n in ns:
            if not 1 <= n <= n_passages:
                removed.append((n, f"marker [{n}] points at no passage ({n_passages} given)"))
        before = text[cursor : m.start()]
        if not valid:
            before = before.rstrip(" \t")
        pieces.append(before)
        length += len(before)
        if not valid:
            markers.append(Marker(length, length, (), tuple(ns)))  # removed: its sentence lost a source
        if valid:
            marker = "[" + ", ".join(map(str, valid)) + "]" if valid != tuple(ns) else m.group(0)
            markers.append(Marker(length, length + len(marker), valid))
            pieces.append(marker)
            length += len(marker)
        cursor = m.end()
    pieces.append(text[cursor:])
    return "".join(pieces), markers, removed


BULLET = re.compile(r"^\s*(?:[-•*+]|\d+[.)])\s+")


@dataclass
class Span:
    """One sentence of the answer: where it lies, whether it fills its line (a heading or a list item can),
    and the markers it owns."""

    start: int
    end: int
    whole_line: bool
    markers: list[Marker] = field(default_factory=list)


def answer_spans(text: str) -> list[Span]:
    """Sentence spans of the answer, split at every line break too: model output puts headings and list
    items on single lines, which split_sentences (paragraph-level) would glue to the next sentence."""
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        line_text = line.group(0)
        found = split_sentences(line_text)
        for s in found:
            raw = line_text[s.start : s.end]
            lead = len(raw) - len(raw.lstrip())
            start, end = line.start() + s.start + lead, line.start() + s.start + len(raw.rstrip())
            if re.search(r"\w", text[start:end]):  # a bare bullet or a blanked marker is no sentence
                spans.append(Span(start, end, whole_line=len(found) == 1))
    return spans


def strip_markers(text: str) -> str:
    """Claim text as checked: markers, list bullets and markdown emphasis removed, spacing tidied."""
    t = MARKER.sub("", text)
    t = BULLET.sub("", t)
    t = re.sub(r"[*_`#>]+", " ", t)
    t = re.sub(r"\s+([.,;:!?])", r"\1", t)
    return re.sub(r"\s+", " ", t).strip()


def attach_markers(spans: list[Span], markers: list[Marker]) -> list[Span]:
    """Give each marker to its sentence. Spans come from text with markers blanked out, so a marker after
    the full stop ("... rose. [2]"), on its own line, or opening the next sentence lies between two
    sentences: it belongs to the one before unless that one has markers of its own."""
    between: list[Marker] = []
    for mk in markers:
        inside = next((sp for sp in spans if sp.start <= mk.start < sp.end), None)
        if inside:
            inside.markers.append(mk)
        else:
            between.append(mk)
    own = {id(sp): bool(sp.markers) for sp in spans}
    for mk in between:
        before = [sp for sp in spans if sp.end <= mk.start]
        after = [sp for sp in spans if sp.start >= mk.end]
        if before and (not own[id(before[-1])] or not after):
            before[-1].markers.append(mk)
        elif after:
            after[0].markers.append(mk)
    return spans
