"""Briefs as Markdown, Word (.docx) and HTML, each saved with a JSON audit record beside it.

All three formats render one layout (`layout`: headings, labels, bullets, paragraphs, notes, flags,
sources), so a citation number, a checker flag or a "Sources differ" note reads the same in each. A
sentence the checker does not find supported keeps a visible ⚠k mark that points at the reason under
"Checker flags"; the reader is never left to find the defects alone.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from briefing.brief import Brief
from briefing.export_docx import write_docx
from briefing.layout import Run, layout

FORMATS = ("md", "docx", "html")
_BY_SUFFIX = {".md": "md", ".markdown": "md", ".docx": "docx", ".html": "html", ".htm": "html"}


class ExportError(ValueError):
    """The output cannot be written as asked (unknown format)."""


# --------------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------------


_MD_LIVE = re.compile(r"[\\`\[\]<>!]")  # what starts a link, an image, raw HTML, an autolink or code
_MD_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)(?=://)|\b(www)(?=\.)")  # what GFM links bare


_MD_MARKER = re.compile(r"\\\[(\d+)\\\](?![:(\[])")  # an escaped "[n]" that cannot start a link again


def md_inert(text: str, markers: bool = False) -> str:
    """Text from articles (titles, sentences, quotes, outlets, a model's answer) as Markdown that renders
    as itself: a hostile article cannot put a live link, a tracking image or HTML into an export. With
    `markers`, citation markers "[n]" stay as written."""
    text = _MD_LIVE.sub(lambda m: "\\" + m.group(), text)
    text = _MD_AUTOLINK.sub(lambda m: m.group() + "\\", text)  # "https\://", "www\." break the match
    return _MD_MARKER.sub(r"[\1]", text) if markers else text


def md_link(url: str) -> str:
    """A source's http(s) URL (the export's own link) as an autolink that cannot end early or carry
    markup; any other scheme (javascript:) as inert text."""
    if not url.lower().startswith(("http://", "https://")):
        return md_inert(url)
    return "<" + quote(url, safe=":/?#@$&'*+,;=%~-._!") + ">"


def _md_runs(runs: tuple[Run, ...]) -> str:
    out = []
    for r in runs:
        if r.style == "cite":
            out.append(r.text)  # the brief's own "[n]"
        elif r.style == "url":
            out.append(md_link(r.text))
        elif r.style == "em" and r.text.strip():
            core = r.text.strip()
            lead, tail = r.text[: r.text.index(core)], r.text[r.text.index(core) + len(core) :]
            out.append(f"{lead}*{md_inert(core)}*{tail}")
        else:
            out.append(md_inert(r.text))
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
        elif r.style == "url":
            out.append(f'<a href="{html.escape(r.text)}" rel="noopener noreferrer">{t}</a>')
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
