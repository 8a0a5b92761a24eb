"""briefing: turn a pile of news articles into cited answers and policy briefs."""

__version__ = "0.1.0"
