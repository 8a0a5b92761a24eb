"""A notebook's source guide: what it holds (articles, outlets, dates), one line per recent article, and
questions worth asking drawn from the articles themselves, with no language model: about the people and
bodies the articles are most about, by mentions across articles ("What is the Trump administration
doing?", "What did Hikvision say?"), not the first names found.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from briefing.chunk import split_sentences
from briefing.store import Store

LEAD_WORDS = 8  # a first sentence shorter than this is a dateline or a caption, not the article's lead
# An actor is a name (up to four capitalised words), or a name and the body it heads ("Trump administration",
# "US lawmakers"), that the text shows speaking or acting: followed by a verb of saying or doing.
_HEADS = ("administration", "government", "lawmakers", "legislators", "senators", "officials", "council",
          "ministry", "department", "regulators", "spokesman", "spokeswoman")  # fmt: skip
_WORD = r"(?:[A-Z]\.){2,}|[A-Z][\w’'&-]*"  # "U.S." whole; a full stop after any other word ends it
_NAME = re.compile(rf"\b((?:(?:{_WORD})(?:['’]s)? ){{0,3}}(?:{_WORD})(?: (?:{'|'.join(_HEADS)}))?)(?![\w’'])")
_SAYS = r"said|says|told|stated|warned|added|denied|declined"
_DOES = r"is|are|was|were|has|have|had|will|would|could|may|might|did|does|plans|wants|accused|urged|called"
_SPEAKS = re.compile(rf"^,?(?: \w+ly)? (?:{_SAYS})\b")
_ACTS = re.compile(rf"^,?(?: \w+ly)? (?:{_SAYS}|{_DOES}|opposes|considers|considering)\b")
_NOT_NAMES = {
    "The", "A", "An", "He", "She", "They", "It", "We", "I", "You", "This", "That", "These", "Those", "But",
    "And", "Or", "In", "On", "At", "For", "According", "Its", "His", "Her", "Their", "Our", "If", "As",
    "While", "When", "Some", "By", "With", "After", "Before", "Members", "Meanwhile", "Also", "So", "Yet",
}  # fmt: skip
# Countries and their people are where the news happens, seldom whom a question should ask about: their
# governments are named as actors ("Trump administration", "China's Foreign Ministry").
PLACES = {
    "US", "U.S.", "USA", "America", "American", "Americans", "United States", "China", "Chinese", "Beijing",
    "Washington", "Britain", "British", "UK", "EU", "Europe", "European", "Russia", "Russian", "Japan",
    "Japanese", "India", "Indian", "Germany", "German", "France", "French", "Hong Kong", "Taiwan",
}  # fmt: skip
# Names asked about with "the" ("the Commerce Department"), as a lower-case head is ("the administration").
_INSTITUTIONS = {"Department", "Ministry", "House", "Council", "Commission", "Committee", "Agency", "Office",
                 "Board", "Senate", "Congress", "Bank"}  # fmt: skip


@dataclass(frozen=True)
class Lead:
    article_id: str
    title: str
    outlet: str
    published: date | None
    lead: str


@dataclass
class SourceGuide:
    articles: int
    outlets: list[tuple[str, int]]  # outlet, articles, most first
    earliest: date | None
    latest: date | None
    leads: list[Lead] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["earliest"], d["latest"] = (x.isoformat() if x else None for x in (self.earliest, self.latest))
        d["leads"] = [
            {**asdict(x), "published": x.published.isoformat() if x.published else None} for x in self.leads
        ]
        return d


def lead_of(text: str, limit: int = 220) -> str:
    """The article's first real sentence, cut at a word."""
    for s in split_sentences(text):
        sentence = text[s.start : s.end].strip()
        if len(sentence.split()) >= LEAD_WORDS:
            return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"
    return ""


def _bare(name: str) -> str:
    return re.sub(r"['’]s$", "", name)


def _key(name: str) -> str:
    """What two forms of one actor share: "US Commerce Department" is the Commerce Department, and the
    administration is one, whoever's name it carries; "US government" and "Chinese government" stay two."""
    words = name.split()
    if words[-1] == "administration":
        return "administration"
    while len(words) > 1 and _bare(words[0]) in PLACES and words[1][:1].isupper():
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class Actor:
    """Someone the articles are about: the form most written, in how many articles, how often it is shown
    acting, and whether it is quoted."""

    name: str
    articles: int
    acts: int
    speaks: bool

    @property
    def question(self) -> str:
        last = self.name.split()[-1]
        the = "the " if last.islower() or last in _INSTITUTIONS else ""
        return f"What did {the}{self.name} say?" if self.speaks else f"What is {the}{self.name} doing?"


def actors(texts: list[str], n: int) -> list[Actor]:
    """The actors the articles are most about: mentioned in the most articles and shown acting or speaking
    the most (their product), not the first names found. A name shown only as a place or a passer-by (never
    acting) is not an actor."""
    seen: dict[str, set[int]] = {}
    acts: Counter[str] = Counter()
    speaks: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for i, text in enumerate(texts):
        for m in _NAME.finditer(text):
            words = m.group(1).split()
            while words and words[0] in _NOT_NAMES:
                words = words[1:]
            name = _bare(" ".join(words))
            if not name or name in PLACES:
                continue
            key = _key(name)
            seen.setdefault(key, set()).add(i)
            forms.setdefault(key, Counter())[name] += 1
            after = text[m.end() : m.end() + 40]
            acts[key] += bool(_ACTS.match(after))
            speaks[key] += bool(_SPEAKS.match(after))
    score = {key: len(seen[key]) * acts[key] for key in acts if acts[key]}
    ranked = sorted(score, key=lambda key: (-score[key], -len(seen[key]), key))[:n]
    return [Actor(forms[k].most_common(1)[0][0], len(seen[k]), acts[k], speaks[k] > 0) for k in ranked]


def source_guide(store: Store, recent: int = 20, questions: int = 4) -> SourceGuide:
    """The guide to the store's articles; leads and questions from the `recent` newest ones."""
    records = [r for r in store.article_records() if not r.article.duplicate_of]
    days = [r.article.published for r in records if r.article.published]
    outlets = sorted(Counter(r.article.source for r in records).items(), key=lambda o: (-o[1], o[0]))
    guide = SourceGuide(len(records), outlets, min(days, default=None), max(days, default=None))
    texts = []
    for r in records[:recent]:
        article = store.get_article(r.article.id)
        if article is None:
            continue
        texts.append(f"{article.title}\n{article.text}")
        guide.leads.append(
            Lead(article.id, article.title, article.source, article.published, lead_of(article.text))
        )
    guide.questions = [actor.question for actor in actors(texts, questions)]
    return guide
