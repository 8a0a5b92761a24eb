"""Whether a sentence of a brief makes sense read alone, and which rule it breaks when it does not.

A brief states its sources' sentences (or the model's restatement of them) one claim at a time, away from
the article around them, so a sentence that leans on what came before ("It is, Mattei said.", "China has
begun exporting this technology", "The Times said", "Meanwhile, ...") or states a tweet as fact ("... and
it's not even trending.") reads wrong in a brief. The rules are cheap text patterns, like the checker's:

  connective      opens with "Meanwhile,", "But", "And", "However,", ... that links to a sentence not there
  pronoun         its subject is an unresolved "it", "he", "she", "they", "we", "its", "this", ... (an
                  "It is not clear whether ..." that points at nothing is fine)
  refers-back     names its subject by reference: "this technology", "these firms", "such curbs"
  press           "The Times", "the paper", "the newspaper" as a source without saying which
  speaker         a quote or statement whose speaker is a pronoun or a back-reference ("he said", "the
                  first official said", "the lawmakers said")
  fragment        a quote with no speaker at all, or a piece of one (opens in lower case)
  unattributed    first person ("we", "I", "it's", "we'll") outside quotes and without a speaker: a tweet or
                  an opinion stated as if it were reported fact
  heading         a headline, caption or page furniture, not a sentence: no closing stop ("20-time Grand
                  Slam champion makes it official"), "Hide Caption 3 of 22 Photos: ...", a dash-led aside
  question        a question or an exclamation ("What happens to the other royals?", "That's an upset!"):
                  not a statement of fact

`breaks` applies them; `before` is the sentence the claim's own window gives before this one, which
resolves the rules a previous sentence can resolve (a pronoun, a reference, a connective, a speaker).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.brief.results import Paragraph, Sentence
from briefing.chunk import split_sentences
from briefing.evidence import Evidence, clean_sentence
from briefing.markers import strip_markers

RULES = {
    "connective": "opens with a connective that links to a sentence not given",
    "pronoun": "its subject is a pronoun the brief does not resolve",
    "refers-back": "names its subject by reference to an earlier sentence ('this technology')",
    "press": "cites 'The Times' or 'the paper' without saying which",
    "speaker": "its speaker is a pronoun or a back-reference ('he said', 'the first official said')",
    "fragment": "a quote without its speaker, or a piece of one",
    "unattributed": "first person or chat outside quotes with no speaker: a post or opinion stated as fact",
    "heading": "a headline, caption or page furniture, not a sentence",
    "question": "a question or an exclamation, not a statement of fact",
}
RESOLVED_BY_CONTEXT = {"connective", "pronoun", "refers-back", "press", "speaker"}
"""Rules the sentence before, in the same passage, resolves: it names what the pronoun points at."""

CONNECTIVE = re.compile(
    r"^(?:meanwhile|however|but|and|also|still|yet|separately|further(?:more)?|moreover|in addition|"
    r"additionally|instead|even so|at the same time|in turn|by contrast|on the other hand|then|so|"
    r"as a result|nonetheless|nevertheless)\b,?\s+",
    re.IGNORECASE,
)
_QUOTE_CHARS = '"“”'
_QUOTED = re.compile(r"[\"“][^\"“”]*(?:[\"”]|$)")
_PRONOUN = re.compile(r"^(?:it|he|she|they|we|its|his|her|their|them|him|this|that|these|those|such)\b", re.I)
_EXPLETIVE = re.compile(  # "It is not clear what ...", "It was the first time ...": points at nothing
    r"^it\s+(?:is|was|remains|remained|seems|seemed|appears|appeared|has been|had been|will be|would be|"
    r"could be|may be|might be|'s|’s)\s+(?:not\s+|now\s+|still\s+|also\s+|yet\s+)*(?:\w+ly\s+)?"
    r"(?:clear|unclear|likely|unlikely|possible|impossible|expected|understood|believed|thought|feared|"
    r"estimated|reported|hoped|time|important|difficult|hard|easy|too|uncertain|the first|the second|the "
    r"latest|the largest|the biggest|the most|a|an|worth|necessary|true|known|unknown|up to)\b",
    re.I,
)
_INTRO = re.compile(r"^(?:[A-Z][^,;:]{0,40}),\s+")  # "On Tuesday, ", "In a statement, "
_REFERENCE = re.compile(  # "this technology", "these firms" among the first words, not "this week"
    r"^\W*(?:\S+\s+){0,5}?(?:this|these|those|such)\s+"
    r"(?!week|month|year|morning|afternoon|evening|time|is|was|are|were|weekend|summer|spring|fall|autumn|"
    r"winter|season|century|decade|as\b|that\b)[a-z]\w*",
    re.I,
)
_PRESS = re.compile(  # "the Times" with nothing between: "the New York Times" says which
    r"\b[Tt]he\s+(?:Times|Post|Journal|paper|newspaper)\b(?!\s+(?:of|in)\s+[A-Z]|\s+[A-Z])"
)
_SAY = (
    r"(?:said|says|told|added|wrote|tweeted|posted|stated|argued|warned|explained|noted|continued|"
    r"insisted|acknowledged|asked|replied|responded|recalled|declared|announced|according to)"
)
_SAYING = re.compile(rf"\b{_SAY}\b|\baccording to\b", re.I)
_BACK_SPEAKER = (
    r"(?:he|she|they|we|it|i|"
    r"the\s+(?:first|second|third|other|same|senior|former|two|three)?\s*(?:official|officials|person|people|"
    r"source|sources|spokesman|spokeswoman|spokesperson|aide|aides|officer|analyst|expert|lawyer|diplomat|"
    r"lawmakers|legislators|senator|minister|executive|company|firm|group|agency|ministry|statement|"
    r"report|woman|man))"
)
_SPEAKER = re.compile(  # the speaker after a quote ("…,” he said) or before the verb ("The official said")
    rf"(?:[,”\"]\s*|^){_BACK_SPEAKER}\s+(?:also\s+|later\s+|then\s+)?{_SAY}\b"
    rf"|[,”\"]\s*{_SAY}\s+{_BACK_SPEAKER}\b(?!\s+[A-Z])",
    re.I,
)
_FIRST_PERSON = re.compile(
    r"\b(?:I|I'm|I’m|I've|I’ve|I'll|I’ll|we|we're|we’re|we've|we’ve|we'll|we’ll|our|ours|us|me|my|you|"
    r"your|it's|it’s|that's|that’s|can't|can’t|won't|won’t|gonna|lol)\b"
)
_FURNITURE = re.compile(
    r"\bHide Caption\b|\b\d+ of \d+ Photos:|^(?:--|—|–)|^(?:Read more|Click here|Watch)\b", re.I
)
_STOP = re.compile(r"[.!?…][\"'”’)\]]*$")
_ASKS = re.compile(r"[!?][\"'”’)\]]*$")
_CASE_SENSITIVE = {"us", "I"}  # "US" is a country; "I" as a pronoun is upper case only


def outside_quotes(sentence: str) -> str:
    """The sentence with its quoted words blanked (an unclosed quote runs to the end)."""
    return _QUOTED.sub(lambda m: " " * len(m.group()), sentence)


def _first_person(text: str) -> bool:
    for m in _FIRST_PERSON.finditer(text):
        word = m.group()
        if word.lower() == "us" and word != "us":
            continue  # "US", "Us" open a name, not the pronoun
        return True
    return False


def _subject_pronoun(text: str) -> bool:
    """Whether the sentence (after a short opening phrase) starts with a pronoun that is not an
    expletive "It is clear ..."."""
    for opening in (text, _INTRO.sub("", text, count=1)):
        if _PRONOUN.match(opening) and not _EXPLETIVE.match(opening):
            rest = opening.split(None, 1)
            if rest and rest[0].lower() in ("that", "this", "these", "those", "such") and len(rest) > 1:
                continue  # "This week ..." and "That is ..." are the reference rule's
            return True
    return False


def breaks(sentence: str, before: str = "") -> str | None:
    """The first rule `sentence` breaks (a key of RULES), or None when it stands alone. `before` is the
    sentence before it in the same passage, given with it: it resolves a pronoun, a reference, a speaker or
    a connective."""
    text = re.sub(r"^[-•*]\s+", "", sentence.strip()).strip()  # a list bullet, not a dash-led aside
    if not text:
        return None
    found = _rule(text)
    if found in RESOLVED_BY_CONTEXT and before.strip():
        return None
    return found


def _rule(text: str) -> str | None:
    stated = strip_markers(text)
    if _FURNITURE.search(stated) or not _STOP.search(stated):
        return "heading"
    if _ASKS.search(stated) and not (stated[0] in _QUOTE_CHARS and _SAYING.search(outside_quotes(stated))):
        return "question"  # a quoted question with its speaker is a report of what was asked
    if CONNECTIVE.match(text):
        return "connective"
    plain = outside_quotes(text).strip()
    quoted = any(ch in text for ch in _QUOTE_CHARS)
    said = bool(_SAYING.search(plain))
    opens_quote = text[0] in '"“'
    if text[0].islower() or (quoted and not said and len(plain.split()) < len(text.split()) / 2):
        return "fragment"
    if text.count("”") > text.count("“") and not opens_quote and '"' not in text:
        return "fragment"  # the end of a quote whose start is in another sentence
    if _SPEAKER.search(text):
        return "speaker"
    if plain and not opens_quote:
        if _subject_pronoun(plain):
            return "pronoun"
        if _REFERENCE.match(plain):
            return "refers-back"
    if _PRESS.search(plain):
        return "press"
    if _first_person(plain) and not said:
        return "unattributed"
    return None


def strip_connective(sentence: str) -> str:
    """The sentence without a leading connective ("Meanwhile, a report said ..." -> "A report said ..."),
    when what is left reads alone; else the sentence as it was."""
    m = CONNECTIVE.match(sentence.strip())
    if not m:
        return sentence
    rest = sentence.strip()[m.end() :]
    if not rest or _rule(rest[0].upper() + rest[1:]) is not None or not rest[0].isalpha():
        return sentence
    return rest[0].upper() + rest[1:]


def flagged(paragraphs: Sequence[Paragraph]) -> list[tuple[Sentence, str]]:
    """The sentences of a brief's paragraphs that do not stand alone, with the rule each breaks. The
    sentence before, in the same bullet or paragraph and citing the same passage, is its context."""
    out = []
    for p in paragraphs:
        for i, s in enumerate(p.sentences):
            prev = p.sentences[i - 1] if i else None
            before = prev.text if prev and set(prev.chunk_ids) & set(s.chunk_ids) else ""
            if rule := breaks(s.text, before):
                out.append((s, rule))
    return out


def standalone_window(ev: Evidence) -> Evidence | None:
    """The evidence window as a claim that reads alone: as it is when its first sentence stands alone (a
    leading connective is stripped when it is stated); with the passage's sentence before when that one
    resolves it (and itself stands alone); else None, since no sentence of it can be stated alone. A later
    sentence that breaks a rule its predecessor cannot resolve (a post stated as fact) is cut off."""
    spans = [s for s in split_sentences(ev.chunk.text) if s.end > ev.start and s.start < ev.end]
    if not spans:
        return ev
    first = clean_sentence(ev.chunk.text[spans[0].start : spans[0].end])
    start = ev.start
    rule = _rule(first)
    if rule not in (None, "connective"):
        everything = split_sentences(ev.chunk.text)
        i = next(k for k, s in enumerate(everything) if s.start == spans[0].start)
        prev = everything[i - 1] if i else None
        context = clean_sentence(ev.chunk.text[prev.start : prev.end]) if prev else ""
        if (
            rule not in RESOLVED_BY_CONTEXT
            or prev is None
            or not re.search(r"[.!?][\"'”’)]*$", context)  # a heading is no context
            or _rule(context) not in (None, "connective")
        ):
            return None
        start = prev.start
    end = spans[0].end
    for before, span in zip(spans, spans[1:]):
        text = clean_sentence(ev.chunk.text[span.start : span.end])
        if breaks(text, clean_sentence(ev.chunk.text[before.start : before.end])):
            break
        end = span.end
    return ev if (start, end) == (ev.start, ev.end) else Evidence(ev.chunk, start, end, ev.score)
