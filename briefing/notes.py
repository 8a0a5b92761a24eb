"""Notes: an answer or a passage an analyst keeps, gathered in the notebook and added to a brief, where the
passages they rest on are cited like any other.

Kept in the store (`<collection>_notes`), like feeds and topics, so a team on one Chroma server shares
them; a note refers to stored passages by id, so what it cites resolves to the passages themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

from briefing.store import Store

KIND = "notes"


@dataclass(frozen=True)
class Note:
    """`kind` is "answer" (an answer's text and every passage it cites) or "passage" (one passage)."""

    id: str
    kind: str
    text: str
    chunk_ids: str  # comma-separated: Chroma metadata holds no lists
    question: str = ""
    source: str = ""  # outlet and date, for a passage
    saved_at: str = ""

    @property
    def passages(self) -> list[str]:
        return [c for c in self.chunk_ids.split(",") if c]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, meta: dict[str, Any]) -> Note:
        return cls(**{f.name: meta[f.name] for f in fields(cls) if f.name in meta})


class Notes:
    """The notes of one notebook (collection), newest first."""

    def __init__(self, store: Store):
        self.records = store.records(KIND)

    def list(self) -> list[Note]:
        notes = [Note.from_record(meta) for meta in self.records.all().values()]
        return sorted(notes, key=lambda n: (n.saved_at, n.id), reverse=True)

    def add(self, kind: str, text: str, chunk_ids: list[str], question: str = "", source: str = "") -> Note:
        note = Note(uuid.uuid4().hex[:16], kind, text.strip(), ",".join(dict.fromkeys(chunk_ids)), question,
                    source, datetime.now(UTC).isoformat(timespec="seconds"))  # fmt: skip
        self.records.put(note.id, note.to_dict())
        return note

    def remove(self, note_id: str) -> None:
        self.records.delete(note_id)
