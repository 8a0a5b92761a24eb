"""Answers and briefs as HTML and markdown that are safe to show.

Safety rule: article text (and model text, which quotes articles) is data. It reaches the page only through
`html.escape` inside our own HTML, rendered by `st.html` (which DOMPurify sanitises again), or through
`escape_markdown` where Streamlit renders markdown, so no tag, script or markdown link from an article
ever becomes live in the page. Nothing here imports Streamlit, so all of it is tested as plain functions.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from briefing.answer import Answer
from briefing.brief import Brief
from briefing.cite import Citation, SentenceCheck
from briefing.export import render_html, write_docx
from briefing.markers import MARKER, parse_marker
from briefing.models import Article, Chunk

CARD_STYLE = (
    "<style>.source-card{border-left:3px solid #ccc;padding:.15em .7em;margin:.35em 0}"
    ".source-card .card-head{text-decoration:none;color:inherit}"
    ".source-card .passage,.source-card .where{display:none}"
    ".source-card:target{border-left-color:#e8a317;background:rgba(232,163,23,.08)}"
    ".source-card:target .passage{display:block;margin:.4em 0}"
    ".source-card:target .where{display:block;font-size:.85em}</style>"
)
# The chat's outlet filter: Streamlit's multiselect chips cut a long outlet name with an ellipsis, and
# outlets that differ only at the end ("... (Reuters)") then look alike. Wrapped, the whole name shows.
WRAP_OUTLET_CHIPS = (
    "<style>.st-key-filter_outlets [data-tag]{height:auto;white-space:normal}"
    ".st-key-filter_outlets [data-tag]>span{white-space:normal;overflow-wrap:anywhere;text-overflow:clip}</style>"
)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^])")


def escape_markdown(text: str) -> str:
    """Text that Streamlit's markdown shows literally: every markdown, directive, math and HTML character
    backslash-escaped; line breaks kept."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def _link_markers(escaped: str, anchor: str, cited: set[int]) -> str:
    def link(m: re.Match[str]) -> str:
        parts = [
            f'<a href="#{anchor}-{n}" class="cite">{n}</a>' if n in cited else str(n)
            for n in parse_marker(m.group(1))
        ]
        return "[" + ", ".join(parts) + "]"

    return MARKER.sub(link, escaped)


def _text_html(text: str, anchor: str, cited: set[int]) -> str:
    return _link_markers(html.escape(text), anchor, cited).replace("\n", "<br>")


UNSUPPORTED_STYLE = "background:#fdecea;text-decoration:underline wavy #c0392b;"


def answer_html(answer: Answer, anchor: str) -> str:
    """The checked answer as HTML: markers link to the source cards (`#{anchor}-{n}`), sentences the
    checker did not find supported are highlighted with the reason as a tooltip."""
    text = answer.check.text
    cited = {c.n for c in answer.citations}
    bad: list[SentenceCheck] = sorted(
        (s for s in answer.check.sentences if not s.supported), key=lambda s: s.start
    )
    out, at = [], 0
    for s in bad:
        out.append(_text_html(text[at : s.start], anchor, cited))
        reason = html.escape(f"Not supported by the cited sources: {s.reason or 'weak support'}")
        out.append(
            f'<span class="unsupported" title="{reason}" style="{UNSUPPORTED_STYLE}">⚠ '
            f"{_text_html(text[s.start : s.end], anchor, cited)}</span>"
        )
        at = s.end
    out.append(_text_html(text[at:], anchor, cited))
    return f'<div class="answer">{"".join(out)}</div>'


def _marked(c: Citation) -> str:
    """The whole passage, escaped, with every stretch that supports a sentence citing it marked."""
    text, out, at = c.chunk.text, [], 0
    for start, end in c.spans or ((c.quote_start, c.quote_end),):
        out += [html.escape(text[at:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
        at = end
    return "".join(out) + html.escape(text[at:])


def reader_link(article_id: str, chunk_id: str, notebook: str) -> str:
    """The Reader page for an article of `notebook`, opened at one of its passages (relative: works under
    any base path). It opens in a new tab, a session of its own: the notebook must be in the link."""
    return f"reader?{urlencode({'nb': notebook, 'article': article_id, 'passage': chunk_id})}"


def _links(c: Citation, notebook: str) -> str:
    """The published article where its URL is known, and always the whole stored text, opened at this
    passage: a file path on the server means nothing to a reader."""
    links = []
    if c.url and urlsplit(c.url).scheme in ("http", "https"):
        links.append(
            f'<a href="{html.escape(c.url)}" target="_blank" rel="noopener noreferrer">the article</a>'
        )
    reader = html.escape(reader_link(c.article_id, c.chunk_id, notebook))
    links.append(f'<a href="{reader}" target="_blank" rel="noopener">the stored text at this passage</a>')
    return "Read " + " or ".join(links)


def reader_html(article: Article, chunk: Chunk | None) -> str:
    """A whole cleaned article with one passage marked and placed first: what comes before it is folded
    away above, so the page opens at the passage with no script to scroll there."""
    text = article.text
    if chunk is None or chunk.article_id != article.id or text[chunk.start : chunk.end] != chunk.text:
        return f'<div class="reader">{_paragraphs(text)}</div>'
    before, passage, after = text[: chunk.start], text[chunk.start : chunk.end], text[chunk.end :]
    folded = (
        f"<details><summary>Earlier in the article ({len(before.split())} words)</summary>"
        f"{_paragraphs(before)}</details>"
        if before.strip()
        else ""
    )
    return f'<div class="reader">{folded}<p><mark>{html.escape(passage)}</mark></p>{_paragraphs(after)}</div>'


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def source_cards_html(answer: Answer, anchor: str, *, notebook: str) -> str:
    """One card per cited passage (`id="{anchor}-{n}"`): title, outlets and date always shown; the passage
    with every supporting stretch marked, and the article's link or file, shown when the card is the
    page's target. A marker links to its card, so clicking [n] opens that card and scrolls to it with no
    script (`:target`); clicking a card's title opens it too."""
    cards = []
    for c in answer.citations:
        day = c.published.isoformat() if c.published else "undated"
        card = f"{anchor}-{c.n}"
        cards.append(
            f'<div class="source-card" id="{card}">'
            f'<a class="card-head" href="#{card}">[{c.n}] {html.escape(c.title)} — '
            f"{html.escape(', '.join(c.outlets))}, {day}</a>"
            f'<div class="passage">{_marked(c)}</div>'
            f'<div class="where">{_links(c, notebook)}</div>'
            "</div>"
        )
    return CARD_STYLE + "".join(cards)


def answer_warnings(answer: Answer) -> list[str]:
    """Markdown-safe lines telling the reader what not to trust as written."""
    lines = [
        f"Not supported by its sources ({escape_markdown(s.reason or 'weak support')}): "
        f"“{escape_markdown(s.text)}”"
        for s in answer.unsupported
    ]
    lines += [f"Removed a citation: {escape_markdown(why)}" for _, why in answer.removed_markers]
    return lines


_BRIEF_STYLE = (
    "<style>.brief .meta{color:#666;font-size:.9em;margin:.1em 0}.brief .flag{color:#b00;font-weight:bold}"
    ".brief .corroboration{color:#666;font-size:.9em}.brief a.cite{text-decoration:none}"
    ".brief blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}</style>"
)


def page_body(page: str) -> str:
    """A brief's HTML page (our own export: every text in it escaped) without its shell, for st.html."""
    return page[page.index("<body>") + len("<body>") : page.rindex("</body>")]


def brief_html(brief: Brief, *, notebook: str) -> str:
    """The brief's HTML export (every text escaped there) without its page shell, for st.html: citations
    link to the numbered sources, flags stand out."""
    body = page_body(render_html(brief))
    for src in brief.sources:  # each numbered source also opens its passage in the stored article
        head = f'<p class="source" id="source-{src.n}">'
        at = body.index("</p>", body.index(head))
        reader = html.escape(reader_link(src.chunk.article_id, src.chunk.id, notebook))
        link = (
            f' <a href="{reader}" target="_blank" rel="noopener">Read the passage in the stored article</a>'
        )
        body = body[:at] + link + body[at:]
    return f'{_BRIEF_STYLE}<div class="brief">{body}</div>'


def docx_bytes(brief: Brief) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "brief.docx"
        write_docx(brief, path)
        return path.read_bytes()
