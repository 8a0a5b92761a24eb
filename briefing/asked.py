"""What a question asks: the kind of answer (a person, a number, a reason, what someone said...) and what
it is about, read from the question by rules.

A cited sentence can be true and still not answer the question ("What did China's government say?"
answered with what US lawmakers said about China). Knowing what is asked lets evidence be chosen for it
(`evidence.py` prefers a statement *by* the asked speaker, a cause for "why", the quantity for "how
much") and lets the answer be checked for it (`answered.py`): an answer that states nothing of the asked
kind about the asked subject (`holds.py`) says what the sources lack instead of passing as verified. Rules, not the
model: a 1.5B model's reading of a question could not itself be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from briefing.signals import all_stems, content_stems, names, numbers


class Kind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"
    AMOUNT = "amount"
    REASON = "reason"
    STATEMENT = "statement"
    YES_NO = "yes/no"
    LIST = "list"
    DESCRIPTION = "description"


# --------------------------------------------------------------------------------------------------
# Words the rules read
# --------------------------------------------------------------------------------------------------

SPEECH_VERBS = (
    r"say|says|said|tell|tells|told|respond|responds|responded|react|reacts|reacted|comment|comments|"
    r"commented|reply|replies|replied|state|states|stated|announce|announces|announced|claim|claims|"
    r"claimed|argue|argues|argued|warn|warns|warned|deny|denies|denied|insist|insists|insisted"
)
# Nouns whose value is a figure: "What was Hikvision's revenue?" asks for an amount.
_MEASURES = (
    "revenue|revenues|sales|profit|profits|loss|losses|income|earnings|price|prices|cost|costs|budget|value|"
    "worth|fine|fines|salary|population|turnout|toll|tariff|tariffs|rate|rates|deficit|debt|valuation|amount|"
    "total|number|figure|percentage|share|stake|damages|award|bill|bail|sentence|score|margin|capacity"
)
# A figure asked for and the words a passage may state it with instead.
_MEASURE_SYNONYMS = {
    "revenu": {"revenu", "sale", "turnov", "earn", "income"},
    "sale": {"revenu", "sale", "turnov"},
    "pay": {"pay", "paid", "damag", "award", "order", "fine", "owe", "verdict", "$"},
    "fall": {"fall", "fell", "drop", "lower", "declin", "slump", "tumbl", "plung", "lost", "down", "%"},
    "rise": {"rise", "rose", "gain", "higher", "jump", "surg", "climb", "up", "%"},
    "kill": {"kill", "dead", "death", "die", "toll"},
    "die": {"kill", "dead", "death", "die", "toll"},
}
_GOVERNMENT_WORDS = {
    "government", "governments", "officials", "authorities", "leadership", "administration", "ministry",
    "foreign", "state", "regime",
}  # fmt: skip
# Countries a question may name as a speaker ("China's government"), with the words a report uses for
# that government's voice: its adjective and capital.
COUNTRIES = {
    "china": ("chinese", "beijing"),
    "us": ("american", "washington", "white house"),
    "united states": ("american", "washington", "white house"),
    "america": ("american", "washington", "white house"),
    "russia": ("russian", "moscow", "kremlin"),
    "ukraine": ("ukrainian", "kyiv", "kiev"),
    "uk": ("british", "london", "downing street"),
    "britain": ("british", "london", "downing street"),
    "japan": ("japanese", "tokyo"),
    "india": ("indian", "new delhi"),
    "iran": ("iranian", "tehran"),
    "israel": ("israeli", "jerusalem"),
    "taiwan": ("taiwanese", "taipei"),
    "north korea": ("north korean", "pyongyang"),
    "south korea": ("south korean", "seoul"),
    "france": ("french", "paris", "elysee"),
    "germany": ("german", "berlin"),
    "canada": ("canadian", "ottawa"),
    "australia": ("australian", "canberra"),
    "pakistan": ("pakistani", "islamabad"),
    "saudi arabia": ("saudi", "riyadh"),
    "turkey": ("turkish", "ankara"),
    "mexico": ("mexican", "mexico city"),
    "brazil": ("brazilian", "brasilia"),
    "italy": ("italian", "rome"),
    "spain": ("spanish", "madrid"),
    "eu": ("european union", "brussels", "european commission"),
    "european union": ("eu", "brussels", "european commission"),
}
# The name stems of countries and regions, which are no person's name.
PLACES = all_stems(
    " ".join(p for country, words in COUNTRIES.items() for p in (country, *words))
    + " united kingdom states xinjiang hong kong africa asia europe"
)
# Last words of organisations' names, which are no person's surname ("White House" is not "House").
_BODY_WORDS = {
    "house", "watch", "mobile", "union", "commission", "council", "department", "office", "bank", "group",
    "company", "corp", "inc", "institute", "unit", "party", "court", "agency", "service", "news", "post",
    "times", "journal", "international", "association", "foundation", "university", "committee", "bureau",
    "fund", "exchange", "network", "media", "capital", "partners", "holdings", "technology", "technologies",
    "congress", "senate", "parliament", "army", "police", "reuters", "press", "nations", "organization",
}  # fmt: skip
AUX = r"(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could|should|must|might|may)"


@dataclass(frozen=True)
class Asked:
    """What one question (or one part of a two-part question) asks.

    `subject` are the stems the answer must be about (the question's content words less the asking
    words); `speaker` the lower-cased phrases naming whose words a STATEMENT question wants (aliases
    included: "china's government" is also "beijing" and "foreign ministry"); `measure` the stems an
    AMOUNT must be a figure of ("revenu", with "sale"); `excluded` the numbers the question itself states,
    which do not answer it; `named` the question's own names, which do not answer a "who"; `role` the
    stems of the post a "who" asks about, which the sentence naming someone must mention."""

    question: str
    kind: Kind
    subject: frozenset[str]
    speaker: tuple[str, ...] = ()
    measure: frozenset[str] = frozenset()
    excluded: frozenset[float] = frozenset()
    named: frozenset[str] = frozenset()
    role: frozenset[str] = frozenset()  # a PERSON's post ("chief executive"): the name must come with it
    what: str = ""  # the asked thing as a noun phrase, for "The sources do not give ..."
    parts: tuple[Asked, ...] = field(default=())

    def search_query(self, query: str) -> str:
        """`query` with the names a report gives the asked speaker that the question does not use, so the
        passages where "China's government" speaks as "the Foreign Ministry" are found at all."""
        speakers = [a for p in (self.parts or (self,)) for a in p.speaker]
        extra = [a for a in dict.fromkeys(speakers) if a not in query.lower()]
        return f"{query} {' '.join(extra)}" if extra else query

    def describe(self) -> str:
        """The asked thing, readable inside "The sources do not give ___."."""
        return self.what or f"an answer to “{self.question.strip()}”"


def _proper(phrase: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(" ,?."), flags=re.IGNORECASE)


NAME_RUN = re.compile(r"\b[A-Z][\w.-]*(?:\s+(?:of|for|and|de|von)?\s*[A-Z][\w.-]*)*")
_GENERIC_SPEAKERS = re.compile(r"^(?:he|she|it|they|(?:the )?company|(?:the )?firm|its?)$", re.IGNORECASE)
_ASKING_OPENING = re.compile(
    r"^(?:and\s+)?(?:who|whom|what|why|how|when|where|which|is|was|are|were|did|does|do)\b\s*", re.IGNORECASE
)


def _question_names(question: str) -> set[str]:
    """The names in a question (its asking word, capitalised as the first word, is none)."""
    return set(names(f"x {_ASKING_OPENING.sub('', question)}"))


def speaker_aliases(phrase: str, context: str = "") -> tuple[str, ...]:
    """The ways a report names the speaker: the phrase, the names in it, its head noun ("a lawyer working
    on export controls" is "lawyer"), a person's surname; for a country's government the country, its
    adjective, capital and foreign ministry; for "the company" or "he", the names of `context` (the
    question before)."""
    bare = re.sub(r"['’]s\b", "", _proper(phrase))
    low = bare.lower()
    aliases = {low}
    words = set(low.split())
    for country, (adjective, *places) in COUNTRIES.items():
        mentions = re.search(rf"\b(?:{re.escape(country)}|{re.escape(adjective)})\b", low)
        if mentions and words <= _GOVERNMENT_WORDS | set(country.split()) | set(adjective.split()):
            aliases |= {country, adjective, *places, "foreign ministry"}
    head = re.split(r"\s+(?:of|for|at|in|on|close|working|who|from|with|to)\b", bare)[0].split()
    if head and head[-1].islower():  # a common noun heads the phrase ("the Hikvision executive", "a lawyer
        if head[-1] not in _GOVERNMENT_WORDS:  # working on ...", "DJI's spokesman"): its names only say
            aliases.add(head[-1])  # whose it is; "government" alone could be any country's
    else:
        for run in (r.strip() for r in NAME_RUN.findall(bare)):
            aliases.add(run.lower())
            parts = run.split()
            if 2 <= len(parts) <= 3 and not {p.lower() for p in parts} & (_GOVERNMENT_WORDS | _BODY_WORDS):
                aliases.add(parts[-1].lower())  # "Marro said"
    if _GENERIC_SPEAKERS.match(low) and context:
        aliases |= {r.lower() for r in NAME_RUN.findall(_ASKING_OPENING.sub("", context))}
    return tuple(sorted(aliases - {"us", "the"}, key=len, reverse=True))


_ROLE = re.compile(
    r"^(?:the\s+)?(?P<post>(?:[a-z-]+\s+){0,2}(?:chief|head|leader|director|president|chairman|chairwoman|chair"
    r"|executive|minister|secretary|spokes(?:man|woman|person)|founder|owner|ceo|governor|mayor|judge"
    r"|manager|officer|ambassador|commissioner|lawyer|general|editor)s?)\b(?!['’])",
)


def _role(phrase: str) -> frozenset[str]:
    """The post a "who" question asks about, as stems: "the chief executive of Hikvision" and "Hikvision's
    chief executive" -> {chief, execut}; "leads the team" or a bare name -> none."""
    low = re.sub(r"^.*?['’]s?\s+", "", phrase.lower()) if re.search(r"['’]s?\s", phrase) else phrase.lower()
    m = _ROLE.match(low)
    return frozenset(content_stems(m.group("post"))) if m else frozenset()


def _split_parts(question: str) -> list[str]:
    """ "Who is Prosper and why was he hired?" -> two questions; one part's subject carries to the next."""
    parts = re.split(
        r",?\s+and\s+(?=(?:who|whom|what|why|how|when|where|which)\b)", question, flags=re.IGNORECASE
    )
    return [p.strip() for p in parts if p.strip()]


def analyse(question: str, context: str = "") -> Asked:
    """What `question` asks. Options appended after the question mark ("Options: a; b.") are no part of
    it. A two-part question gives an Asked per part in `parts` (the first part is also the whole's kind).
    `context` is the conversation's previous question: who "the company" or "he" is."""
    q = question.split("?")[0].strip()
    pieces = _split_parts(q)
    if len(pieces) > 1:
        parts = tuple(_one(p, context=pieces[0]) for p in pieces)
        first = parts[0]
        return replace(first, question=question, subject=frozenset().union(*(p.subject for p in parts)),
                       parts=parts)  # fmt: skip
    return _one(q, context=context, question=question)


def _one(q: str, context: str = "", question: str | None = None) -> Asked:
    q = re.sub(
        r"^(?:and|but|so|also|then|to|in|from|for|with|by|of|at|on)\s+", "", q.strip(), flags=re.IGNORECASE
    )
    low = q.lower()
    kind, speaker, measure, what, role = Kind.DESCRIPTION, (), frozenset(), "", frozenset()
    asking = set()  # words that say what kind of answer is wanted, not what it is about
    if m := re.match(
        rf"^(?:what|how)\s+(?:exactly\s+)?{AUX}\s+(?P<who>.+?)\s+(?P<verb>{SPEECH_VERBS})\b",
        q,
        re.IGNORECASE,
    ):
        kind, who = Kind.STATEMENT, m.group("who")
        speaker = speaker_aliases(who, context)
        verb = m.group("verb").lower()
        who = who.strip()
        what = f"how {who} responded" if verb.startswith(("respond", "react")) else f"what {who} said"
        asking |= content_stems(m.group("verb"))
    elif m := re.match(
        r"^what\s+(?:is|was|were|are)\s+(?P<who>.+?)['’]s?\s+(?P<what>response|reaction|statement|position|view)",
        q, re.IGNORECASE,
    ):  # fmt: skip
        kind, speaker = Kind.STATEMENT, speaker_aliases(m.group("who"))
        what = f"{_proper(m.group('who'))}'s {m.group('what').lower()}"
        asking |= content_stems(m.group("what"))
    elif low.startswith("why"):
        kind, what = Kind.REASON, f"the reason (“{q[:1].upper()}{q[1:]}?”)"
    elif re.match(
        r"^(?:how\s+(?:many|much|far|long|big|old|high|large|low|often)|what\s+(?:percentage|share|proportion|amount|number))\b",
        low,
    ):
        kind = Kind.AMOUNT
        measure = frozenset(_amount_measure(low))
    elif m := re.match(rf"^what\s+(?:is|was|were|are)\s+(?P<what>.*?\b(?P<noun>{_MEASURES})\b.*)$", low):
        kind, measure = Kind.AMOUNT, frozenset(_measure_stems(m.group("noun")))
        what = _proper(q[m.start("what") :])
    elif re.match(r"^(?:when|what\s+(?:year|date|day|month|time)|which\s+(?:year|date|day|month))\b", low):
        kind = Kind.DATE
    elif re.match(
        r"^(?:where|(?:what|which)\s+(?:country|countries|city|cities|state|states|region|nation|nations|province|town)\b)",
        low,
    ):
        kind = (
            Kind.PLACE
            if not re.match(r"^(?:what|which)\s+\w+ies\b|^(?:what|which)\s+\w+s\b", low)
            else Kind.LIST
        )
    elif (m := re.match(r"^who\s+(?:is|was)\s+(?P<who>[A-Z].*)$", q, re.IGNORECASE)) and m.group("who")[
        0
    ].isupper():
        what = f"who {m.group('who')} is"
    elif m := re.match(rf"^(?:who|whom)\s+(?:{AUX}\s+)?(?P<what>.+)$", q, re.IGNORECASE):
        kind, role = Kind.PERSON, _role(m.group("what"))
    elif m := re.match(r"^what\s+(?:is|was)\s+the\s+name\s+of\s+(?P<what>.+)$", q, re.IGNORECASE):
        kind, what, role = Kind.PERSON, f"the name of {m.group('what')}", _role(m.group("what"))
        asking |= {"name"}
    elif re.match(
        rf"^(?:which|what)\s+(?:(?!{AUX}\b)\w+\s+){{0,3}}(?:companies|firms|organisations|organizations|groups|people|countries|names|others?|ones)\b",
        low,
    ):
        kind = Kind.LIST
    elif re.match(
        rf"^(?:which|what)\s+(?:(?!{AUX}\b)\w+\s+){{0,2}}(?:company|firm|organisation|organization|group|agency|party|team|brand|network|bank)\b",
        low,
    ):
        kind = Kind.ORGANISATION
    elif re.match(rf"^{AUX}\b", low):
        kind = Kind.YES_NO
    elif m := re.match(r"^what\s+(?:is|was|are|were)\s+(?P<what>.+)$", q, re.IGNORECASE):
        what = _proper(m.group("what"))
    own_names = frozenset(_question_names(q))
    subject = frozenset(
        content_stems(q) - asking - content_stems("what who whom why how when where which many much")
    )
    if context and not own_names:  # "...and why was he hired?": he is the first part's subject
        subject |= frozenset(_question_names(context))
    return Asked(
        question or q, kind, subject, speaker, measure,
        frozenset(v for n in numbers(q) for v in n.values), own_names, role, what,
    )  # fmt: skip


_MONEY_VERBS = re.compile(
    r"\b(pay|paid|cost|costs|spend|spent|earn|earned|raise|raised|worth|tax|fine|fined|owe|owes)\b"
)
_CHANGE_VERBS = re.compile(r"\b(fall|fell|drop|dropped|rise|rose|kill|killed|die|died|lose|lost)\b")


def _amount_measure(low: str) -> set[str]:
    """What a "how many/much" question counts: the head noun of "how many global employees", money for
    "how much ... pay/worth/tax", a change for "how far did shares fall"."""
    out: set[str] = set()
    if m := re.match(r"^how\s+many\s+(?P<np>(?:(?!(?:" + AUX[3:-1] + r")\b)[a-z-]+\s*){1,4})", low):
        np_words = [w for w in m.group("np").split() if not w.endswith("ed")]
        if np_words:
            out |= _measure_stems(np_words[-1])
    elif low.startswith("how much"):
        nxt = low.split()[2] if len(low.split()) > 2 else ""
        if nxt and nxt not in (
            "more",
            "worth",
            "of",
            "in",
            "money",
            "did",
            "does",
            "do",
            "is",
            "was",
            "has",
            "have",
            "will",
            "would",
            "must",
            "should",
            "can",
            "could",
            "are",
            "were",
        ):
            out |= _measure_stems(nxt)
        else:
            out.add("$")
    if (v := _MONEY_VERBS.search(low)) and not low.startswith("how many"):
        out |= {"$"} | _measure_stems(v.group(1))
    if v := _CHANGE_VERBS.search(low):
        out |= _measure_stems(v.group(1))
    return out


def _measure_stems(word: str) -> set[str]:
    stems = content_stems(word) or {word}
    out = set(stems)
    for s in stems:
        out |= _MEASURE_SYNONYMS.get(s, set())
    return out
