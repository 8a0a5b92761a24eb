"""Prompt templates, kept as versioned files in `prompts/` and loaded by name.

`prompts/` ships inside the package as `briefing.prompt_files` (see pyproject.toml), so an installed
briefing reads the same files through `importlib.resources` as a checkout does.

A prompt file has a front-matter block (name, version, purpose, variables) and `[system]` / `[user]`
sections. Templates use `{variable}` placeholders; the values (article passages above all) are inserted as
data by LangChain and never parsed as template text, so braces in an article cannot break a prompt.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from langchain_core.prompts import ChatPromptTemplate

PROMPTS_DIR: Traversable = files("briefing.prompt_files")
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)


class PromptError(ValueError):
    """A prompt file is missing or malformed."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str

    @property
    def id(self) -> str:
        """`name@version`, recorded with every answer and brief."""
        return f"{self.name}@{self.version}"

    def template(self) -> ChatPromptTemplate:
        return ChatPromptTemplate.from_messages([("system", self.system), ("human", self.user)])


def source_tag(n: int, text: str, **attributes: str) -> str:
    """One passage as prompt data: `<source id="n" name="value"...>text</source>`. Values and text are
    escaped, so an article can neither close its tag and speak outside it nor add an attribute."""
    attrs = "".join(f' {name}="{html.escape(value)}"' for name, value in attributes.items())
    return f'<source id="{n}"{attrs}>{html.escape(text, quote=False)}</source>'


@cache
def load_prompt(name: str) -> Prompt:
    path = PROMPTS_DIR.joinpath(f"{name}.md")
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"prompt {name!r} not found at {path}") from exc
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", raw, re.DOTALL)
    if not match:
        raise PromptError(f"{path}: expected a front-matter block between '---' lines")
    meta = dict(line.split(":", 1) for line in match.group(1).splitlines() if ":" in line)
    meta = {k.strip(): v.strip() for k, v in meta.items()}
    parts = _SECTION.split(match.group(2))
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if "version" not in meta or set(sections) != {"system", "user"}:
        raise PromptError(f"{path}: needs a version and exactly one [system] and one [user] section")
    return Prompt(meta.get("name", name), meta["version"], sections["system"], sections["user"])
