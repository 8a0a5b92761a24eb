"""Briefs as Word documents a policy office can forward: A4 (or Letter, `docx_paper`) pages with margins,
the brief's title and date in the header and "Page N of M" in the footer, document properties that say what made it and when, real headings
and bullets, each [n] a link to its numbered source and each source's URL a link to the article.

python-docx has no API for fields, bookmarks or hyperlinks, so those few elements are written as
WordprocessingML directly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Pt, RGBColor
from docx.text.paragraph import Paragraph

from briefing import __version__
from briefing.brief import Brief
from briefing.layout import Block, Run, layout

PAPER = {"A4": (Cm(21.0), Cm(29.7)), "Letter": (Inches(8.5), Inches(11))}
MARGIN = Cm(2.5)
LINK_BLUE = RGBColor(0x1F, 0x4E, 0x9A)
FLAG_RED = RGBColor(0xB0, 0, 0)


def write_docx(brief: Brief, path: Path) -> None:
    doc = Document()
    _page(doc, brief)
    _properties(doc, brief)
    for b in layout(brief):
        if b.kind in ("title", "heading"):
            doc.add_heading("".join(r.text for r in b.runs), level=0 if b.kind == "title" else 1)
            continue
        para = doc.add_paragraph(style="List Bullet" if b.kind == "bullet" else None)
        if b.kind == "note":
            para.paragraph_format.left_indent = Cm(1)
        if b.kind == "source":
            _bookmark(para, f"source_{b.runs[0].ref}", len(doc.paragraphs))
        for r in b.runs:
            _run(doc, para, b, r)
    doc.save(str(path))


def _page(doc: DocumentType, brief: Brief) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAPER.get(brief.settings.get("docx_paper", "A4"), PAPER["A4"])
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    header = section.header.paragraphs[0]
    header.text = f"{brief.title} · {brief.finished_at[:10]}"
    header.runs[0].font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("Page ", "PAGE", " of ", "NUMPAGES"):
        if piece.isupper():
            _field(footer, piece)
        else:
            footer.add_run(piece).font.size = Pt(8)


def _properties(doc: DocumentType, brief: Brief) -> None:
    """Properties a document system shows: not python-docx's template author and its 2013 date."""
    props = doc.core_properties
    made = _when(brief.finished_at)
    props.title = brief.title
    props.subject = brief.topic or ""
    props.author = props.last_modified_by = f"briefing {__version__}"
    props.created = props.modified = made
    props.comments = f"{brief.backend} backend, model {brief.model}; window {brief.window()}"
    props.keywords = "policy brief"
    props.revision = 1


def _when(stamp: str) -> datetime:
    try:
        made = datetime.fromisoformat(stamp)
    except ValueError:
        return datetime.now(UTC)
    return made if made.tzinfo else made.replace(tzinfo=UTC)


def _run(doc: DocumentType, para: Paragraph, block: Block, r: Run) -> None:
    if r.style == "cite" and r.ref is not None and block.kind != "source":
        _link(para, r.text, anchor=f"source_{r.ref}")
        return
    if r.style == "url":
        _link(para, r.text, url=r.text, part=doc.part)
        return
    run = para.add_run(r.text)
    run.italic = r.style in ("em", "note") or block.kind in ("meta", "label")
    run.bold = r.style == "flag" or (block.kind == "source" and r.style == "cite")
    if r.style == "flag":
        run.font.color.rgb = FLAG_RED


def _link(
    para: Paragraph, text: str, *, anchor: str | None = None, url: str | None = None, part=None
) -> None:
    """A hyperlink run: to a bookmark in the document, or to a URL (an external relationship)."""
    link = OxmlElement("w:hyperlink")
    if anchor:
        link.set(qn("w:anchor"), anchor)
    else:
        link.set(qn("r:id"), part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), str(LINK_BLUE))
    props.append(color)
    if url:
        underline = OxmlElement("w:u")
        underline.set(qn("w:val"), "single")
        props.append(underline)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    para._p.append(link)


def _bookmark(para: Paragraph, name: str, ident: int) -> None:
    """A named bookmark at the start of the paragraph, the target of a citation's link."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(ident))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(ident))
    para._p.append(start)
    para._p.append(end)


def _field(para: Paragraph, code: str) -> None:
    """A field Word computes when it lays out the page (PAGE, NUMPAGES)."""
    run = para.add_run()
    run.font.size = Pt(8)
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == code:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {code} "
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
