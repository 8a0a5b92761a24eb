"""Stories kept week to week, so the third week of a rail strike is the same story as its first.

The story book is one JSON file beside the store's briefs (`<notebook>/stories.json`), written whole
(a crash leaves the old file or the new one) under a lock file. A weekly brief files its week: each of the
window's stories is the kept story whose centroid, as of its latest earlier week, is nearest to its own,
when that cosine reaches `briefs.story_match` (best pairs first, one story per cluster); else it is a new
story. Filing a week again first forgets that week, so the same store and window give the same ids.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from briefing.brief.results import BriefError
from briefing.brief.stories import Story, founding_id
from briefing.config import Settings
from briefing.files import locked, write_json

STORIES_FILE = "stories.json"


@dataclass(frozen=True)
class StoryWeek:
    """One week of a kept story: its articles and outlets, its title and centroid that week."""

    title: str
    articles: tuple[str, ...]
    outlets: tuple[str, ...]
    centroid: np.ndarray = field(repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        packed = base64.b64encode(self.centroid.astype(np.float16).tobytes()).decode()
        return {
            "title": self.title,
            "articles": list(self.articles),
            "outlets": list(self.outlets),
            "centroid": packed,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> StoryWeek:
        centroid = np.frombuffer(base64.b64decode(d["centroid"]), dtype=np.float16).astype(np.float32)
        return cls(d["title"], tuple(d["articles"]), tuple(d["outlets"]), centroid)


@dataclass(frozen=True)
class KeptStory:
    """A story as kept: its id and its weeks (ISO week: what it was that week)."""

    id: str
    weeks: dict[str, StoryWeek]

    @property
    def first_week(self) -> str:
        return min(self.weeks)

    @property
    def last_week(self) -> str:
        return max(self.weeks)

    @property
    def title(self) -> str:
        """Its latest week's title."""
        return self.weeks[self.last_week].title

    def before(self, week: str) -> StoryWeek | None:
        """Its latest week before `week`, if any."""
        earlier = [w for w in self.weeks if w < week]
        return self.weeks[max(earlier)] if earlier else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "first_week": self.first_week,
            "last_week": self.last_week,
            "weeks": [
                {"week": w, "title": s.title, "articles": list(s.articles), "outlets": list(s.outlets)}
                for w, s in sorted(self.weeks.items())
            ],
        }


def match(found: np.ndarray, kept: np.ndarray, threshold: float) -> dict[int, int]:
    """Row of `found` -> row of `kept`, one to one, the most similar pairs first, each at least
    `threshold` (cosine of unit centroids); ties go to the earlier rows, so the result is deterministic."""
    if not len(found) or not len(kept):
        return {}
    sims = found @ kept.T
    pairs = sorted(
        ((float(sims[i, j]), i, j) for i in range(len(found)) for j in range(len(kept))),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    out: dict[int, int] = {}
    taken: set[int] = set()
    for sim, i, j in pairs:
        if sim < threshold:
            break
        if i not in out and j not in taken:
            out[i] = j
            taken.add(j)
    return out


class StoryBook:
    """The kept stories; `path` None keeps them in memory only (a benchmark over a read-only store)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.stories: dict[str, KeptStory] = self._read() if path else {}

    @classmethod
    def of(cls, settings: Settings) -> StoryBook:
        return cls(settings.notebook_dir / STORIES_FILE)

    def _read(self) -> dict[str, KeptStory]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {
                sid: KeptStory(sid, {w: StoryWeek.from_json(d) for w, d in weeks.items()})
                for sid, weeks in raw["stories"].items()
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BriefError(f"the story book {self.path} cannot be read: {exc}") from None

    def listing(self, since_week: str | None = None) -> list[KeptStory]:
        """Kept stories seen in or after `since_week`, the latest first, then the longest running."""
        kept = [s for s in self.stories.values() if since_week is None or s.last_week >= since_week]
        return sorted(kept, key=lambda s: (s.last_week, len(s.weeks), s.id), reverse=True)

    def file_week(self, week: str, found: Sequence[Story], threshold: float) -> list[Story]:
        """`found` (one window's stories) with their kept ids and first weeks, the week filed in the book."""
        if self.path is None:
            return self._file(week, found, threshold)
        with locked(self.path):
            self.stories = self._read()  # another process may have filed a week meanwhile
            out = self._file(week, found, threshold)
            data = {sid: {w: s.to_json() for w, s in k.weeks.items()} for sid, k in self.stories.items()}
            write_json(self.path, {"version": 1, "stories": data})
            return out

    def _file(self, week: str, found: Sequence[Story], threshold: float) -> list[Story]:
        self.stories = {
            sid: KeptStory(sid, weeks)
            for sid, k in sorted(self.stories.items())
            if (weeks := {w: s for w, s in k.weeks.items() if w != week})
        }
        candidates = [(k, ref) for k in self.stories.values() if (ref := k.before(week)) is not None]
        pairs = match(
            np.stack([s.centroid for s in found]) if found else np.zeros((0, 1)),
            np.stack([ref.centroid for _, ref in candidates]) if candidates else np.zeros((0, 1)),
            threshold,
        )
        out = []
        for i, story in enumerate(found):
            kept = candidates[pairs[i]][0] if i in pairs else None
            sid = kept.id if kept else founding_id(week, story.article_ids)
            weeks = dict(kept.weeks) if kept else {}
            weeks[week] = StoryWeek(story.title, story.article_ids, story.outlets, story.centroid)
            self.stories[sid] = KeptStory(sid, weeks)
            out.append(replace(story, id=sid, first_week=min(weeks)))
        return out
