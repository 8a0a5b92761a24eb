"""Every brief made, kept with its audit record under the store's `briefs/` folder, so the app and the CLI
can list and reopen earlier briefs alike."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from briefing.brief import Brief
from briefing.config import Settings
from briefing.export import save

BRIEFS_DIR = "briefs"


@dataclass(frozen=True)
class EarlierBrief:
    """A brief saved earlier, as its audit record describes it."""

    title: str
    kind: str
    window: str
    made_by: str
    saved_at: str
    flags: int
    path: Path

    @property
    def label(self) -> str:
        return f"{self.saved_at} — {self.title}"

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "kind": self.kind,
            "window": self.window,
            "made_by": self.made_by,
            "saved_at": self.saved_at,
            "flags": self.flags,
            "path": str(self.path),
        }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "brief"


def keep(brief: Brief, settings: Settings) -> Path:
    """Save the brief as Markdown with its audit record in the store's briefs folder; its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return save(brief, settings.store_dir / BRIEFS_DIR / f"{stamp}-{_slug(brief.title)}.md", "md").path


def earlier_briefs(settings: Settings) -> list[EarlierBrief]:
    """Briefs kept under the store, newest first, read from their audit records (unreadable ones are
    skipped: a half-written record must not break a listing)."""
    found = []
    for audit in (settings.store_dir / BRIEFS_DIR).glob("*.audit.json"):
        try:
            rec = json.loads(audit.read_text(encoding="utf-8"))
            window = rec["window"]
            found.append(
                EarlierBrief(
                    title=rec["title"],
                    kind=rec["kind"],
                    window=f"{window['since'] or 'earliest'} to {window['until'] or 'latest'}",
                    made_by=f"{rec['backend']} · {rec['model']}",
                    saved_at=rec["output"]["saved_at"],
                    flags=rec["checker"]["unsupported"] + rec["checker"]["dropped"],
                    path=Path(rec["output"]["path"]),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda b: b.saved_at, reverse=True)
