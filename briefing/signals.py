"""What a claim is compared with its passage on: content words, names, numbers, quotes, negation.

Cheap text signals, since no entailment model runs offline (`cite.py` says how they are combined). The
evidence ranking and the brief's claims use the same words and names, so that "mentions X" means one thing
everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from briefing.config import CheckerTuning

_STEM = Stemmer.Stemmer("english")
_NEGATIONS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot"}
_STOP = (
    set(STOPWORDS_EN_PLUS)
    | {"said", "says", "say", "also", "would", "could", "may", "might", "per", "cent", "percent", "us"}
) - _NEGATIONS
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_NAME_RE = re.compile(r"(?<![.!?]\s)\b([A-Z][a-zA-Z]+|[A-Z]{2,})\b")
NOT_NAMES = {
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
        if w not in NOT_NAMES and m.start() > 0:
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
    """Every word's stem, stop words too ("US" is one, and a name), and a name's other spellings."""
    stems = {_STEM.stemWord(w) for w in _words(text)}
    for group in _ALIAS_STEMS:
        if stems & group:
            stems |= group
    return stems


def has_negation(text: str) -> bool:
    """Whether the text negates: a claim and its passage that disagree on it lose support."""
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


def passage_values(text: str) -> set[float]:
    """Every number a passage states, in digits, words or Roman numerals ("Artemis I", "Charles III")."""
    vals: set[float] = {float(_ROMAN_VALUES[m.group(1)]) for m in _ROMAN.finditer(text)}
    for n in numbers(text):
        vals |= n.values
    for w in _words(text):
        if w in _NUMBER_WORDS:
            vals.add(_NUMBER_WORDS[w])
    return vals


def number_found(n: _Number, values: set[float]) -> bool:
    """Whether a claim's number is one the passage states."""
    if n.values & values:
        return True
    if n.hedged:  # "about 60%" is supported by 59.6%: allow rounding to the claim's precision
        for v in n.values:
            for p in values:
                if round(p, n.decimals) == v:
                    return True
    return False


_QUOTE = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")


def quotes(text: str) -> list[str]:
    """The quoted strings of a claim: each must stand in its passage, or the quote is invented."""
    return [q.strip(" ,.") for q in _QUOTE.findall(text) if q.strip(" ,.")]


def quote_norm(text: str) -> str:
    """Stemmed word sequence, without a leading article: "the doomsday glacier" matches “doomsday
    glacier”, and "reflect the world" matches "reflecting the world" (a quote cut mid-word)."""
    words = _words(text)
    while words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(_STEM.stemWord(w) for w in words)


_DAY_WORDS = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July"
    r"|August|September|October|November|December|May(?=\s+\d))\b"
)


def day_words(text: str) -> list[str]:
    """The weekdays and months `text` names: a claim's "on Friday" is a fact like a figure, which the
    cited passage must give ("May" only before a number: elsewhere it is mostly the verb)."""
    return list(dict.fromkeys(_DAY_WORDS.findall(text)))


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
    missing_dates: tuple[str, ...] = ()  # a weekday or month the passages do not give
    wrong_actor: str = ""  # who the claim says acted or spoke, when the passage says someone else did

    def score(self, checker: CheckerTuning) -> float:
        """Weighted support in 0..1, cut by the hard-fail factor when a number or quote (or a name, with
        `names_hard`) is missing, or the actor is not the passage's."""
        c = checker
        total = c.w_cosine + c.w_recall + c.w_names
        s = (c.w_cosine * max(self.cosine, 0.0) + c.w_recall * self.recall + c.w_names * self.names) / total
        if self.negation_mismatch:
            s -= c.negation_penalty
        if self.hard_failure(checker):
            s *= c.hard_fail_factor
        return min(1.0, max(0.0, s))

    def hard_failure(self, checker: CheckerTuning) -> bool:
        """A fact in the claim that the passage lacks, whatever the other signals say: a figure, a quote, a
        date, a name, or who did it."""
        return bool(
            self.missing_numbers
            or self.missing_quotes
            or self.missing_dates
            or self.wrong_actor
            or (checker.names_hard and self.missing_names)
        )


def left_out(line: str, claim: str) -> list[str]:
    """The names and figures of `claim` that `line` does not state."""
    held = all_stems(line)
    values = {v for n in numbers(line) for v in n.values}
    return [word for stem, word in names(claim).items() if stem not in held] + [
        n.text for n in numbers(claim) if not n.values & values
    ]
