"""What changed since the last weekly brief: the "Since last week" section and the not-restated rule.

A story is continuing when the story book has it in an earlier week, new otherwise. The last weekly brief
(the archive's newest one filed under an earlier week, its audit record) says what was stated: a claim
the same as one of its sentences, by the brief's own same-claim rule (`claims.same_claim`), is not stated
again. "Since last week" then gives one line per continuing story (its newest claim not stated before),
names the new stories, and names once the stories of the last brief that nothing reports this week.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from briefing.brief.claims import Claim, same_claim
from briefing.brief.context import Context
from briefing.brief.results import Paragraph, Section
from briefing.brief.stories import Story, week_of
from briefing.brief.writing import Job
from briefing.config import BriefTuning
from briefing.embeddings import Embedder, embed_cached
from briefing.markers import strip_markers
from briefing.signals import content_stems

SINCE_KEY = "since"


@dataclass(frozen=True)
class LastBrief:
    """What the last weekly brief stated: its week, its stories (id, title, section) and its sentences."""

    week: str
    title: str
    stories: tuple[dict[str, Any], ...]
    texts: tuple[str, ...]

    @classmethod
    def of(cls, record: Mapping[str, Any] | None) -> LastBrief | None:
        """From an audit record (a brief kept before stories were, has no stories but its sentences)."""
        if not record:
            return None
        kept = record.get("stories") or {}
        window = record["window"]
        week = kept.get("week") or week_of(*(date.fromisoformat(window[k]) for k in ("since", "until")))
        texts = tuple(strip_markers(x["text"]) for s in record["sections"] for x in s["sentences"])
        return cls(week, record["title"], tuple(kept.get("stories", ())), texts)


def restated(
    texts: Sequence[str], before: Sequence[str], embedder: Embedder, tuning: BriefTuning
) -> list[bool]:
    """For each text, whether one of `before` states the same claim (the rule that merges one statement
    carried by several outlets)."""
    if not texts or not before:
        return [False] * len(texts)
    vectors = embed_cached([*texts, *before], embedder)
    old = [(vectors[b], content_stems(b)) for b in before]
    return [any(same_claim(vectors[t], content_stems(t), v, w, tuning) for v, w in old) for t in texts]


def unstated(ctx: Context, claims: Sequence[Claim], last: LastBrief | None) -> list[Claim]:
    """The claims the last brief did not state."""
    if last is None:
        return list(claims)
    said = restated([c.text for c in claims], last.texts, ctx.embedder, ctx.settings.briefs)
    return [c for c, s in zip(claims, said) if not s]


def fresh_share(
    record: Mapping[str, Any], previous: Mapping[str, Any], embedder: Embedder, tuning: BriefTuning
) -> tuple[int, int]:
    """Of the sentences a weekly brief states under its continuing stories (their sections and their
    "Since last week" lines), how many the previous brief did not state, and how many there are: the
    what-changed figure of bench/weekly_quiz.py."""
    continuing = {s["section"] for s in record["stories"]["stories"] if s["status"] == "continuing"}
    texts = [
        strip_markers(x["text"])
        for s in record["sections"]
        if s["key"] in continuing or s["key"] == SINCE_KEY
        for x in s["sentences"]
    ]
    last = LastBrief.of(previous)
    said = restated(texts, last.texts if last else (), embedder, tuning)
    return said.count(False), len(texts)


@dataclass
class Changes:
    """This week against the last brief: the brief's stories, the newest unstated claim of each continuing
    one, and the last brief's stories nothing reports this week."""

    week: str
    last: LastBrief | None
    stories: list[Story]
    news: dict[int, Claim]
    gone: list[dict[str, Any]]

    @classmethod
    def of(
        cls,
        week: str,
        last: LastBrief | None,
        filed: Sequence[Story],
        stories: Sequence[Story],
        per_story: list[list[Claim]],
    ) -> Changes:
        """`per_story` (already without what the last brief stated) loses each continuing story's newest
        claim, which the section states instead."""
        news = {}
        for i, (story, claims) in enumerate(zip(stories, per_story)):
            if story.first_week < week and claims:
                newest = max(claims, key=lambda c: (c.chunk.published, c.relevance))
                news[i] = newest
                claims.remove(newest)
        seen = {s.id for s in filed}
        gone = [s for s in (last.stories if last else ()) if s["id"] not in seen]
        return cls(week, last, list(stories), news, gone)

    def continuing(self, story: Story) -> bool:
        return story.first_week < self.week

    def label(self, story: Story) -> str:
        """The line under a story's heading: new, or since when it runs."""
        if not self.continuing(story):
            return "New this week."
        text = f"Continuing since {story.first_week}"
        return text + (f"; what the brief of {self.last.week} stated is not repeated." if self.last else ".")

    def job(self) -> Job:
        return Job(
            SINCE_KEY,
            "Since last week",
            "bullets",
            "What is new in the stories that ran before this week.",
            tuple(self.stories[i].title for i in self.news),
            tuple(self.news.values()),
            label=f"Compared with the weekly brief of {self.last.week}." if self.last else "",
        )

    def finish(self, section: Section) -> None:
        """Each written line led by its story's title; then the continuing stories with nothing new, the
        new stories and the stories gone quiet, each named once."""
        owner = {c.chunk.id: i for i, c in self.news.items()}
        for n, p in enumerate(section.paragraphs):
            i = next((owner[c] for x in p.sentences for c in x.chunk_ids if c in owner), None)
            if i is not None:
                section.paragraphs[n] = Paragraph(p.sentences, p.bullet, p.day, self._lead(self.stories[i]))
        written = {
            owner[c] for p in section.paragraphs for x in p.sentences for c in x.chunk_ids if c in owner
        }
        quiet = [s for i, s in enumerate(self.stories) if self.continuing(s) and i not in written]
        extra = [
            f"{self._lead(s)}: nothing reported this week that the last brief did not state" for s in quiet
        ]
        if new := [s.title for s in self.stories if not self.continuing(s)]:
            extra.append("New this week: " + "; ".join(new))
        if self.gone:
            extra.append(
                "Gone quiet (in the last brief; no story this week continues it): "
                + "; ".join(g["title"] for g in self.gone)
            )
        section.paragraphs += [Paragraph((), True, lead=text) for text in extra]
        section.not_in_sources = False

    def _lead(self, story: Story) -> str:
        return f"{story.title} (continuing since {story.first_week})"

    def record(self, filed: Sequence[Story], keys: set[str]) -> dict[str, Any]:
        """For the audit record: this week, the last brief, each story of the brief (its section among
        `keys`, or None when it has none, its status, articles and outlets) and those gone quiet; the next
        week's brief reads it."""
        return {
            "week": self.week,
            "previous": {"week": self.last.week, "title": self.last.title} if self.last else None,
            "stories": [
                {
                    "id": s.id,
                    "title": s.title,
                    "section": f"story-{i}" if f"story-{i}" in keys else None,
                    "status": "continuing" if self.continuing(s) else "new",
                    "first_week": s.first_week,
                    "articles": list(s.article_ids),
                    "outlets": list(s.outlets),
                }
                for i, s in enumerate(self.stories, start=1)
            ],
            "gone_quiet": [{"id": g["id"], "title": g["title"]} for g in self.gone],
            "filed": len(filed),
        }
