"""Who did or said it: a claim's actor must be the one its passage sentence names.

The support check (`cite.py`) scores words, names and numbers, so "Hikvision has begun exporting
surveillance technology to Ecuador [1]" passes against "China has begun exporting this technology to ...
Ecuador" when the sentence before names Hikvision: every word is in the passage, only who acts has
changed. So, by rules (no model runs offline): the claim's actor is the speaker of a claim that reports
speech ("X said ...", "..., X said", "According to X, ..."), else its grammatical subject, the noun phrase
before its first verb reduced to its head ("the Chinese surveillance maker Hikvision" is Hikvision). The
passage sentence that states the claim's predicate best must name that actor where it says who acts (its
words before the predicate) or who speaks, under any name `asked.speaker_aliases` gives a speaker (a
surname; a country's adjective, capital, foreign ministry).

Precision first: a passage's own sentences always pass, and a claim fails only when the passage names
someone else there. A subject the rules cannot read, a pronoun or "the company" on either side, a passive
sentence, or a common noun against a passage's common noun ("legislators" for "the lawmakers") passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from briefing.asked import AUX, COUNTRIES, NAME_RUN, PLACES, speaker_aliases
from briefing.holds import REPORTED, speaker_zone
from briefing.signals import NOT_NAMES, all_stems, content_stems, day_words, names, quote_norm

ACTOR_REASON = "actor"
"""How the reason a claim fails this check opens: "actor Hikvision not the passage's: China"."""

# Speech verbs, with reporting (a claim's "The New York Times reported ..." names its speaker too).
REPORTING = re.compile(rf"{REPORTED.pattern}|\breported\b", re.IGNORECASE)
_SPEECH = (
    r"said|says|told|tells|stated|replied|responded|argued|claimed|noted|wrote|announced|"
    r"insisted|denied|commented|reported"
)  # not "added", "urged", "warned": "McDonald's added toast sticks" is no speech
_OPENER = re.compile(
    r"^(?:(?:but|and|so|however|meanwhile|separately|also|still|yet|moreover|furthermore|additionally|in "
    r"addition)\b,?\s+)+",
    re.IGNORECASE,
)
_LEAD_PHRASE = re.compile(  # "On Tuesday, ...", "Last week, following ..., ...": no subject in it
    r"^(?:in|on|at|last|since|after|before|during|following|earlier|later|under|amid|despite|with|by|for|as|"
    r"while|when|if|in response to|this|next)\b[^,]{0,100},\s*",
    re.IGNORECASE,
)
_ACCORDING = re.compile(r"^according to (?P<who>[^,]{2,80}),\s*(?P<rest>.+)$", re.IGNORECASE)
_TAIL_SPEAKER = re.compile(  # "..., the paper said." / '..." she said.' / "..., said Lu Kang, a spokesman."
    rf"^(?P<rest>.+?)[,”\"]\s*(?:(?P<who>[^,”\"]{{2,60}}?)\s+(?:{AUX}\s+)?(?:also\s+)?(?:{_SPEECH})\b[^,]{{0,60}}"
    rf"|(?:{_SPEECH})\s+(?P<who2>[^,]{{2,60}}?)(?:,[^,]*)?|according to (?P<who3>[^,]{{2,60}}))[.!]?$",
    re.IGNORECASE,
)
_BE = {"is", "was", "are", "were", "be", "been", "being"}
_VERBISH = set(AUX[3:-1].split("|")) | _BE | {"also", "not", "never", "reportedly", "recently", "previously",
    "already", "still", "now", "currently", "effectively", "has", "have", "had"}  # fmt: skip
_IRREGULAR = set(
    "began begun became become made took taken gave given told said held led won lost fell fallen rose risen "
    "sold bought built sent spent paid met saw seen found got brought kept left put set cut hit ran grew grown "
    "came went known shown".split()
)
_GENERIC = re.compile(
    r"^(?:it|its|he|she|they|them|this|that|these|those|his|her|their|(?:the|this|that) (?:company|firm|group|"
    r"ministry|move|measure|report|paper|newspaper|government|administration|department|agency|official|"
    r"spokes(?:man|woman|person)|executive|person))\b",
    re.IGNORECASE,
)
# Who speaks for a named body or person without naming it: "a spokeswoman said" may be Hikvision's.
_ROLES = re.compile(
    r"\b(?:it|he|she|they|we|i|his|her|its|their|spokes(?:man|woman|person|people)|executives?|officials?|"
    r"analysts?|lawyers?|person|people|sources?|ministry|company|firm|group|department|agency|government|"
    r"administration|chair(?:man|woman)?|chief|ministers?|secretary|statement|representatives?|aides?)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9$][\w'’.&$%-]*|,|[\"“”]")


@dataclass(frozen=True)
class Actor:
    """Who a claim says acted or spoke (`phrase`, reduced to its head), and the rest of the claim."""

    phrase: str
    predicate: str
    speaks: bool = False
    passive: bool = False


def _verb_at(words: list[str], i: int) -> bool:
    """Whether words[i] reads as the claim's verb: an auxiliary, a reporting verb, a past form, or a
    present "-s" form right after a name whose next word is no verb (in "Hikvision shares opened" the verb is
    "opened", in "Hikvision supplies parts" it is "supplies")."""
    w = words[i]
    if not w[:1].islower():
        return False
    if w in _VERBISH or w in _IRREGULAR or re.fullmatch(_SPEECH, w):
        return True
    if len(w) > 4 and w.endswith("ed"):
        return True
    if re.fullmatch(r"[a-z]+[^su]s", w) and i > 0 and words[i - 1][:1].isupper():
        return not (i + 1 < len(words) and _verb_at(words, i + 1))
    return False


def _head(subject: str) -> str:
    """The subject reduced to its head: "The Chinese surveillance equipment maker Hikvision" -> Hikvision
    (a name after a common noun is what the noun describes); other phrases stay whole."""
    m = re.search(
        r"\b(?!(?:of|for|and|on|in|at|from|by|to|with|de|von|the|a|an)\b)[a-z][\w-]*\s+(?P<name>(?:[A-Z][\w.'’-]*\s*)+)$",
        subject,
    )
    if m:
        return m.group("name").strip()
    return re.sub(r"^(?:the|a|an)\s+(?=[A-Z])", "", subject.strip(), flags=re.IGNORECASE)


def claim_actor(claim: str) -> Actor | None:
    """The claim's actor, or None when the rules cannot read one (then nothing is checked)."""
    text = _OPENER.sub("", claim.strip().lstrip("•*-–— "))
    if m := _ACCORDING.match(text):
        return Actor(_head(m.group("who")), m.group("rest"), speaks=True)
    if (m := _TAIL_SPEAKER.match(text)) and (who := m.group("who") or m.group("who2") or m.group("who3")):
        if len(who.split()) <= 8 and not re.search(r"[\"“”]", who):
            return Actor(_head(who), m.group("rest"), speaks=True)
    text = _LEAD_PHRASE.sub("", text)
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
    words = [t for t, _ in tokens]
    for i in range(min(len(words), 14)):
        if words[i] in (",", '"', "“", "”"):
            # "Hikvision, the Chinese camera maker, is ...": a name, its description, then the verb
            apposed = re.match(r"^([^,]{2,60}),[^,]{2,100},\s*(?P<next>[a-z]+)\b", text)
            if not apposed or not re.search(r"[A-Z]\w*\s*$", apposed.group(1)):
                return None  # a clause the rules do not read (a list, an opening clause)
            if not _verb_at(["X", apposed.group("next")], 1):
                return None
            return claim_actor(f"{apposed.group(1)} {text[apposed.start('next') :]}")
        if not _verb_at(words, i):
            continue
        subject = text[: tokens[i][1]].strip()
        if not subject or re.fullmatch(r"(?i:the|a|an)", subject):
            return None
        verbs = " ".join(words[i : i + 4]).lower().split()
        speaks = bool(re.fullmatch(_SPEECH, words[i])) or (
            len(verbs) > 1 and verbs[0] in _VERBISH and bool(re.fullmatch(_SPEECH, verbs[1]))
        )
        passive = any(
            v in _BE and (n.endswith(("ed", "en")) or n in _IRREGULAR) for v, n in zip(verbs, verbs[1:])
        )
        return Actor(_head(subject), text[tokens[i][1] :], speaks, passive)
    return None


_POSTMODIFIER = re.compile(
    r"\s+(?:of|in|at|for|from|with|on|to|by|that|who|which|whose|over|about|since)\b.*$"
)


def _head_word(phrase: str) -> str:
    """The word a noun phrase is about: "The revenue of Hikvision in 2018" -> revenue, "Hikvision's shares"
    -> shares, "McDonald's" -> McDonald's."""
    words = _POSTMODIFIER.sub("", phrase.strip(" .,")).split()
    return words[-1] if words else ""


def _named(phrase: str, passage: str) -> bool:
    """Whether the actor is a name: its head word capitalised, and when it opens the claim, capitalised in
    the passage too ("Lawmakers urged" is no name, "Beijing said" is)."""
    head = _head_word(phrase)
    if not head[:1].isupper() or head in NOT_NAMES:
        return False
    if phrase.strip().split()[0] != head:
        return True
    return bool(set(names(f"x {head}")) & (set(names(passage)) | PLACES))


def _aliases(phrase: str) -> list[set[str]]:
    """The word stems of each name a passage may give the actor (`speaker_aliases`), per part of "X and Y",
    with its head noun and, for "Google ratings" or "Hikvision's shares", the names in it."""
    out = []
    for part in re.split(r"\s+and\s+|,\s*", phrase.strip(" .")):
        bare = re.sub(r"^(?:the|a|an)\s+", "", part.strip(), flags=re.IGNORECASE).lower()
        countries = [c for c, words in COUNTRIES.items() if bare in words]  # "Beijing" is China's
        for name in (part, *countries[:1]):
            out += [all_stems(a) for a in speaker_aliases(name) if a] + [all_stems(name)]
        if not _head_word(part)[:1].isupper():
            out += [all_stems(_head_word(part))] + [all_stems(w) for w in names(f"x {part}").values()]
    return [s for s in out if s]


def _zone_names(zone: str, passage: str) -> list[str]:
    """The names in a passage's actor zone: no weekday or month ("In an August letter" names nobody), and
    a word opening the sentence only if the passage capitalises it elsewhere ("Now it will ...")."""
    days = {d.lower() for d in day_words(zone)}
    held = set(names(passage)) | PLACES
    found = []
    for part in zone.split(" | "):
        part = _OPENER.sub("", part.strip(" ,“”\"'"))
        first = re.findall(r"^[\w'’.-]+", part)
        for stem, w in names(f"x {part}").items():
            if stem in days or w.lower() in days or (first == [w] and stem not in held):
                continue
            found.append(w)
    return found


def _speakers(sentence: str) -> str:
    """Every stretch of the sentence that may say who speaks: the clause before each reporting verb, and
    after it up to the next comma when the verb follows a quote or comma ("..., says Sen. Missy Irvin, a
    sponsor"). Wider than `speaker_zone`, so a claim's speaker found here is never a false alarm."""
    out = []
    for m in REPORTING.finditer(sentence):
        before = re.split(r"[”\":;]|,\s+(?:and|but)\b", sentence[: m.start()])[-1]
        out.append(" ".join(before.split()[-30:]))
        if m.group().lower() == "according to" or re.search(r"[,”\"]\s*$", sentence[: m.start()]):
            out.append(" ".join(re.split(r"[,;”\"]", sentence[m.end() :])[0].split()[:12]))
    return " | ".join(out)


def _before_predicate(sentence: str, predicate: set[str]) -> str:
    """The passage sentence's words before the first word of the claim's predicate: who acts there."""
    text = _LEAD_PHRASE.sub("", _OPENER.sub("", sentence.strip()))
    for m in _TOKEN.finditer(text):
        if content_stems(m.group()) & predicate:
            return text[: m.start()]
    return text


@dataclass(frozen=True)
class Sentence:
    """A passage sentence with its neighbours."""

    text: str
    before: str  # the sentence before it in its passage
    after: str


def passage_sentences(sentences: Sequence[str]) -> list[Sentence]:
    """A passage's sentences, each with its neighbours (a quote's speaker may be named next to it)."""
    return [
        Sentence(s, sentences[i - 1] if i else "", sentences[i + 1] if i + 1 < len(sentences) else "")
        for i, s in enumerate(sentences)
    ]


def predicate_words(claim: str) -> set[str]:
    """The content stems of what the claim says was done or said, without who did it: the words a sentence
    must hold to state the same thing of the right actor (repair looks for it by them)."""
    actor = claim_actor(claim)
    return content_stems(actor.predicate) - all_stems(actor.phrase) if actor else content_stems(claim)


def actor_mismatch(claim: str, sentences: Sequence[Sentence]) -> str:
    """Why the claim's actor is not its passage's ("actor Hikvision not the passage's: China"), else "".
    `sentences` are the cited passages' sentences."""
    if not sentences or quote_norm(claim) in quote_norm(" ".join(s.text for s in sentences)):
        return ""  # a passage's own sentence
    actor = claim_actor(claim)
    if actor is None or _GENERIC.match(actor.phrase):
        return ""
    predicate = predicate_words(claim)
    if not predicate:
        return ""
    overlap = {id(s): len(content_stems(s.text) & predicate) for s in sentences}
    top = max(overlap.values())
    reasons = [_mismatch(actor, predicate, s, sentences) for s in sentences if overlap[id(s)] == top]
    return "" if "" in reasons else reasons[0]  # of the sentences stating the predicate as well, any will do


def _mismatch(actor: Actor, predicate: set[str], best: Sentence, sentences: Sequence[Sentence]) -> str:
    """Why `best`, the passage sentence stating the claim's predicate, names another actor, else ""."""
    subject = _before_predicate(best.text, predicate)
    own = speaker_zone(best.text, REPORTING)
    if own and _GENERIC.match(own.strip(' ,“”"')):  # "It said ...": who "it" is, the sentence before says
        own = speaker_zone(best.before, REPORTING) or own
    near = " | ".join(z for z in (speaker_zone(s, REPORTING) for s in (best.before, best.after)) if z)
    heard = _speakers(best.text)
    seen = (f"{heard} | {near}" if heard or near else subject) if actor.speaks else f"{subject} | {heard}"
    if any(a <= all_stems(seen) for a in _aliases(actor.phrase)):
        return ""
    if not actor.speaks and (actor.passive or getattr(claim_actor(best.text), "passive", False)):
        return ""  # "Huawei was blocked by ...": the actor follows the verb
    # Who the passage says acts: for a claim of speech its speaker (beside a quote, the sentence before or
    # after may name them); else the sentence's words before the predicate, and its speaker.
    zone = (own or near) if actor.speaks else f"{subject} | {own}"
    passage = " ".join(s.text for s in sentences)
    named = _named(actor.phrase, passage)
    if not named and (_ROLES.search(actor.phrase) or not zone):
        return ""  # "a statement from its administration", "officials": whose, the rules cannot tell
    if others := _zone_names(zone, passage):
        if not named and re.search(r"\b[a-z]{3,}", re.sub(r"\b(?:the|a|an|of|and|for)\b|['’]s\b", "", zone)):
            return ""  # a common noun against a common noun ("legislators", "Members of Congress"): synonyms
        if named and not actor.speaks and any(a <= all_stems(best.text) for a in _aliases(actor.phrase)):
            return (
                ""  # named in the sentence, outside the words read as its subject: the rules may misread it
            )
        run = next((r for r in NAME_RUN.findall(zone) if others[0] in r.split()), others[0])
        return f"{ACTOR_REASON} {actor.phrase.strip(' .')} not the passage's: {run.strip()}"
    speaker = (own or near).split(" | ")[0].strip(" ,")
    if actor.speaks and named and speaker and not _ROLES.search(speaker):
        return f"{ACTOR_REASON} {actor.phrase.strip(' .')} not the passage's: {speaker}"  # "China said", "The lawmakers said"
    return ""
