"""One article per file: plain text and markdown, HTML (trafilatura), PDF (pypdf), Word (python-docx)."""

from __future__ import annotations

import logging
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from briefing.clean import is_boilerplate
from briefing.loaders.common import MIN_HTML_WORDS, one_line, parse_date, same_title
from briefing.models import LoadFailure, RawArticle

# --------------------------------------------------------------------------------------------------
# Plain text and markdown
# --------------------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def _markdown_to_text(md: str) -> str:
    """Light markdown -> text: markup characters would otherwise end up in sentences and citations."""
    md = re.sub(r"(?m)^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", r"\1", md)  # headings
    md = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", md)  # images
    md = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)  # links
    md = re.sub(r"(\*\*|__)(\S(?:.*?\S)?)\1", r"\2", md)  # bold
    md = re.sub(r"(?m)^ {0,3}>[ \t]?", "", md)  # block quotes
    md = re.sub(r"(?m)^ {0,3}(?:[-*_][ \t]*){3,}$", "", md)  # rules
    md = re.sub(r"(?m)^([ \t]*)[*+][ \t]+", r"\1- ", md)  # bullets
    return md


def load_plain(path: Path, text: str, *, markdown: bool) -> RawArticle | LoadFailure:
    """Title = first non-empty line (skipping share-bar/icon residue); that line is removed from the body
    so the headline is not indexed twice. `apply_metadata` puts it back if a manifest names another title."""
    meta: dict[str, str] = {}
    if markdown:
        fm = _FRONT_MATTER.match(text)
        if fm:
            for line in fm.group(1).splitlines():
                key, sep, value = line.partition(":")
                if sep:
                    meta[key.strip().lower()] = value.strip().strip("\"'")
            text = text[fm.end() :]
        text = _markdown_to_text(text)
    lines = text.splitlines()
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonempty:
        return LoadFailure(str(path), "empty file (no text)")
    title_idx = next((i for i in nonempty if not is_boilerplate(lines[i])), nonempty[0])
    title = one_line(meta.get("title"))
    body = text
    if title is None and len(nonempty) > 1:
        title = one_line(lines[title_idx])
        body = "\n".join(lines[:title_idx] + lines[title_idx + 1 :])
    return RawArticle(
        text=body.strip("\n"),
        path=str(path),
        title=title,
        source=one_line(meta.get("source") or meta.get("outlet")),
        published=parse_date(meta.get("published") or meta.get("date")),
        url=meta.get("url") or None,
    )


# --------------------------------------------------------------------------------------------------
# HTML, PDF, DOCX
# --------------------------------------------------------------------------------------------------


def load_html(where: str, data: bytes | str, url: str | None = None) -> RawArticle | LoadFailure:
    """Main text and metadata by trafilatura: navigation, scripts, footers and comments are dropped."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            data, url=url, with_metadata=True, include_comments=False, include_images=False
        )
    except Exception as e:  # trafilatura/lxml raise various errors on broken markup
        return LoadFailure(where, f"malformed HTML: {e}")
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        return LoadFailure(where, "no article text found in the HTML page")
    title = one_line(doc.title)
    paras = [p for p in text.split("\n") if p.strip()]
    if paras and same_title(paras[0], title):
        paras = paras[1:]  # headline repeated as the first paragraph
    words = sum(len(p.split()) for p in paras)
    if words < MIN_HTML_WORDS:  # a menu label or cookie line is what the fallback extractors find then
        return LoadFailure(where, f"no article text found in the HTML page (only {words} words extracted)")
    return RawArticle(
        text="\n\n".join(paras),  # trafilatura gives one paragraph per line
        path=where,
        title=title,
        source=one_line(doc.sitename) or one_line(doc.hostname),
        published=parse_date(doc.date),
        url=doc.url or url,
    )


def _reflow_pdf_text(text: str) -> str:
    """pypdf returns one line per printed line; rejoin them into paragraphs. A line ends a paragraph when
    it is followed by a blank line, stops well short of the column width (last line of a paragraph, or a
    heading), or ends a sentence and is visibly shorter than the column."""
    lines = [ln.rstrip() for ln in text.split("\n")]
    lengths = sorted(len(ln) for ln in lines if ln.strip())
    if not lengths:
        return ""
    width = lengths[round(0.9 * (len(lengths) - 1))]
    paras: list[str] = []
    cur = ""
    for ln in lines:
        s = ln.strip()
        if not s:
            if cur:
                paras.append(cur)
                cur = ""
            continue
        if not cur:
            cur = s
        elif cur.endswith("-") and s[:1].islower():
            cur += s
        else:
            cur += " " + s
        short = len(ln) < 0.6 * width  # a paragraph's last line (or a heading) stops short of the margin
        if short or (re.search(r"""[.!?:"')]$""", s) and len(ln) < 0.85 * width):
            paras.append(cur)
            cur = ""
    if cur:
        paras.append(cur)
    return "\n\n".join(paras)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pypdf_messages() -> Iterator[list[str]]:
    """pypdf's own warnings ("Ignoring wrong pointing object") collected for the file's report instead of
    reaching stderr as bare lines with no file named."""
    logger, handler = logging.getLogger("pypdf"), _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield handler.messages
        handler.messages += [str(w.message) for w in caught]
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def load_pdf(path: Path) -> RawArticle | LoadFailure:
    from pypdf import PdfReader

    where = str(path)
    with path.open("rb") as f:
        if b"%PDF-" not in f.read(1024):
            return LoadFailure(where, "not a PDF (no PDF header; is it another kind of file named .pdf?)")
    with _pypdf_messages() as said:
        try:
            reader = PdfReader(str(path))
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception:
                    return LoadFailure(where, "encrypted PDF (password required)")
            pages = []
            for page in reader.pages:
                pages.append(_reflow_pdf_text(page.extract_text() or ""))
            meta = reader.metadata
        except Exception as e:  # pypdf raises many types for truncated or corrupt files
            return LoadFailure(where, f"malformed or truncated PDF: {e or type(e).__name__}")
    notes = tuple(dict.fromkeys(f"pypdf: {m}" for m in said))
    text = "\n\n".join(p for p in pages if p.strip())
    if not text.strip():
        return LoadFailure(where, "PDF has no extractable text (scanned images?)")
    title = one_line(getattr(meta, "title", None)) if meta else None
    if title and (
        re.search(r"\.(docx?|pdf|odt|rtf)$", title, re.I) or title.lower() in {"untitled", "title"}
    ):
        title = None  # a file name left by the authoring tool, not a headline
    first, _, rest = text.partition("\n\n")
    if rest.strip() and (title is None and len(first.split()) <= 30 or same_title(first, title)):
        title, text = title or one_line(first), rest
    return RawArticle(text=text, path=where, title=title, notes=notes)


DOCX_BYTES_PER_WORD = 400  # generous: a heavily formatted Word run costs 100-250 bytes of XML per word
DOCX_MAX_PARTS = 1000  # a Word file has tens of parts; thousands is a file built to be slow
DOCX_MAX_RATIO = 100  # Word XML deflates 5-20x; a bomb of repeated bytes, 1000x


def docx_bomb(path: Path, max_unpacked: int) -> str | None:
    """Why this .docx may not be opened, judged from its zip directory alone, or None. python-docx reads
    every part into memory and parses its XML, so a few hundred KB can cost gigabytes and minutes; zipfile
    never inflates a part past the size its directory declares, so checking those sizes bounds the cost."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    if len(parts) > DOCX_MAX_PARTS:
        return f"{len(parts)} parts in its zip, over the {DOCX_MAX_PARTS} a Word document may hold"
    if (total := sum(p.file_size for p in parts)) > max_unpacked:
        return (
            f"unpacks to {total / 2**20:.0f} MB, over the {max_unpacked / 2**20:.0f} MB a Word article may "
            "(settings max_file_mb and max_article_words)"
        )
    for part in parts:
        if part.file_size > 2**20 and part.file_size > DOCX_MAX_RATIO * max(part.compress_size, 1):
            return (
                f"part {part.filename} unpacks {part.file_size // max(part.compress_size, 1)}x (a zip bomb?)"
            )
    return None


def load_docx(path: Path, max_unpacked: int) -> RawArticle | LoadFailure:
    """The article of a Word file whose zip passes `docx_bomb` (unpacking to at most `max_unpacked`)."""
    import docx

    where = str(path)
    try:
        if why := docx_bomb(path, max_unpacked):
            return LoadFailure(where, f"Word document refused unread: {why}")
        document = docx.Document(str(path))
    except Exception as e:
        return LoadFailure(where, f"malformed Word document: {e or type(e).__name__}")
    paras = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    if not paras:
        return LoadFailure(where, "Word document has no text")
    title = one_line(document.core_properties.title)
    if title is None and len(paras) > 1:
        title, paras = one_line(paras[0]), paras[1:]
    return RawArticle(text="\n\n".join(paras), path=where, title=title)  # created date is not publication
