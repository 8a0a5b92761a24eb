"""Every brief made, kept with its audit record under the store's `briefs/` folder, so the app and the CLI
can list and reopen earlier briefs alike."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from briefing.brief import Brief
from briefing.brief.results import window_text
from briefing.brief.stories import week_of
from briefing.config import Settings
from briefing.export import render_html, save
from briefing.export_docx import write_docx

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

    until: date | None = None  # the window's last day, when it had one

    @property
    def word(self) -> Path | None:
        """The Word file kept beside the Markdown, if there is one (briefs kept before Word was)."""
        path = self.path.with_suffix(".docx")
        return path if path.is_file() else None

    @property
    def html(self) -> Path | None:
        path = self.path.with_suffix(".html")
        return path if path.is_file() else None

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


def slug(text: str, limit: int = 60) -> str:
    """A file name for a title: lower-case words joined by hyphens, cut after a whole word, so a name never
    ends in half of one ("...-surveillance-fi")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = ""
    for w in words:
        if out and len(out) + 1 + len(w) > limit:
            break
        out = f"{out}-{w}" if out else w[:limit]
    return out or "brief"


def keep(brief: Brief, settings: Settings) -> Path:
    """Save the brief as Markdown with its audit record in the store's briefs folder, and as Word and HTML
    beside it (so an earlier brief is forwarded or shown as it was, not rebuilt); the Markdown's path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = save(brief, settings.notebook_dir / BRIEFS_DIR / f"{stamp}-{slug(brief.title)}.md", "md").path
    write_docx(brief, path.with_suffix(".docx"))
    path.with_suffix(".html").write_text(render_html(brief), encoding="utf-8")
    return path


def earlier_briefs(settings: Settings) -> list[EarlierBrief]:
    """Briefs kept under the store, newest first, read from their audit records (unreadable ones are
    skipped: a half-written record must not break a listing)."""
    found = []
    for audit in (settings.notebook_dir / BRIEFS_DIR).glob("*.audit.json"):
        try:
            rec = json.loads(audit.read_text(encoding="utf-8"))
            window = rec["window"]
            found.append(
                EarlierBrief(
                    title=rec["title"],
                    kind=rec["kind"],
                    window=window_text(window["since"], window["until"]),
                    made_by=f"{rec['backend']} · {rec['model']}",
                    saved_at=rec["output"]["saved_at"],
                    flags=rec["checker"]["unsupported"] + rec["checker"]["dropped"],
                    path=Path(rec["output"]["path"]),
                    until=date.fromisoformat(window["until"]) if window["until"] else None,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda b: b.saved_at, reverse=True)


def previous_weekly(settings: Settings, since: date, until: date) -> dict[str, Any] | None:
    """The audit record of the last weekly brief before this window: the newest kept one filed under the
    latest earlier ISO week (what "Since last week" compares with), or None."""
    week = week_of(since, until)
    best: tuple[str, str, dict[str, Any]] | None = None
    for audit in (settings.notebook_dir / BRIEFS_DIR).glob("*.audit.json"):
        try:
            rec = json.loads(audit.read_text(encoding="utf-8"))
            window = rec["window"]
            theirs = week_of(date.fromisoformat(window["since"]), date.fromisoformat(window["until"]))
            key = (theirs, rec["output"]["saved_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if rec.get("kind") == "weekly" and theirs < week and (best is None or key > best[:2]):
            best = (*key, rec)
    return best[2] if best else None


def kept_brief(settings: Settings, name: str) -> EarlierBrief | None:
    """The kept brief whose file is named `name` (without its suffix: what the app's address names), or
    None; only the briefs listed are looked at, so no path from an address is ever opened."""
    return next((b for b in earlier_briefs(settings) if b.path.stem == name), None)
