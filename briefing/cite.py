"""Check an answer's inline citations against the passages it was written from.

Product rule: a citation that does not resolve to a stored passage, or a claim its passage does not
support, is a defect the product must catch, not the reader. `check_citations` therefore
- removes markers that point at no passage (and reports them),
- splits the answer into sentences and gives each the markers that belong to it (a marker left after the
  full stop, or on the next line, still belongs to the sentence before),
- flags sentences that make a claim without a citation,
- scores how well the cited passages support each sentence and flags the weak ones.

No entailment model runs offline here (no model hub, no torch), so support is scored from cheap signals
whose combination and threshold were chosen by measurement (`bench/citations.py`; the values are
`Settings.checker`, `config.CheckerTuning`):
- cosine between the claim and the best window of 1-2 consecutive passage sentences (topic match),
- recall of the claim's stemmed content words in the passage (a different passage rarely has them),
- recall of the claim's names (a swapped name is the commonest small fabrication),
- hard checks: every number and every quoted string in the claim must occur in the cited passages.
It catches wrong passages, changed numbers, swapped names and invented quotes well; it is weak on
negations and on paraphrases that keep the words but change who did what (see the bench's table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from briefing.chunk import split_sentences
from briefing.config import CheckerTuning
from briefing.embeddings import Embedder, embed_cached
from briefing.models import Chunk

NOT_IN_SOURCES = "The sources provided do not answer this."
"""The fixed reply when the passages do not answer the question; it needs no citation."""
NO_CLAIM = ("heading", "markup", "not-in-sources reply")
"""Reasons a sentence makes no claim of its own (its citation, if any, is not checked)."""

MIN_CLAIM_WORDS = 2  # content words; fewer and no number ("In short,", "Yes.") is no checkable claim
MAX_RANGE = 50  # [1-3] expands; a wider "range" is a malformed marker, not 50 citations

# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """A marker [n] that resolved to a passage, with the sentence(s) of it that best support the claims
    citing it. `quote == chunk.text[quote_start:quote_end]`; `spans` are the stretches of the passage that
    support each supported sentence citing it (the quote among them), so a reader sees every one."""

    n: int
    chunk: Chunk
    quote: str
    quote_start: int
    quote_end: int
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def article_id(self) -> str:
        return self.chunk.article_id

    @property
    def title(self) -> str:
        return self.chunk.title

    @property
    def outlet(self) -> str:
        return self.chunk.source

    @property
    def outlets(self) -> list[str]:
        """Every outlet carrying the passage, so a reader sees a wire story's reach, not one name."""
        return self.chunk.outlets

    @property
    def published(self) -> date | None:
        return self.chunk.published

    @property
    def url(self) -> str | None:
        return self.chunk.url

    @property
    def path(self) -> str | None:
        return self.chunk.path

    def to_dict(self) -> dict[str, Any]:
        passage = self.chunk.to_dict()
        passage["chunk_start"], passage["chunk_end"] = passage.pop("start"), passage.pop("end")
        return {
            "n": self.n,
            **passage,
            "quote": self.quote,
            "quote_start": self.quote_start,
            "quote_end": self.quote_end,
            "spans": [list(s) for s in self.spans],
        }


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of the answer. `start`/`end` index `CheckedText.text`; `text` has its markers
    stripped. `support` is 0..1 over the cited passages together; `reason` says why it failed
    (empty when supported, or why it needs no citation)."""

    text: str
    start: int
    end: int
    cited: tuple[int, ...]
    support: float
    supported: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "cited": list(self.cited),
            "support": round(self.support, 4),
            "supported": self.supported,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CheckedText:
    """An answer after checking: `text` has dangling markers removed; `citations` are the passages it
    cites, by n; `unsupported` are the sentences a reader must not trust as written."""

    text: str
    citations: list[Citation]
    sentences: list[SentenceCheck]
    unsupported: list[SentenceCheck]
    removed_markers: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every marker resolved and every claim is supported."""
        return not self.unsupported and not self.removed_markers

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "ok": self.ok,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "unsupported": [s.to_dict() for s in self.unsupported],
            "removed_markers": [{"n": n, "reason": r} for n, r in self.removed_markers],
        }


# --------------------------------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------------------------------

MARKER = re.compile(r"\[\s*(\d+(?:\s*(?:[,;]|[-–—]|and)?\s*\d+)*)\s*\]")
_MARKER_PART = re.compile(r"(\d+)\s*[-–—]\s*(\d+)|(\d+)")


@dataclass(frozen=True)
class _Marker:
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


def _clean_markers(text: str, n_passages: int) -> tuple[str, list[_Marker], list[tuple[int, str]]]:
    """Rewrite markers to their valid numbers, drop those with none (with the space before them), and
    return the cleaned text, the kept markers' spans in it, and what was removed."""
    pieces: list[str] = []
    markers: list[_Marker] = []
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
            markers.append(_Marker(length, length, (), tuple(ns)))  # removed: its sentence lost a source
        if valid:
            marker = "[" + ", ".join(map(str, valid)) + "]" if valid != tuple(ns) else m.group(0)
            markers.append(_Marker(length, length + len(marker), valid))
            pieces.append(marker)
            length += len(marker)
        cursor = m.end()
    pieces.append(text[cursor:])
    return "".join(pieces), markers, removed


# --------------------------------------------------------------------------------------------------
# Sentences of the answer
# --------------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-•*+]|\d+[.)])\s+")


@dataclass
class _Span:
    start: int
    end: int
    whole_line: bool
    markers: list[_Marker] = field(default_factory=list)


def _answer_spans(text: str) -> list[_Span]:
    """Sentence spans of the answer, split at every line break too: model output puts headings and list
    items on single lines, which split_sentences (paragraph-level) would glue to the next sentence."""
    spans: list[_Span] = []
    for line in re.finditer(r"[^\n]+", text):
        line_text = line.group(0)
        found = split_sentences(line_text)
        for s in found:
            raw = line_text[s.start : s.end]
            lead = len(raw) - len(raw.lstrip())
            start, end = line.start() + s.start + lead, line.start() + s.start + len(raw.rstrip())
            if re.search(r"\w", text[start:end]):  # a bare bullet or a blanked marker is no sentence
                spans.append(_Span(start, end, whole_line=len(found) == 1))
    return spans


def strip_markers(text: str) -> str:
    """Claim text as checked: markers, list bullets and markdown emphasis removed, spacing tidied."""
    t = MARKER.sub("", text)
    t = _BULLET.sub("", t)
    t = re.sub(r"[*_`#>]+", " ", t)
    t = re.sub(r"\s+([.,;:!?])", r"\1", t)
    return re.sub(r"\s+", " ", t).strip()


def _attach_markers(spans: list[_Span], markers: list[_Marker]) -> list[_Span]:
    """Give each marker to its sentence. Spans come from text with markers blanked out, so a marker after
    the full stop ("... rose. [2]"), on its own line, or opening the next sentence lies between two
    sentences: it belongs to the one before unless that one has markers of its own."""
    between: list[_Marker] = []
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


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("’", "'").replace("‘", "'")).strip().lower()


_NOT_IN_SOURCES_NORM = _norm(NOT_IN_SOURCES).rstrip(".")


def _needs_citation(claim: str, raw: str, whole_line: bool) -> str | None:
    """None when the sentence makes a claim that needs a source, else why it might not: the fixed
    not-in-sources reply; "markup", a markdown or bold heading; "heading", a lead-in ending in ":" or a
    short unpunctuated line that is no list item and holds no number or marker (exempt only in briefs:
    in an answer, "PWNED" is such a line); or "no claim", under MIN_CLAIM_WORDS content words."""
    n = _norm(claim).rstrip(".!")
    if n == _NOT_IN_SOURCES_NORM:
        return "not-in-sources reply"
    stripped = raw.strip()
    if stripped.startswith("#") or re.fullmatch(r"\*\*[^*]+\*\*:?", MARKER.sub("", stripped).strip()):
        return "markup"
    words = claim.split()
    short_line = whole_line and len(words) <= 8 and not re.search(r"[.!?]['\"”’)]*$", claim)
    if stripped.endswith(":") or (
        short_line and not _BULLET.match(stripped) and not re.search(r"\d|\[", stripped)
    ):
        return "heading"
    if len(content_stems(claim)) < MIN_CLAIM_WORDS and not re.search(r"\d", claim):
        return "no claim"
    return None


# --------------------------------------------------------------------------------------------------
# Support signals
# --------------------------------------------------------------------------------------------------

_STEM = Stemmer.Stemmer("english")
_NEGATIONS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"}
_STOP = (
    set(STOPWORDS_EN_PLUS)
    | {"said", "says", "say", "also", "would", "could", "may", "might", "per", "cent", "percent", "us"}
) - _NEGATIONS
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_NAME_RE = re.compile(r"(?<![.!?]\s)\b([A-Z][a-zA-Z]+|[A-Z]{2,})\b")
_NOT_NAMES = {
    "I",
    "The",
    "A",
    "An",
    "But",
    "And",
    "In",
    "On",
    "At",
    "It",
    "He",
    "She",
    "They",
    "We",
    "This",
    "That",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "AM",
    "PM",
    "President",
    "Prime",
    "Minister",
    "Senator",
    "Sen",
    "Rep",
    "Governor",
    "Gov",
    "Secretary",
    "Chief",
    "Judge",
    "Justice",
    "General",
    "Gen",
    "King",
    "Queen",
    "Prince",
    "Princess",
    "Pope",
    "Mayor",
    "CEO",
}


def _words(text: str) -> list[str]:
    out = []
    for w in _WORD_RE.findall(text.replace("’", "'")):
        w = w.lower()
        if w.endswith("'s"):
            w = w[:-2]
        elif w.endswith("n't"):
            out.append("not")
            w = w[:-3]
        if w:
            out.append(w)
    return out


def content_stems(text: str) -> set[str]:
    """Stemmed content words, the same stemmer as the BM25 index; negations kept (they matter)."""
    return {_STEM.stemWord(w) for w in _words(text) if w not in _STOP}


def names(claim: str) -> dict[str, str]:
    """Capitalised words not opening the sentence (names, places, organisations), by stem."""
    found: dict[str, str] = {}
    for m in _NAME_RE.finditer(claim):
        w = m.group(1)
        if w not in _NOT_NAMES and m.start() > 0:
            found.setdefault(_STEM.stemWord(w.lower()), w)
    return found


# Names a passage may spell another way; a passage holding one holds them all.
_ALIASES = [
    {"us", "usa", "america", "american", "americans", "united", "states"},
    {"uk", "britain", "british", "england", "kingdom"},
    {"un", "nations"},
    {"eu", "european", "europe"},
]
_ALIAS_STEMS = [{_STEM.stemWord(w) for w in group} for group in _ALIASES]


def all_stems(text: str) -> set[str]:
    stems = {_STEM.stemWord(w) for w in _words(text)}
    for group in _ALIAS_STEMS:
        if stems & group:
            stems |= group
    return stems


def _has_negation(text: str) -> bool:
    return any(w in _NEGATIONS for w in _words(text))


_SCALE = {
    "thousand": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_NUMBER = re.compile(
    r"(?<![\w.])[$£€]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?"
    r"(?:\s*(%|per\s?cent|percent|percentage points?))?"
    r"(?:\s*(thousand|million|billion|trillion|bn|mn|tn|m|b)\b)?",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    w: float(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORDS.update(
    {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "dozen": 12,
        "half": 0.5,
    }
)
# Only approximations allow rounding ("about 60%" for 59.6%); bounds ("more than", "as much as") and bare
# numbers must match exactly, or "as much as 10%" would pass for a source's 9.6%.
_HEDGES = re.compile(
    r"\b(about|around|roughly|approximately|nearly|almost|some|close to|an estimated)\s*[$£€]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Number:
    text: str
    values: frozenset[float]  # the number as written and scaled ("2.9 million" -> {2.9, 2.9e6})
    decimals: int
    hedged: bool


def numbers(text: str) -> list[_Number]:
    """Numbers, percentages, money and years in `text`, normalised ("9.6 per cent" == "9.6%")."""
    out = []
    for m in _NUMBER.finditer(text):
        base = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        values = {base}
        if m.group(4):
            values.add(base * _SCALE[m.group(4).lower()])
        label = m.group(0).strip()
        out.append(
            _Number(
                label,
                frozenset(values),
                len(m.group(2) or "") - 1 if m.group(2) else 0,
                bool(_HEDGES.search(text[max(0, m.start() - 16) : m.start()])),
            )
        )
    return out


_ROMAN = re.compile(r"\b[A-Z][a-z]+ (I|II|III|IV|V|VI|VII|VIII|IX|X)\b(?!['’])")
_ROMAN_VALUES = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}


def _passage_values(text: str) -> set[float]:
    """Every number a passage states, in digits, words or Roman numerals ("Artemis I", "Charles III")."""
    vals: set[float] = {float(_ROMAN_VALUES[m.group(1)]) for m in _ROMAN.finditer(text)}
    for n in numbers(text):
        vals |= n.values
    for w in _words(text):
        if w in _NUMBER_WORDS:
            vals.add(_NUMBER_WORDS[w])
    return vals


def _number_found(n: _Number, values: set[float]) -> bool:
    if n.values & values:
        return True
    if n.hedged:  # "about 60%" is supported by 59.6%: allow rounding to the claim's precision
        for v in n.values:
            for p in values:
                if round(p, n.decimals) == v:
                    return True
    return False


_QUOTE = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")


def _quotes(text: str) -> list[str]:
    return [q.strip(" ,.") for q in _QUOTE.findall(text) if q.strip(" ,.")]


def _quote_norm(text: str) -> str:
    """Stemmed word sequence, without a leading article: "the doomsday glacier" matches “doomsday
    glacier”, and "reflect the world" matches "reflecting the world" (a quote cut mid-word)."""
    words = _words(text)
    while words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(_STEM.stemWord(w) for w in words)


@dataclass(frozen=True)
class SupportSignals:
    """The raw signals for one claim against one or more passages (exposed for the benchmark)."""

    cosine: float  # best window
    recall: float  # share of the claim's content stems in the passages
    names: float  # share of the claim's names in the passages (1 when it names none)
    negation_mismatch: bool  # claim and its best window disagree on negation
    missing_numbers: tuple[str, ...]
    missing_quotes: tuple[str, ...]
    missing_names: tuple[str, ...] = ()

    def score(self, checker: CheckerTuning) -> float:
        """Weighted support in 0..1, cut by the hard-fail factor when a number or quote (or a name, with
        `names_hard`) is missing."""
        c = checker
        total = c.w_cosine + c.w_recall + c.w_names
        s = (c.w_cosine * max(self.cosine, 0.0) + c.w_recall * self.recall + c.w_names * self.names) / total
        if self.negation_mismatch:
            s -= c.negation_penalty
        if self.hard_failure(checker):
            s *= c.hard_fail_factor
        return min(1.0, max(0.0, s))

    def hard_failure(self, checker: CheckerTuning) -> bool:
        """A fact in the claim that the passage lacks, whatever the other signals say."""
        return bool(
            self.missing_numbers or self.missing_quotes or (checker.names_hard and self.missing_names)
        )


# --------------------------------------------------------------------------------------------------
# Passage windows and their embeddings
# --------------------------------------------------------------------------------------------------


def _windows(chunk_text: str) -> tuple[list[tuple[int, int]], int]:
    """Spans of 1 and 2 consecutive sentences: a claim usually restates one or two sentences, and a
    whole-chunk embedding dilutes it with the rest of the passage."""
    sents = [(s.start, s.end) for s in split_sentences(chunk_text)] or [(0, len(chunk_text))]
    spans = list(sents)
    spans += [(sents[i][0], sents[i + 1][1]) for i in range(len(sents) - 1)]
    return spans, len(sents)


@dataclass
class _Prepared:
    """A passage's windows, their embeddings, and its words and numbers."""

    windows: list[tuple[int, int]]  # single sentences first, then pairs
    singles: int
    vectors: np.ndarray
    stems: set[str]
    word_stems: set[str]  # every word, stop words too ("US" is a stop word and a name)
    window_stems: list[set[str]]
    window_negated: list[bool]
    values: set[float]
    quote_text: str


def _prepare(
    chunks: Sequence[Chunk], embedder: Embedder, extra: Sequence[str] = ()
) -> tuple[list[_Prepared], dict[str, np.ndarray]]:
    """Prepare passages and embed them together with `extra` texts (the claims) in one call."""
    spans = [_windows(c.text) for c in chunks]
    window_texts = [c.text[s:e] for c, (sp, _) in zip(chunks, spans) for s, e in sp]
    vecs = embed_cached(window_texts + list(extra), embedder)
    prepared = []
    for c, (sp, singles) in zip(chunks, spans):
        prepared.append(
            _Prepared(
                windows=sp,
                singles=singles,
                vectors=np.stack([vecs[c.text[s:e]] for s, e in sp]),
                stems=content_stems(c.text),
                word_stems=all_stems(c.text),
                window_stems=[content_stems(c.text[s:e]) for s, e in sp],
                window_negated=[_has_negation(c.text[s:e]) for s, e in sp],
                values=_passage_values(c.text),
                quote_text=_quote_norm(c.text),
            )
        )
    return prepared, vecs


def _signals(claim: str, claim_vec: np.ndarray, passages: Sequence[_Prepared]) -> SupportSignals:
    """Signals of one claim against the union of its cited passages."""
    cos, neg_window = -1.0, False
    for p in passages:
        sims = p.vectors @ claim_vec
        i = int(np.argmax(sims))
        if sims[i] > cos:
            cos = float(sims[i])
            neg_window = p.window_negated[i]
    stems = set().union(*(p.stems for p in passages)) if passages else set()
    claim_stems = content_stems(claim)
    recall = len(claim_stems & stems) / len(claim_stems) if claim_stems else 1.0
    named = names(claim)
    words = set().union(*(p.word_stems for p in passages)) if passages else set()
    missing_names = tuple(w for stem, w in named.items() if stem not in words)
    name_recall = 1.0 - len(missing_names) / len(named) if named else 1.0
    values = set().union(*(p.values for p in passages)) if passages else set()
    missing_numbers = tuple(n.text for n in numbers(claim) if not _number_found(n, values))
    quote_text = " ".join(p.quote_text for p in passages)
    missing_quotes = tuple(q for q in _quotes(claim) if _quote_norm(q) not in quote_text)
    return SupportSignals(
        cos,
        recall,
        name_recall,
        _has_negation(claim) != neg_window,
        missing_numbers,
        missing_quotes,
        missing_names,
    )


def support_signals(claim: str, passages: Sequence[Chunk], embedder: Embedder) -> SupportSignals:
    """Signals of `claim` (markers stripped) against `passages` taken together."""
    prepared, vecs = _prepare(passages, embedder, [claim])
    return _signals(claim, vecs[claim], prepared)


def _reason(sig: SupportSignals, score: float, checker: CheckerTuning) -> str:
    if sig.missing_numbers:
        return "; ".join(f"number {n} not in passage" for n in sig.missing_numbers)
    if sig.missing_quotes:
        return "; ".join(f'quote "{q}" not in passage' for q in sig.missing_quotes)
    if checker.names_hard and sig.missing_names:
        return "; ".join(f"name {n} not in passage" for n in sig.missing_names)
    if score < checker.support_threshold:
        return "cited passage does not support it"
    return ""


# --------------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------------


def _merged(spans: set[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Overlapping or touching spans joined, in passage order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def _quote_span(claim: str, vec: np.ndarray, p: _Prepared) -> tuple[int, int]:
    """The passage sentence that best matches the claim, joined with a neighbour only when the neighbour
    holds several claim words the sentence lacks: a quote should be as short as the evidence allows."""
    stems = content_stems(claim)
    sims = p.vectors[: p.singles] @ vec
    quality = [
        0.5 * float(sims[i]) + 0.5 * (len(stems & p.window_stems[i]) / len(stems) if stems else 0.0)
        for i in range(p.singles)
    ]
    i = int(np.argmax(quality))
    start, end = p.windows[i]
    covered = stems & p.window_stems[i]
    gains = []
    for j in (i - 1, i + 1):
        if 0 <= j < p.singles:
            gains.append((len((stems & p.window_stems[j]) - covered), j))
    if gains:
        gain, j = max(gains)
        if gain >= max(2, 0.25 * len(stems)):
            start, end = min(start, p.windows[j][0]), max(end, p.windows[j][1])
    return start, end


def check_citations(
    text: str,
    passages: Sequence[Chunk],
    embedder: Embedder,
    *,
    checker: CheckerTuning,
    headings: bool = False,
) -> CheckedText:
    """Check the answer `text` whose markers [n] number `passages` from 1. A sentence without a citation
    is unsupported, whatever it says ("PWNED" is no claim, and no answer either); only the fixed
    not-in-sources reply needs none, and, with `headings`, a heading line a brief section wrote.

    Returns the text with dangling markers removed, the citations actually used (with the best-supporting
    quote of each passage), a verdict per sentence, and the list of sentences not to trust.
    """
    cleaned, markers, removed = _clean_markers(text, len(passages))
    blanked = MARKER.sub(lambda m: " " * len(m.group(0)), cleaned)  # markers confuse the splitter
    spans = _attach_markers(_answer_spans(blanked), markers)

    claims = [strip_markers(cleaned[sp.start : sp.end]) for sp in spans]
    cited_per_span = [tuple(dict.fromkeys(n for mk in sp.markers for n in mk.ns)) for sp in spans]
    used = sorted({n for ns in cited_per_span for n in ns})
    prepared_list, vecs = _prepare([passages[n - 1] for n in used], embedder, [c for c in claims if c])
    prepared = dict(zip(used, prepared_list))

    checks: list[SentenceCheck] = []
    best_quote: dict[int, tuple[tuple[bool, float], int, int]] = {}  # n -> (rank, start, end)
    supporting: dict[int, set[tuple[int, int]]] = {}  # n -> the spans of it that supported sentences rest on
    for sp, claim, cited in zip(spans, claims, cited_per_span):
        raw = cleaned[sp.start : sp.end]
        exempt = _needs_citation(claim, raw, sp.whole_line)
        if not cited:
            dangling = [n for mk in sp.markers for n in mk.dangling]
            if dangling and exempt != "not-in-sources reply":
                reason = "no citation: " + ", ".join(f"[{n}]" for n in dangling) + " points at no passage"
                checks.append(SentenceCheck(claim, sp.start, sp.end, (), 0.0, False, reason))
            else:
                ok = exempt in ("not-in-sources reply", "markup") or (headings and exempt == "heading")
                checks.append(
                    SentenceCheck(claim, sp.start, sp.end, (), 0.0, ok, exempt if ok else "no citation")
                )
            continue
        vec = vecs[claim]
        sig = _signals(claim, vec, [prepared[n] for n in cited])
        score = sig.score(checker)
        reason = _reason(sig, score, checker)
        if exempt in NO_CLAIM:
            reason = ""  # a cited heading makes no claim to check; a short cited line does
        checks.append(SentenceCheck(claim, sp.start, sp.end, cited, score, not reason, reason))
        for n in cited:
            # A claim citing only this passage is the one that must rest on it; among those, the best
            # supported picks the quote.
            rank = (len(cited) == 1, score)
            span = _quote_span(claim, vec, prepared[n])
            if n not in best_quote or rank > best_quote[n][0]:
                best_quote[n] = (rank, *span)
            if not reason:
                supporting.setdefault(n, set()).add(span)

    citations = []
    for n in used:
        chunk = passages[n - 1]
        _, s, e = best_quote.get(n, ((False, 0.0), 0, len(chunk.text)))
        spans = _merged(supporting.get(n, set()) | {(s, e)})
        citations.append(Citation(n, chunk, chunk.text[s:e], s, e, spans))
    return CheckedText(
        text=cleaned,
        citations=citations,
        sentences=checks,
        unsupported=[c for c in checks if not c.supported],
        removed_markers=removed,
    )
