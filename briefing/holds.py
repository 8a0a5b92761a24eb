"""Whether a sentence holds what a question asks (`asked.py` reads the question): a statement by the asked
speaker, a cause, a figure of the asked measure, a date, a name beside the asked post. Evidence is ranked
and focused by it (`evidence.py`), and an answer checked with it (`answered.py`).
"""

from __future__ import annotations

import re

from briefing.asked import AUX, PLACES, Asked, Kind
from briefing.signals import NOT_NAMES, all_stems, content_stems, names, numbers

REPORTED = re.compile(
    r"\b(?:said|says|saying|told|tells|stated|added|warned|urged|replied|responded|argued|claimed|noted|"
    r"wrote|announced|insisted|denied|commented|according to|in a statement|statement)\b",
    re.IGNORECASE,
)

_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|amid|over (?:its|their|his|her|the)|after|citing|cited|reasons?|"
    r"so that|in order to|as part of|in response to|following|concerns?|accus\w+|alleg\w+|for (?:its|their|"
    r"his|her)|to punish|to pressure|linked to|role in|threat|risk|fears?|worr\w+|since)\b",
    re.IGNORECASE,
)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)

_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+(?:{_MONTHS})|(?:{_MONTHS})\s+\d{{4}}|(?:18|19|20)\d\d|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last (?:week|month|year)|"
    r"next (?:week|month|year)|this (?:week|month|year))\b",
    re.IGNORECASE,
)

_MONEY = re.compile(r"[$£€¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|trillion|bn|m)?\s*(?:dollars|euros|pounds|yuan|yen)\b",
                    re.IGNORECASE)  # fmt: skip

_PRONOUN_SPEAKER = re.compile(
    r"^(?:he|she|it|they|the (?:company|firm|group|ministry|spokesman|spokeswoman|agency|department|"
    r"government|official|officials))\b",
    re.IGNORECASE,
)


_TRAILING_AUX = re.compile(rf"(?:\s+(?:{AUX}|also|not|never|previously|repeatedly|recently|publicly))+\s*$")
_APPOSED = re.compile(r"\s*(?:[A-Z][\w.'’-]*\s*){1,4}")  # a name before its apposition


def speaker_zone(sentence: str, reported: re.Pattern[str] = REPORTED) -> str:
    """The words that say who is speaking in a sentence that reports speech: before the reporting verb
    (after a closing quote, if any) and, for "..., said Lu Kang, a spokesman" or "according to", after it
    (not in "Hikvision said the ministry ...", where what follows is what was said). `reported` are the
    verbs that report speech."""
    zones: list[str] = []
    for m in reported.finditer(sentence):
        before = sentence[: m.start()]
        attributed = m.group().lower() == "according to" or re.search(r"[,”\"]\s*$", before)
        if zones and not attributed:
            continue  # "Hikvision said the ministry had not told it": the ministry is in what was said
        cut = max(before.rfind("”"), before.rfind('"'), before.rfind(". "))
        clause = before[cut + 1 :]
        if m.group().lower() == "saying":  # "The department issued a warning about drones, saying ...":
            zones.append(" ".join(clause.split()[:10]))  # the clause's subject speaks
            continue
        clause = _TRAILING_AUX.sub("", clause)  # "Human Rights Watch, an NGO, has also said"
        *earlier, last = clause.rstrip(", ").split(",")  # "... to Hikvision, the paper said": the paper
        zone = " ".join(last.split()[-8:])  # speaks
        if earlier and _APPOSED.fullmatch(earlier[-1]):  # "Nick Marro, an analyst at the EIU, told"
            zone = f"{earlier[-1].strip()}, {zone}"
        zones.append(zone)
        if attributed:
            zones.append(" ".join(re.split(r"[.;,]", sentence[m.end() :])[0].split()[:8]))
    return " | ".join(zones)


def by_speaker(asked: Asked, sentence: str, context: str = "") -> bool:
    """Whether `sentence` reports the asked speaker's words: the speaker is named where the sentence says
    who spoke, or the sentence's speaker is a pronoun ("He said", "The company said") and the sentence
    before names the asked speaker."""
    zone = speaker_zone(sentence)
    if not zone:
        return False
    if any(_names(a, zone) for a in asked.speaker):
        return True
    opening = sentence.lstrip("\"“‘' ")
    return bool(
        context
        and (_PRONOUN_SPEAKER.match(opening) or _PRONOUN_SPEAKER.match(zone.strip()))
        and any(_names(a, context) for a in asked.speaker)
    )


def _names(alias: str, text: str) -> bool:
    """Whether `text` names `alias` as a whole name: "China said" names china, "China Mobile said" not."""
    return bool(re.search(rf"\b(?i:{re.escape(alias)})\b(?![ ]+[A-Z])", text))


def holds(asked: Asked, sentence: str, context: str = "") -> bool:
    """Whether `sentence` (with `context`, the sentence before it and the article's title) states something
    of the asked kind: a statement by the asked speaker, a cause, a figure of the asked measure, a date, a
    name the question does not already give. YES_NO and DESCRIPTION need only be about the subject."""
    k = asked.kind
    if k is Kind.STATEMENT:  # who speaks is what the question is about
        return by_speaker(asked, sentence, context)
    about = all_stems(f"{context} {sentence}") & asked.subject
    if len(about) < min(2, -(-len(asked.subject) // 2)):
        return False  # two of its words, or most: a date of something else answers nothing
    if k is Kind.REASON:
        return bool(_CAUSE.search(sentence))
    if k is Kind.AMOUNT:
        figures = [n for n in numbers(sentence) if not (n.values & asked.excluded) and not _is_year(n.text)]
        if not figures and not re.search(
            r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?|billions?)\b",
            sentence,
            re.IGNORECASE,
        ):
            return False
        stems = (
            all_stems(sentence)
            | ({"$"} if _MONEY.search(sentence) else set())
            | ({"%"} if "%" in sentence or "per cent" in sentence.lower() else set())
        )
        return not asked.measure or bool(stems & asked.measure)
    if k is Kind.DATE:
        return bool(_DATE.search(sentence))
    if k in (Kind.PERSON, Kind.ORGANISATION, Kind.PLACE, Kind.LIST):
        new = set(names(f"x {sentence}")) - asked.named - {w.lower() for w in NOT_NAMES}
        if k is Kind.PERSON:  # a country is nobody's name, and a name without the asked post is not it
            new -= PLACES
            if asked.role:
                return _beside_role(asked.role, set(new), sentence)
        return bool(new)
    return True


def _beside_role(role: frozenset[str], new: set[str], sentence: str) -> bool:
    """Whether one of the `new` names (stems) stands within three words of the asked post: "chief executive
    Hu Yangzhong" names him, "an executive ... told Reuters" names nobody."""
    words = re.findall(r"[\w’'-]+", sentence)
    posts = [i for i, w in enumerate(words) if content_stems(w) & role]
    held = [i for i, w in enumerate(words) if w[:1].isupper() and set(names(f"x {w}")) & new]
    return any(abs(i - j) <= 3 for i in posts for j in held)


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(?:18|19|20)\d\d", text))


def fit(asked: Asked, sentence: str, context: str = "") -> float:
    """1 when the sentence holds what is asked, else 0; for evidence ranking. A two-part question is fit
    by a sentence holding either part."""
    parts = asked.parts or (asked,)
    return float(any(holds(p, sentence, context) for p in parts))
