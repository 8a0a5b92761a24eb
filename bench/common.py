"""Helpers shared by the benchmarks: where the shared data is, and a timer that reports medians."""

from __future__ import annotations

import json
import resource
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALTIMEQA = SHARED / "eval" / "realtimeqa"
OUT = ROOT / "bench" / "out"


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
