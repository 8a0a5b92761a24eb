"""The one layout every export renders: a brief as a flat list of blocks (title, headings, labels,
bullets, paragraphs, notes, flags, sources) made of runs (plain, a citation, a flag, a note, emphasis, a
URL), so a citation number, a checker flag or a "Sources differ" note reads the same in Markdown, Word,
HTML and the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from briefing.brief import Brief, Section, Sentence
from briefing.brief.reporting import grade, mark
from briefing.cite import NOT_IN_SOURCES
from briefing.models import Chunk

NOTHING_PENDING = "The sources name nothing pending, planned or expected."
"""What an empty "what to watch" section says: plainly that there is none, not that a question failed."""
EXTRACT_LABEL = "Extracts: source sentences quoted as published, no language model."


@dataclass(frozen=True)
class Run:
    """Inline text: plain, a citation, a checker flag, a note, or emphasis."""

    text: str
    style: str = ""  # "" | cite | flag | note | em | url (the text is an http(s) URL)
    ref: int | None = None  # the source number a citation points at


@dataclass(frozen=True)
class Block:
    kind: str  # title | heading | meta | label | bullet | para | note | flag | source
    runs: tuple[Run, ...]


def fallback_label(error: str) -> str:
    """What a section says when its model call failed and its claims stand in the sources' words."""
    return f"Drafting failed ({error}); these are the sources' own sentences."


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
    table = brief.settings.get("outlet_reliability") or {}
    outlet_of = {src.chunk.id: src.chunk.source for src in brief.sources}
    carried: dict[int, dict[str, None]] = {}  # source number -> independent outlets of the claims citing it
    for section in brief.sections:
        blocks.append(Block("heading", (Run(section.title),)))
        if section.error:
            blocks.append(Block("note", (Run(fallback_label(section.error), "note"),)))
        if section.label:
            blocks.append(Block("label", (Run(section.label, "em"),)))
        if section.extract:
            blocks.append(Block("label", (Run("Extracts from the sources.", "em"),)))
        if not section.paragraphs:
            text = (
                (NOTHING_PENDING if section.key == "watch" else NOT_IN_SOURCES)
                if section.not_in_sources or not section.dropped
                else ("Every sentence drafted for this section was dropped as unsupported (strict mode).")
            )
            blocks.append(Block("para", (Run(text, "em"),)))
        for p in section.paragraphs:
            runs: list[Run] = [Run(f"{p.day.isoformat()}: ", "em")] if p.day else []
            if p.lead:
                runs.insert(0, Run(f"{p.lead}: " if p.sentences else p.lead, "em"))
            for i, s in enumerate(p.sentences):
                runs.append(Run(("" if i == 0 else " ") + s.text))
                for j, c in enumerate(s.chunk_ids):
                    runs.append(Run(f"{'' if j else ' '}[{numbers[c]}]", "cite", numbers[c]))
                    if s.supported:
                        carried.setdefault(numbers[c], {}).update(dict.fromkeys(s.outlets))
                after = p.sentences[i + 1] if i + 1 < len(p.sentences) else None
                if s.supported and s.chunk_ids and not (after and _same_claim(s, after)):
                    graded = grade(outlet_of[s.chunk_ids[0]], len(s.outlets), s.text, table)
                    runs.append(Run(" " + mark(len(s.outlets), graded), "note"))
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
        day = c.published.isoformat() if c.published else "undated"
        text = f" {c.title}. {c.source}, {day}, passage {c.position + 1}. "
        outlets = list(carried.get(src.n, {}))
        also = [o for o in c.outlets if o != c.source and o not in outlets]
        tail = "." + (
            f" Carried by {len(outlets)} independent outlets: {', '.join(outlets)}." if outlets else ""
        )
        tail += f" Also carried by: {', '.join(also)}." if also else ""
        blocks.append(Block("source", (Run(f"[{src.n}]", "cite", src.n), Run(text), _where(c), Run(tail))))
    return blocks


def _same_claim(s: Sentence, after: Sentence) -> bool:
    """Whether the next sentence states the same claim (same passages, same outlets): one mark for both."""
    return after.supported and after.chunk_ids == s.chunk_ids and after.outlets == s.outlets


def _where(c: Chunk) -> Run:
    """Where the reader finds the article: its http(s) URL as a link; for a file-ingested article its file
    name, never the server's path to it."""
    if c.url and c.url.startswith(("http://", "https://")):
        return Run(c.url, "url")
    name = PurePath(c.path or c.url or "").name
    return Run(f"file {name}" if name else "no URL or file recorded")
