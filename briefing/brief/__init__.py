"""Topic briefs and weekly briefs, claims first.

The steps, one module each:
  claims.py         gather the evidence once: the atomic claims of the retrieved passages, merged across outlets
  disagreements.py  figures the sources give differently, stated once as a "Sources differ" note
  sections.py       every claim to one section (bottom line, actors' positions, developments, ...)
  writing.py        each section written from its own claims, checked and repaired bullet by bullet
  build.py          the topic brief, and numbering every cited passage once
  stories.py        a window's stories: its articles clustered, roundup pages kept out
  kept.py           stories kept week to week in the store's story book, with stable ids
  changes.py        what changed since the last weekly brief, and what it stated (not stated again)
  weekly.py         the weekly brief: since last week, an overview, each story, what to watch
  templates.py      the section templates in prompts/templates/
  results.py        what a brief is made of, and its audit record
"""

from briefing.brief.build import build_brief
from briefing.brief.disagreements import find_disagreements
from briefing.brief.kept import KeptStory, StoryBook
from briefing.brief.results import (
    Brief,
    BriefError,
    Disagreement,
    Paragraph,
    Progress,
    ProgressEvent,
    Section,
    Sentence,
    Side,
    Source,
)
from briefing.brief.stories import Story, cluster, find_stories, roundup, week_of
from briefing.brief.templates import TEMPLATES_DIR, load_template, template_names
from briefing.brief.weekly import build_weekly, iso_week, weekly_filename
from briefing.brief.writing import independent_outlets

__all__ = [
    "TEMPLATES_DIR",
    "Brief",
    "BriefError",
    "Disagreement",
    "KeptStory",
    "Paragraph",
    "Progress",
    "ProgressEvent",
    "Section",
    "Sentence",
    "Side",
    "Source",
    "Story",
    "StoryBook",
    "build_brief",
    "build_weekly",
    "cluster",
    "find_disagreements",
    "find_stories",
    "independent_outlets",
    "iso_week",
    "load_template",
    "roundup",
    "template_names",
    "week_of",
    "weekly_filename",
]
