"""Saved conversations: every exchange as it was shown (the checked answer's HTML, its warnings, its
sources and the filters it was asked under), kept as one JSON file per conversation under the store folder,
so a conversation survives a reload and a restart and can be renamed, reopened, deleted and exported.
Whose list it is: a signed-in user's (conversations/users/<name>/), or, where nobody signs in, one
browser's (conversations/browsers/<id>/, the id from briefing.app.browser).

What is kept is a snapshot, not the Answer object: a reopened answer reads as it did when it was given,
even after the article it cites was removed.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document

from briefing.answer import Answer
from briefing.app.browser import valid_id
from briefing.app.render import answer_html, answer_warnings, source_cards_html
from briefing.config import Settings
from briefing.export import md_inert, md_link
from briefing.files import write_json

FOLDER = "conversations"  # under the store folder, beside briefs/
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Exchange:
    """One question and what came back, as shown: the answer's HTML and source cards, its warnings, its
    sources, or the error. `answer` is the live Answer while this session holds it (not saved)."""

    question: str
    text: str = ""  # the checked answer, for condensing a follow-up and for export
    html: str = ""
    cards: str = ""
    warnings: list[str] = field(default_factory=list)
    made_by: str = ""
    note: str = ""
    filters: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    answer: Answer | None = None

    @classmethod
    def answered(cls, question: str, answer: Answer, anchor: str, filters: str, notebook: str) -> Exchange:
        return cls(
            question,
            text=answer.check.text,
            html=answer_html(answer, anchor),
            cards=source_cards_html(answer, anchor, notebook=notebook) if answer.citations else "",
            warnings=answer_warnings(answer),
            made_by=f"{answer.backend} · {answer.model}",
            note=answer.note or "",
            filters=filters,
            sources=[
                {
                    "n": c.n,
                    "chunk_id": c.chunk_id,
                    "title": c.title,
                    "outlets": c.outlets,
                    "quote": c.quote,
                    "url": c.url,
                    "published": c.published.isoformat() if c.published else None,
                }
                for c in answer.citations
            ],  # fmt: skip
            answer=answer,
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "answer"}


@dataclass
class Conversation:
    id: str
    title: str
    created: str
    updated: str
    exchanges: list[Exchange] = field(default_factory=list)
    shared: bool = False  # one of the deployment's own (kept before each browser had its own): read-only

    @classmethod
    def new(cls) -> Conversation:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(uuid.uuid4().hex, "", now, now)

    @property
    def label(self) -> str:
        shared = " · shared" if self.shared else ""
        return f"{self.title or 'Untitled'} · {self.updated[:16].replace('T', ' ')}{shared}"


class Conversations:
    """The conversations kept for one notebook (on this machine, like the briefs archive): a signed-in
    user's own, under their name; without sign-in, one browser's own, under its id, with the deployment's
    list from before each browser had its own (conversations/*.json) shown to every browser read-only, so
    nothing an operator kept vanishes and no browser changes what the others see. With neither: the
    deployment's list itself."""

    def __init__(self, settings: Settings, owner: str | None = None, browser: str | None = None):
        self.folder = settings.notebook_dir / FOLDER
        self.shared: Path | None = None  # the deployment's list, offered read-only
        if owner:
            self.folder = self.folder / "users" / re.sub(r"[^\w.-]+", "_", owner)
        elif browser is not None:
            if valid_id(browser) is None:
                raise ValueError("not a browser id")  # it comes from a cookie and names a folder
            self.shared, self.folder = self.folder, self.folder / "browsers" / browser

    def _path(self, conversation_id: str, folder: Path | None = None) -> Path:
        if not _ID.match(conversation_id):
            raise KeyError(conversation_id)  # never a path built from what a URL says
        return (folder or self.folder) / f"{conversation_id}.json"

    def _folders(self) -> list[tuple[Path, bool]]:
        return [(self.folder, False)] + ([(self.shared, True)] if self.shared else [])

    def list(self) -> list[Conversation]:
        """Newest first, without their exchanges; a damaged file is skipped, not a broken page."""
        found: dict[str, Conversation] = {}
        for folder, shared in self._folders():
            for path in folder.glob("*.json"):
                try:
                    conv = self._read(path, with_exchanges=False, shared=shared)
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                found.setdefault(conv.id, conv)
        return sorted(found.values(), key=lambda c: c.updated, reverse=True)

    def load(self, conversation_id: str) -> Conversation | None:
        for folder, shared in self._folders():
            try:
                return self._read(self._path(conversation_id, folder), shared=shared)
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return None

    @staticmethod
    def own(conv: Conversation) -> None:
        """A shared conversation about to change (continued or renamed) becomes a copy of this list's own,
        under a new id; the shared one stays as it was."""
        if conv.shared:
            conv.id, conv.shared = uuid.uuid4().hex, False

    def save(self, conv: Conversation) -> None:
        """Written whole to a temporary file first, so a crash never leaves half a conversation; a shared
        one is saved as this list's own copy (`own`)."""
        self.own(conv)
        conv.updated = datetime.now(UTC).isoformat(timespec="seconds")
        if not conv.title and conv.exchanges:
            conv.title = conv.exchanges[0].question[:80]
        data = {"id": conv.id, "title": conv.title, "created": conv.created, "updated": conv.updated,
                "exchanges": [e.to_dict() for e in conv.exchanges]}  # fmt: skip
        write_json(self._path(conv.id), data)

    def delete(self, conversation_id: str) -> None:
        """Only this list's own: a shared conversation is the operator's to remove."""
        self._path(conversation_id).unlink(missing_ok=True)

    def _read(self, path: Path, with_exchanges: bool = True, shared: bool = False) -> Conversation:
        data = json.loads(path.read_text(encoding="utf-8"))
        exchanges = [Exchange(**e) for e in data["exchanges"]] if with_exchanges else []
        return Conversation(data["id"], data["title"], data["created"], data["updated"], exchanges, shared)


def to_markdown(conv: Conversation) -> str:
    """The conversation with each answer's numbered sources, to keep or forward."""
    lines = [f"# {md_inert(conv.title or 'Conversation')}", "", f"*{conv.created[:10]} · briefing*", ""]
    for e in conv.exchanges:
        lines += [f"## {md_inert(e.question)}", ""]
        if e.error:
            lines += [f"*Not answered: {md_inert(e.error)}*", ""]
            continue
        lines += [md_inert(e.text, markers=True), ""]
        if e.filters:
            lines += [f"*Asked with {e.filters}; answered by {e.made_by}.*", ""]
        for s in e.sources:
            where = f" {md_link(s['url'])}" if s.get("url") else ""
            said = md_inert(f"{s['title']}. {', '.join(s['outlets'])}, {s['published'] or 'undated'}.")
            lines.append(f"[{s['n']}] {said}{where}  ")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_docx(conv: Conversation) -> bytes:
    doc = Document()
    doc.core_properties.title = conv.title
    doc.core_properties.author = "briefing"
    doc.add_heading(conv.title or "Conversation", level=0)
    for e in conv.exchanges:
        doc.add_heading(e.question, level=1)
        doc.add_paragraph(e.error and f"Not answered: {e.error}" or e.text)
        for s in e.sources:
            doc.add_paragraph(f"[{s['n']}] {s['title']}. {', '.join(s['outlets'])}, {s['published'] or 'undated'}. "
                              + (s.get("url") or ""))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "conversation.docx"
        doc.save(str(path))
        return path.read_bytes()
