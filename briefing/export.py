"""Briefs as Markdown, Word (.docx) and HTML, each saved with a JSON audit record beside it.

All three formats render one layout (`layout`: headings, labels, bullets, paragraphs, notes, flags,
sources), so a citation number, a checker flag or a "Sources differ" note reads the same in each. A
sentence the checker does not find supported keeps a visible ⚠k mark that points at the reason under
"Checker flags"; the reader is never left to find the defects alone.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import RGBColor

from briefing.brief import Brief, Section, Sentence
from briefing.cite import NOT_IN_SOURCES

FORMATS = ("md", "docx", "html")
_BY_SUFFIX = {".md": "md", ".markdown": "md", ".docx": "docx", ".html": "html", ".htm": "html"}
EXTRACT_LABEL = "Extracts: source sentences quoted as published, no language model."


class ExportError(ValueError):
    """The output cannot be written as asked (unknown format)."""


@dataclass(frozen=True)
class Run:
    """Inline text: plain, a citation, a checker flag, a note, or emphasis."""

    text: str
    style: str = ""  # "" | cite | flag | note | em
    ref: int | None = None  # the source number a citation points at


@dataclass(frozen=True)
class Block:
    kind: str  # title | heading | meta | label | bullet | para | note | flag | source
    runs: tuple[Run, ...]


def _plain(block: Block) -> str:
    return "".join(r.text for r in block.runs)


def layout(brief: Brief) -> list[Block]:
    """The brief as a flat list of blocks, numbering flags in reading order."""
    numbers = brief.numbers
    blocks = [Block("title", (Run(brief.title),))]
    drafted = (
        EXTRACT_LABEL
        if brief.extractive
        else f"Drafted by {brief.model} ({brief.backend} backend); "
        "every sentence checked against its cited passages."
    )
    meta = [
        f"Window: {brief.window()}.",
        f"Template: {brief.template}.",
        drafted,
        f"Built {brief.finished_at}.",
    ]
    if brief.source:
        meta.insert(1, f"Outlets matching: {brief.source}.")
    blocks += [Block("meta", (Run(m),)) for m in meta]
    if brief.note:
        blocks.append(Block("meta", (Run(f"Note: {brief.note}"),)))
    flags: list[tuple[int, Section, Sentence]] = []
    for section in brief.sections:
        blocks.append(Block("heading", (Run(section.title),)))
        if section.error:
            blocks.append(
                Block("note", (Run(f"This section could not be drafted: {section.error}", "note"),))
            )
            continue
        if section.label:
            blocks.append(Block("label", (Run(section.label, "em"),)))
        if section.extract:
            blocks.append(Block("label", (Run("Extracts from the sources.", "em"),)))
        if not section.paragraphs:
            text = (
                NOT_IN_SOURCES
                if section.not_in_sources or not section.dropped
                else ("Every sentence drafted for this section was dropped as unsupported (strict mode).")
            )
            blocks.append(Block("para", (Run(text, "em"),)))
        for p in section.paragraphs:
            runs: list[Run] = [Run(f"{p.day.isoformat()}: ", "em")] if p.day else []
            for i, s in enumerate(p.sentences):
                runs.append(Run(("" if i == 0 else " ") + s.text))
                for j, c in enumerate(s.chunk_ids):
                    runs.append(Run(f"{'' if j else ' '}[{numbers[c]}]", "cite", numbers[c]))
                if s.outlets:
                    outlets = ", ".join(s.outlets)
                    runs.append(Run(f" (carried by {len(s.outlets)} independent outlets: {outlets})", "note"))
                if not s.supported:
                    flags.append((len(flags) + 1, section, s))
                    runs.append(Run(f" ⚠{len(flags)}", "flag"))
            blocks.append(Block("bullet" if p.bullet else "para", tuple(runs)))
        for d in section.disagreements:
            runs = [Run("Sources differ: ", "em")]
            for i, side in enumerate(d.sides):
                runs += [
                    Run(("; " if i else "") + f"{side.outlet} reports “{side.quote}” "),
                    Run(f"[{numbers[side.chunk_id]}]", "cite", numbers[side.chunk_id]),
                ]
            blocks.append(Block("note", (*runs, Run("."))))
    # Only what the reader must know: sentences still flagged, and those strict mode dropped. What repair
    # replaced and which markers it removed is bookkeeping for the audit record.
    dropped = [(s, x) for s in brief.sections for x in s.dropped]
    if flags or dropped:
        blocks.append(Block("heading", (Run("Checker flags"),)))
        for k, section, s in flags:
            why = f" {section.title}: {s.reason} (support {s.support:.2f}): “{s.text}”"
            blocks.append(Block("flag", (Run(f"⚠{k}", "flag"), Run(why))))
        for section, s in dropped:
            blocks.append(Block("flag", (Run(f"{section.title}: dropped ({s.reason}): “{s.text}”"),)))
    blocks.append(Block("heading", (Run("Sources"),)))
    for src in brief.sources:
        c = src.chunk
        where = c.url or c.path or "no URL or file recorded"
        also = [o for o in c.outlets if o != c.source]
        text = (
            f" {c.title}. {c.source}, {c.published.isoformat() if c.published else 'undated'}, "
            f"passage {c.position + 1}. {where}."
        )
        if also:
            text += f" Also carried by: {', '.join(also)}."
        blocks.append(Block("source", (Run(f"[{src.n}]", "cite", src.n), Run(text))))
    return blocks


# --------------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------------


def _md_runs(runs: tuple[Run, ...]) -> str:
    out = []
    for r in runs:
        if r.style == "em" and r.text.strip():
            core = r.text.strip()
            lead, tail = r.text[: r.text.index(core)], r.text[r.text.index(core) + len(core) :]
            out.append(f"{lead}*{core}*{tail}")
        else:
            out.append(r.text)
    return "".join(out)


def render_markdown(brief: Brief) -> str:
    lines: list[str] = []
    for b in layout(brief):
        text = _md_runs(b.runs)
        if b.kind == "title":
            lines += [f"# {text}", ""]
        elif b.kind == "heading":
            lines += ["", f"## {text}", ""]
        elif b.kind == "meta":
            lines.append(f"*{text}*  ")
        elif b.kind == "bullet":
            lines.append(f"- {text}")
        elif b.kind == "note":
            lines += ["", f"> {text}", ""]
        elif b.kind in ("flag", "source"):
            lines += [f"{text}  "]
        else:  # para, label
            lines += [text, ""]
    return "\n".join(_squeeze(lines)).strip() + "\n"


def _squeeze(lines: list[str]) -> list[str]:
    """No runs of blank lines."""
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return out


def _html_runs(runs: tuple[Run, ...]) -> str:
    out = []
    for r in runs:
        t = html.escape(r.text)
        if r.style == "cite" and r.ref is not None:
            out.append(f'<a class="cite" href="#source-{r.ref}">{t}</a>')
        elif r.style == "flag":
            out.append(f'<span class="flag">{t}</span>')
        elif r.style == "note":
            out.append(f'<span class="corroboration">{t}</span>')
        elif r.style == "em":
            out.append(f"<em>{t}</em>")
        else:
            out.append(t)
    return "".join(out)


_CSS = (
    "body{font-family:Georgia,serif;max-width:46em;margin:2em auto;line-height:1.45}"
    ".meta{color:#555;font-size:.9em;margin:.1em 0}.flag{color:#b00;font-weight:bold}"
    ".corroboration{color:#555;font-size:.9em}"
    "blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}"
    "a.cite{text-decoration:none}"
)


def render_html(brief: Brief) -> str:
    body: list[str] = []
    in_list = False
    for b in layout(brief):
        if b.kind != "bullet" and in_list:
            body.append("</ul>")
            in_list = False
        text = _html_runs(b.runs)
        if b.kind == "title":
            body.append(f"<h1>{text}</h1>")
        elif b.kind == "heading":
            body.append(f"<h2>{text}</h2>")
        elif b.kind == "meta":
            body.append(f'<p class="meta">{text}</p>')
        elif b.kind == "bullet":
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{text}</li>")
        elif b.kind == "note":
            body.append(f"<blockquote>{text}</blockquote>")
        elif b.kind == "source":
            n = b.runs[0].ref
            body.append(f'<p class="source" id="source-{n}">{text}</p>')
        else:
            body.append(f'<p class="{b.kind}">{text}</p>')
    if in_list:
        body.append("</ul>")
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(brief.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_docx(brief: Brief, path: Path) -> None:
    """A Word document with real headings and bullet lists; citations stay bracketed numbers that match
    the numbered Sources list."""
    doc = Document()
    doc.core_properties.title = brief.title
    for b in layout(brief):
        if b.kind == "title":
            doc.add_heading(_plain(b), level=0)
            continue
        if b.kind == "heading":
            doc.add_heading(_plain(b), level=1)
            continue
        para = doc.add_paragraph(style="List Bullet" if b.kind == "bullet" else None)
        if b.kind == "note":
            para.paragraph_format.left_indent = doc.sections[0].page_width // 20
        for r in b.runs:
            run = para.add_run(r.text)
            run.italic = r.style in ("em", "note") or b.kind in ("meta", "label")
            run.bold = r.style == "flag" or (b.kind == "source" and r.style == "cite")
            if r.style == "flag":
                run.font.color.rgb = RGBColor(0xB0, 0, 0)
    doc.save(str(path))


# --------------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    path: Path
    audit_path: Path
    format: str


def format_for(path: Path | None, fmt: str | None) -> str:
    """The format asked for, else the one the file extension names, else Markdown."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown brief format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    if path is not None and path.suffix.lower() in _BY_SUFFIX:
        return _BY_SUFFIX[path.suffix.lower()]
    return "md"


def audit_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".audit.json")


def audit_record(brief: Brief, path: Path, fmt: str) -> dict[str, Any]:
    record = brief.to_dict()
    record["output"] = {
        "path": str(path),
        "format": fmt,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return record


def save(brief: Brief, path: Path, fmt: str | None = None) -> Saved:
    """Write the brief in the chosen format and its JSON audit record beside it (`<file>.audit.json`)."""
    fmt = format_for(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "docx":
        write_docx(brief, path)
    else:
        path.write_text(render_html(brief) if fmt == "html" else render_markdown(brief), encoding="utf-8")
    audit = audit_path_for(path)
    audit.write_text(
        json.dumps(audit_record(brief, path, fmt), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return Saved(path, audit, fmt)
