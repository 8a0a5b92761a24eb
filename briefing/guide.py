"""A notebook's source guide: what it holds (articles, outlets, dates), one line per recent article, and
questions worth asking drawn from the articles themselves, with no language model: the people and bodies
the articles quote ("What did Lu Kang say?").
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
_SPEAKER = re.compile(
    r"\b((?:[A-Z][\w'’.-]+ ){0,3}[A-Z][\w'’.-]+),? (?:said|says|told|stated|warned|added)\b"
)
_NOT_SPEAKERS = {"He", "She", "They", "It", "We", "I", "The", "This", "That", "A", "An", "But", "And"}


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


def speakers(texts: list[str], n: int) -> list[str]:
    """Who the articles quote: those quoted by the most articles first, then by the most quotes."""
    articles: Counter[str] = Counter()
    quotes: Counter[str] = Counter()
    for text in texts:
        names = [m.group(1) for m in _SPEAKER.finditer(text)]
        names = [name for name in names if name.split()[0] not in _NOT_SPEAKERS]
        quotes.update(names)
        articles.update(set(names))
    return sorted(articles, key=lambda name: (-articles[name], -quotes[name], name))[:n]


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
        texts.append(article.text)
        guide.leads.append(
            Lead(article.id, article.title, article.source, article.published, lead_of(article.text))
        )
    guide.questions = [f"What did {name} say?" for name in speakers(texts, questions)]
    return guide
