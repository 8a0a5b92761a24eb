"""Brief templates: TOML files in prompts/templates/, one [[sections]] entry per section.

A section says how it is written (`form`), which retrieval queries gather its material (`queries`,
"{topic}" replaced), what kind of claims it takes (`select`), and what its writer is told (`guidance`).
Every claim gathered for a brief goes to exactly one section, so `select` (one of SELECT) decides where a
claim lands.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from briefing.brief.results import BriefError
from briefing.prompts import PROMPTS_DIR

TEMPLATES_DIR = PROMPTS_DIR.joinpath("templates")
FORMS = ("bullets", "prose", "dated")
SELECT = {
    "top": "the most relevant and most widely reported claims",
    "actors": "what named actors said or did, one bullet per actor",
    "events": "reported developments, in date order",
    "impact": "consequences and risks the sources describe",
    "future": "what is pending, planned or expected",
    "context": "background: who the actors are and how it came about",
}
# The order sections choose their claims in: the specific kinds first, so a statement by an actor lands
# under positions rather than in the background, and "top" first of all, since the bottom line is what
# a reader must not miss.
PICK_ORDER = ("top", "actors", "future", "impact", "events", "context")


@dataclass(frozen=True)
class SectionSpec:
    """One section of a template."""

    key: str
    title: str
    form: str
    queries: tuple[str, ...]
    guidance: str
    items: int
    select: str = "context"
    label: str = ""  # shown under the heading, e.g. that the section is analysis


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    sections: tuple[SectionSpec, ...]


def template_names() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in TEMPLATES_DIR.iterdir() if p.name.endswith(".toml"))


def load_template(name_or_path: str | Path) -> Template:
    """A template by name (`prompts/templates/<name>.toml`) or by path to a TOML file."""
    path: Path | Traversable = Path(name_or_path)
    if not path.suffix:
        path = TEMPLATES_DIR.joinpath(f"{name_or_path}.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        known = ", ".join(template_names())
        raise BriefError(f"brief template {str(name_or_path)!r} not found (known: {known})") from None
    except tomllib.TOMLDecodeError as exc:
        raise BriefError(f"{path}: {exc}") from None
    sections = []
    for i, s in enumerate(data.get("sections", [])):
        form, select = s.get("form", "bullets"), s.get("select", "context")
        if form not in FORMS or select not in SELECT or not s.get("title") or not s.get("queries"):
            raise BriefError(
                f"{path}: section {i + 1} needs a title, queries, a form in {FORMS} and a select "
                f"in {tuple(SELECT)}"
            )
        sections.append(
            SectionSpec(
                s.get("key", f"s{i + 1}"),
                s["title"],
                form,
                tuple(s["queries"]),
                s.get("guidance", ""),
                int(s.get("items", 4)),
                select,
                s.get("label", ""),
            )
        )
    if not sections:
        raise BriefError(f"{path}: a template needs at least one [[sections]] entry")
    return Template(
        data.get("name", path.name.removesuffix(".toml")), data.get("title", "Brief"), tuple(sections)
    )
