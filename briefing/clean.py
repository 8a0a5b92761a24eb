"""Turn pasted or extracted article text into clean prose: one form per character, one blank line between
paragraphs, and none of the page furniture (paywalls, share bars, photo credits, newsletter plugs).

Why these choices:
- Later stages compare sentences across outlets (wire copy reprinted by several papers, a statement quoted
  by two). So typography is folded to ONE form: curly quotes become ASCII ``'`` and ``"``, en dashes become
  ``-``, em dashes and spaced ``--`` become `` - ``. The meaning of a quote is kept (it still reads as a
  quotation); only its glyph changes.
- Rules are conservative: losing an article sentence is worse than keeping residue. Every paragraph rule
  requires the paragraph to be short (UI text is short) and to match a specific call-to-action, credit or
  paywall pattern; only the paywall rule removes more than one paragraph, and only in the second half
  of the text when everything after it is short UI text.
- Cleaning is idempotent: ``clean_text(clean_text(x)) == clean_text(x)``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "normalize_chars", "split_paragraphs", "is_boilerplate"]

# --------------------------------------------------------------------------------------------------
# Character normalisation
# --------------------------------------------------------------------------------------------------

_CHAR_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2212": "-",
    "\u2014": " - ",
    "\u2015": " - ",
    "\u00ad": None,
    "\u200b": None,
    "\u2060": None,
    "\ufeff": None,
    "\u2028": "\n",
    "\u2029": "\n\n",
    "\f": "\n\n",
    "\v": "\n",
    "\t": " ",
}
_CHAR_RE = re.compile("[" + "".join(_CHAR_MAP) + "]")
# C0/C1 controls other than newline (tabs etc. are mapped above).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SPACED_DOUBLE_HYPHEN = re.compile(r"(?<= )--(?= )")


def normalize_chars(text: str) -> str:
    """NFKC plus one ASCII form for quotes and dashes, no invisible or control characters, ``\\n`` newlines.

    NFKC folds compatibility forms (no-break spaces, ligatures, full-width letters, ``…``) so the same
    sentence from two outlets compares equal; the quote/dash folding goes further for the same reason.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _CHAR_RE.sub(lambda m: _CHAR_MAP[m.group()] or "", text)
    text = _CONTROL.sub("", text)
    return _SPACED_DOUBLE_HYPHEN.sub("-", text)


# --------------------------------------------------------------------------------------------------
# Paragraph structure
# --------------------------------------------------------------------------------------------------

_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_BULLET = re.compile(r"(?:[-*\u2022]|\d{1,2}[.)])\s")
_SENTENCE_END = re.compile(r"""[.!?:;"')\]]$""")


def _unwrap_block(lines: list[str]) -> list[str]:
    """Split one blank-line-delimited block into paragraphs.

    Plain text arrives both with one line per paragraph (no blank lines) and hard-wrapped. A line break is
    kept as a paragraph break unless it is clearly a wrap: the line does not end a sentence and the next
    one starts in lower case. A block where most lines end mid-sentence is hard-wrapped as a whole.
    """
    bullets = sum(1 for ln in lines if _BULLET.match(ln))
    if len(lines) >= 3 and bullets < 2:  # a list is not a wrapped paragraph
        open_ends = sum(1 for ln in lines[:-1] if not _SENTENCE_END.search(ln))
        if open_ends >= 0.7 * (len(lines) - 1):
            return [" ".join(lines)]
    paras: list[str] = [lines[0]]
    for ln in lines[1:]:
        prev = paras[-1]
        if not _SENTENCE_END.search(prev) and ln[:1].islower():
            paras[-1] = prev + " " + ln
        else:
            paras.append(ln)
    return paras


def _paragraphs(text: str) -> list[str]:
    """Normalised text -> paragraphs with single spaces and no empty ones."""
    out: list[str] = []
    for block in _BLANK_LINES.split(text):
        lines = [" ".join(ln.split()) for ln in block.split("\n")]
        lines = [ln for ln in lines if ln]
        if lines:
            out.extend(_unwrap_block(lines))
    return out


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the paragraphs of a cleaned text (non-empty runs between blank
    lines), so a chunker can cut on paragraph boundaries and keep offsets into the stored text."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text) if m.group().strip()]


# --------------------------------------------------------------------------------------------------
# Boilerplate rules (general patterns; each paragraph rule needs a short paragraph)
# --------------------------------------------------------------------------------------------------

_I = re.IGNORECASE

_AGENCY = (
    r"(?:Reuters|AP(?: Photo)?|AFP|EPA(?:-EFE)?|Getty Images|Bloomberg|Xinhua|Shutterstock|Pool|"
    r"Associated Press|Anadolu(?: Agency)?|Bernama|Pexels|Unsplash|iStock(?:photo)?|Alamy|NurPhoto|"
    r"Sipa USA|ZUMA(?: Press| Wire)?|SOPA Images|LightRocket|Imagine China|Kyodo|Yonhap|PA(?: Media)?|"
    r"Handout|File)"
)


class _Rule:
    """A pattern tried only when one of its cheap literal keywords (lower case) occurs in the text, so the
    cleaner stays fast on long corpora; an anchored rule without keywords is tried with `match`."""

    def __init__(self, pattern: str, *keywords: str, flags: int = re.IGNORECASE) -> None:
        self.regex = re.compile(pattern, flags)
        self.keywords = keywords

    def hit(self, text: str, low: str) -> bool:
        if not self.keywords:
            return self.regex.match(text) is not None
        return any(k in low for k in self.keywords) and self.regex.search(text) is not None


class _RuleSet:
    """A list of rules. `active` keeps, for one document, only the rules whose keywords occur anywhere in
    it (plus anchored ones): a few substring tests per document instead of regex scans per paragraph."""

    def __init__(self, rules: list[_Rule]) -> None:
        anchored = [r for r in rules if not r.keywords]
        keyed = tuple(r for r in rules if r.keywords)
        if len(anchored) > 1:  # one `match` call instead of several
            anchored = [
                _Rule("|".join(f"(?:{r.regex.pattern})" for r in anchored), flags=anchored[0].regex.flags)
            ]
        self.rules = tuple(anchored) + keyed

    def active(self, low_doc: str) -> tuple[_Rule, ...]:
        return tuple(r for r in self.rules if not r.keywords or any(k in low_doc for k in r.keywords))


def _hit(rules: tuple[_Rule, ...], text: str) -> bool:
    low = text.lower()
    return any(r.hit(text, low) for r in rules)


# A paragraph that ENDS in a photo credit is a caption (the credit would never end a news sentence).
_CAPTION_END = _RuleSet(
    [
        _Rule(
            r"(?:^|[\s.;])(?:[A-Z]+ )?(?:FILE )?(?:PHOTO|PICTURE|IMAGE)S?\s*:\s*[A-Z][A-Z0-9 .,&'/-]*$",
            "photo",
            "picture",
            "image",
            flags=0,
        ),
        _Rule(
            r"\((?:[^()]{0,40}\s)?(?:pic|pix|photo|file pic|file photo|picture|image)s?\)$",
            "pic",
            "pix",
            "photo",
            "image",
        ),
        _Rule(r"\([^()]{0,30}\bPhoto\s*/[^()]{1,60}\)$", "photo"),
        _Rule(r"\[(?:File:?\s*)?[^\[\]]{0,80}?(?:/|\b" + _AGENCY + r"\b|\bphoto\b)[^\[\]]{0,40}\]$", "]"),
        _Rule(
            r"(?:^|[.!?]\s+)(?:Photo|Image|Picture|Credit|Photograph)s?(?: by)?\s*[:|]\s*[^.!?]{1,60}$",
            "photo",
            "image",
            "picture",
            "credit",
        ),
    ]
)
# A short paragraph that is nothing but a credit, e.g. "Erin Scott/Getty Images".
_CREDIT_ONLY = re.compile(
    r"^(?:(?:(?:photo|image|picture|credit|photograph)s?(?: by)?\s*[:|]\s*.{1,80})|"
    r"(?:[\w .'-]{1,60}/)+\s*"
    + _AGENCY
    + r"|\(\s*(?:[\w .'-]{0,40}/)?"
    + _AGENCY
    + r"(?: photo| pic)?\s*\))$",
    _I,
)

_SOCIAL = (
    r"(?:telegram|whatsapp|newsletters?|channel|app|twitter|facebook|instagram|youtube|tiktok|linkedin|"
    r"podcast|inbox)"
)

# Calls to action: newsletters, channels, apps, "read more", cookies, ads. Applied per sentence.
_PLUG = _RuleSet(
    [
        _Rule(r"\bsign(?:ing)? up\b.*\b(?:here|newsletters?|inbox|alerts?|updates|free)\b", "sign"),
        _Rule(r"\b(?:newsletters?|inbox)\b.*\bsign up\b", "sign up"),
        _Rule(r"\W*(?:join|follow|subscribe|download|like (?:us|our)|get)\b(?!-).*\b" + _SOCIAL + r"\b"),
        _Rule(r"\b(?:join|follow|like) us on\b", " us on"),
        _Rule(
            r"\b(?:delivered|sent|straight|right|directly) (?:to|in) your (?:inbox|phone)\b",
            "your inbox",
            "your phone",
        ),
        _Rule(r"\bsubscribe\b.*\b(?:today|now|here)\b", "subscribe"),
        _Rule(
            r"\b(?:become a (?:digital )?subscriber|consider a subscription|"
            r"support (?:local|our|quality) journalism)\b",
            "subscri",
            "journalism",
        ),
        _Rule(
            r"\W*(?:read more|also read|read also|related|recommended|more from|see also|more)"
            r"\s*(?:[:|>-]|here\b|$)"
        ),
        _Rule(r"\bclick here\b", "click here"),
        _Rule(
            r"\b(?:we use cookies|(?:site|website|page) uses cookies|accept (?:all )?cookies|"
            r"cookie (?:policy|settings|preferences|consent))\b",
            "cookie",
        ),
        _Rule(
            r"\W*(?:advertisement|advertising|sponsored|ad|story continues below(?: advertisement)?|"
            r"continue reading(?: below)?|scroll to continue(?: with content)?|share this (?:article|story)|"
            r"share(?: on)? (?:facebook|twitter)|copy link|print this (?:article|page))\W*$"
        ),
        _Rule(r"a version of this (?:story|article) (?:first )?appeared in\b.*\bnewsletter\b"),
    ]
)

# Paywall / subscription UI. Any of these starts a tail that is cut off (see _paywall_start).
_PAYWALL = _RuleSet(
    [
        _Rule(r"sponsored content$"),
        _Rule(r"\bfree articles?\b.*\bleft\b", "free article"),
        _Rule(r"\blast free article\b", "last free article"),
        _Rule(r"\byou need (?:a subscription|to subscribe)\b", "you need"),
        _Rule(r"\b(?:free )?trial(?: period)? has (?:expired|ended)\b", "trial"),
        _Rule(r"\balready a subscriber\b", "already a subscriber"),
        _Rule(
            r"\b(?:subscribe|subscription|register|sign in|log in) to "
            r"(?:continue|read|unlock|keep reading)\b",
            "subscri",
            "register",
            "sign in",
            "log in",
        ),
        _Rule(r"\bto continue reading\b", "continue reading"),
        _Rule(r"try \d+ (?:months?|weeks?|days?) for\b"),
        _Rule(r"(?:just |only )?for subscribers\W*$|subscribers? only\W*$"),
        # the feedback form under an embedded video ("How relevant is this ad to you? Video player was slow
        # to load content ..."), all that some saved video pages hold
        _Rule(
            r"\bhow relevant is this ad to you\b|\bvideo player was slow to load\b|\bad froze or did not finish\b",
            "this ad",
            "video player",
            "ad froze",
        ),
    ]
)
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}|\{%[^{}]*%\}")

# Share-bar / icon-font residue: "ArrowArtboardCreated with Sketch.Title ChevronIcon FacebookIcon ..."
_ICON_WORDS = re.compile(
    r"(?i)\b(?:icon|chevron|arrow|artboard|svg|sketch|facebook|twitter|linkedin|whatsapp|mail|print|path|layer)"
)
_GLUED = re.compile(r"[a-z][A-Z]")
_SHARE_VOCAB = {
    "share",
    "shares",
    "tweet",
    "email",
    "e-mail",
    "print",
    "facebook",
    "twitter",
    "linkedin",
    "whatsapp",
    "pinterest",
    "reddit",
    "telegram",
    "mail",
    "copy",
    "link",
    "comments",
    "comment",
    "save",
    "x",
    "on",
    "this",
    "article",
    "story",
    "|",
    "-",
    "•",
}

_SOURCE_TRAILER = re.compile(r"^(?:source|sources)\s*:\s*[^.!?]{1,60}$", _I)


def _words(p: str) -> int:
    return len(p.split())


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"')\]])\s+")


class _Ctx:
    """The rules worth trying on one document (see `_RuleSet.active`)."""

    def __init__(self, doc: str) -> None:
        low = doc.lower()
        self.caption = _CAPTION_END.active(low)
        self.plug = _PLUG.active(low)
        self.paywall = _PAYWALL.active(low)
        self.template = "{{" in doc or "{%" in doc
        self.icons = "sketch" in low or sum(low.count(w) for w in ("icon", "chevron", "artboard", "svg")) >= 2


def _is_icon_residue(p: str) -> bool:
    if "created with sketch" in p.lower():
        return True
    return len(_GLUED.findall(p)) >= 3 and len(_ICON_WORDS.findall(p)) >= 3 and not _SENTENCE_END.search(p)


def _is_share_bar(p: str) -> bool:
    tokens = [t.strip(".,:;()[]").lower() for t in p.split()]
    tokens = [t for t in tokens if t and not t.isdigit()]
    return bool(tokens) and len(tokens) <= 12 and all(t in _SHARE_VOCAB for t in tokens)


def _is_paywall(p: str, ctx: _Ctx) -> bool:
    return (ctx.template and _TEMPLATE.search(p) is not None) or _hit(ctx.paywall, p)


def _is_plug(p: str, ctx: _Ctx) -> bool:
    """Every sentence is a call to action: a plug glued to article sentences keeps the paragraph."""
    rules = ctx.plug + ctx.paywall
    if not _hit(rules, p):
        return False
    return all(_hit(rules, s) for s in _SENTENCE_SPLIT.split(p) if s)


def _is_boilerplate(p: str, ctx: _Ctx) -> bool:
    n = _words(p)
    if n > 80:
        return False  # long paragraphs are always prose
    if (ctx.icons and _is_icon_residue(p)) or (n <= 12 and _is_share_bar(p)):
        return True
    if n <= 40 and _is_paywall(p, ctx):
        return True
    if n <= 15 and _CREDIT_ONLY.match(p):
        return True
    if (p[-1] in ")]" or ":" in p or "|" in p) and _hit(ctx.caption, p):  # every credit has one of these
        return True
    return n <= 45 and _is_plug(p, ctx)


def is_boilerplate(p: str) -> bool:
    """True when one paragraph is page furniture rather than article prose (used by loaders too, e.g. to
    avoid taking a share-bar line as a title)."""
    p = " ".join(p.split())
    return not p or _is_boilerplate(p, _Ctx(p))


def _paywall_start(paras: list[str], ctx: _Ctx) -> int | None:
    """Index where a paywall/subscription tail begins, or None.

    The tail is cut only when it starts in the second half of the text and everything in it is short UI
    text (<= 40 words per paragraph) or other boilerplate: a long paragraph after the trigger means the
    trigger was something else, and we keep everything.
    """
    total = sum(len(p) for p in paras)
    seen = 0
    for i, p in enumerate(paras):
        if i > 0 and seen >= total / 2 and _words(p) <= 40 and _is_paywall(p, ctx):
            if all(_words(q) <= 40 or _is_boilerplate(q, ctx) for q in paras[i:]):
                return i
        seen += len(p)
    return None


# The tags prompts wrap source text in (`<sources>`, `<source id=...>`): an article holding them could
# pose as a separate, numbered source, so they are removed wherever article text is stored or shown.
_PROMPT_TAG = re.compile(r"(?i)(?:<|&lt;)\s*/?\s*sources?\b(?:[^<>]|&(?!gt;))*?(?:>|&gt;)")


def neutralise_tags(text: str) -> str:
    """`text` without anything imitating the prompts' source tags; what they enclosed stays, as the
    article's own words."""
    return _PROMPT_TAG.sub(" ", text)


def clean_text(text: str) -> str:
    """Normalise characters and whitespace and drop what is not the article. Idempotent.

    Output: paragraphs (each one line, single spaces, no trailing spaces) separated by exactly one blank
    line, no leading/trailing whitespace.
    """
    text = neutralise_tags(normalize_chars(text))
    ctx = _Ctx(text)
    paras = _paragraphs(text)
    cut = _paywall_start(paras, ctx)
    if cut is not None:
        paras = paras[:cut]
    paras = [p for p in paras if not _is_boilerplate(p, ctx)]
    while len(paras) > 1 and _words(paras[-1]) <= 8 and _SOURCE_TRAILER.match(paras[-1]):
        paras.pop()  # "Source: Al Jazeera": attribution trailer, not prose
    return "\n\n".join(paras)
