"""The activity log: every change to a store (ingest, removal, brief, feed, topic, user, settings, sign-in)
appended as one JSON line with who, when, what and the notebook, in `<store_dir>/activity.jsonl`.

A line is written whole in one append, so a crash leaves at most a missing line, never half of one. What
is recorded is named by the caller; an API key never is (`redact` runs over every value as a last guard).
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing.config import Settings
from briefing.llm import redact

FILE = "activity.jsonl"


def log_path(settings: Settings) -> Path:
    return settings.store_dir / FILE


def operator() -> str:
    """Who runs a CLI command: the machine's user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(settings: Settings, who: str, action: str, **what: Any) -> None:
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "who": who,
        "notebook": settings.collection,
        "action": action,
        **{k: _value(v) for k, v in what.items()},
    }
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _value(v: Any) -> Any:
    if isinstance(v, bool | int | float):
        return v
    if isinstance(v, tuple | list | set):
        return [redact(str(x)) for x in v]
    if isinstance(v, dict):  # an edit's old and new values, field by field
        return {str(k): _value(x) for k, x in v.items()}
    return redact(str(v))


def recent(settings: Settings, n: int = 200) -> list[dict[str, Any]]:
    """The last `n` entries, newest first; a damaged line is skipped."""
    path = log_path(settings)
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[-n:]:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out[::-1]
