"""A headline per story of a weekly brief: short and written (actor and event), never a copied title cut
with "...", never a URL slug.

With a model, one small prompt (`prompts/headline.md`) writes it from the story's lead claims, and it is
checked like any sentence of a brief: every name and figure in it must be in those claims (the checker's
own name and figure extraction, `signals.py`), at most MAX_WORDS words, no "..." at the end. Without a model,
or when the check fails, the cleanest title of the story's articles stands: site suffixes (" - CNN",
" | Reuters") dropped, truncated titles and URL slugs passed over; when none is clean, the lead claim's
first clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlparse

from langchain_core.language_models import BaseChatModel

from briefing.llm import LLMError
from briefing.prompts import load_prompt, source_tag
from briefing.signals import all_stems, names, numbers, passage_values
from briefing.store import Store

MAX_WORDS = 12
LEAD_CLAIMS = 3
_SUFFIX = re.compile(r"\s+[-|–—]\s+(?:[A-Z][\w.&']*\s?){1,4}(?:\s+(?:News|Online|com))?$")
_TRUNCATED = re.compile(r"(?:\.\.\.|…)\s*$")
_ROUNDUP = re.compile(
    r"\b(?:\d+|five|three|ten)\s+things\s+to\s+know\b|\blive\s+(?:updates|blog|news)\b|\blatest\s+updates\b|"
    r"\bwhat\s+we\s+know\b|\bnews\s+(?:quiz|roundup|briefing)\b|\bmorning\s+briefing\b",
    re.I,
)


def slug(title: str, url: str | None = None) -> bool:
    """Whether a "title" is a URL slug ("Biden west trip camp hale colorado"): no punctuation, nothing
    capitalised after its first word, and its words in the URL's path (without a URL: five words or more)."""
    words = title.split()
    if not words or re.search(r"[^\w\s]", title) or any(w[0].isupper() for w in words[1:]):
        return False
    if url:
        path = re.split(r"[/\-_.]+", urlparse(url).path.lower())
        return all(w.lower() in path for w in words)
    return len(words) >= 5


def clean_title(title: str, url: str | None = None) -> str | None:
    """The title without a site suffix, or None when it cannot head a story: cut with "...", a slug,
    or a roundup page's ("5 things to know for Oct. 11: ...")."""
    title = " ".join(title.split())
    if not title or _TRUNCATED.search(title) or _ROUNDUP.search(title) or slug(title, url):
        return None
    stripped = _SUFFIX.sub("", title)
    return stripped if len(stripped.split()) >= 3 else title


def lead_clause(claim: str) -> str:
    """The first clause of a claim's first sentence, up to a comma when that leaves a statement of five
    words or more; its full stop dropped. A whole clause, never a cut."""
    first = re.split(r"(?<=[.!?])\s+", claim.strip(), maxsplit=1)[0]
    head = first.split(", ", 1)[0]
    chosen = head if len(head.split()) >= 5 and head != first else first
    return chosen.rstrip(" .")


def extractive_headline(titles: Sequence[tuple[str, str | None]], lead: str) -> str:
    """The cleanest of the story's article titles (its most central first), else the lead claim's clause."""
    for title, url in titles:
        if cleaned := clean_title(title, url):
            return cleaned
    return lead_clause(lead) if lead else next((t for t, _ in titles), "")


def headline_fault(headline: str, claims: Sequence[str]) -> str | None:
    """Why a written headline cannot stand, or None: a name or figure the claims do not give, too long,
    cut with "...", or empty."""
    words = headline.split()
    if not words:
        return "empty"
    if len(words) > MAX_WORDS:
        return f"{len(words)} words, more than {MAX_WORDS}"
    if _TRUNCATED.search(headline):
        return "ends with '...'"
    held, values = all_stems(" ".join(claims)), passage_values(" ".join(claims))
    # names() skips a sentence's first word (usually capitalised anyway); a headline's first word is a
    # name as often as not, so it is read after a neutral opening word.
    missing = [w for stem, w in names("so " + headline).items() if stem not in held]
    missing += [n.text for n in numbers(headline) if not n.values & values]
    return f"names what the claims do not: {', '.join(missing)}" if missing else None


def written_headline(model: BaseChatModel, claims: Sequence[str]) -> tuple[str, str | None]:
    """The model's headline from the lead claims, and why it was refused (None when it stands)."""
    sources = "\n".join(source_tag(n, text) for n, text in enumerate(claims[:LEAD_CLAIMS], start=1))
    try:
        message = (load_prompt("headline").template() | model).invoke({"sources": sources})
    except LLMError as exc:
        return "", f"model failed: {exc}"
    lines = [x.strip(" \"“”'*#-") for x in str(message.content).splitlines() if x.strip()]
    text = lines[0].rstrip(".") if lines else ""
    return text, headline_fault(text, claims[:LEAD_CLAIMS])


def titles_of(store: Store, central: str, article_ids: Sequence[str]) -> list[tuple[str, str | None]]:
    """The story's article titles with their URLs, its most central article's first."""
    articles = {r.article.id: r.article for r in store.article_records()}
    found = [(articles[a].title, articles[a].url) for a in article_ids if a in articles]
    return sorted(found, key=lambda t: t[0] != central)


def story_headline(
    model: BaseChatModel | None, titles: Sequence[tuple[str, str | None]], claims: Sequence[str]
) -> str:
    """The story's heading: the model's checked headline, else the cleanest title (or lead clause)."""
    if model is not None and claims:
        text, fault = written_headline(model, claims)
        if fault is None:
            return text
    return extractive_headline(titles, claims[0] if claims else "")
