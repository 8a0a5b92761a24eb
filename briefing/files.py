"""Small files written whole: a crash leaves the old file or the new one, never half of either."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json(path: Path, data: Any, *, private: bool = False, indent: int | None = None) -> None:
    """Write `data` as JSON to a temporary file beside `path`, then put it in place; `private`: readable
    by its owner only (users, sign-ins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=indent)
    if private:
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
