"""Briefs drafted by a language model over an OpenAI-compatible server, replaying recorded HTTP exchanges
(vcrpy cassettes in tests/integration/cassettes/test_brief_recorded/). No server and no key are needed to replay.

One test per section form (bullets, prose, dated), each a section of the standard template drafted alone so
a cassette holds one exchange, and one weekly brief. The articles are invented here (a fictional lithium
licence dispute and a ferry strike), so cassettes hold no third-party text. Request bodies are matched: a change to a prompt, a template or the
retrieval makes replay fail: remove tests/integration/cassettes/test_brief_recorded and run this file with
`--record-mode=once` against the llama.cpp server (README "Re-recording cassettes"); ~17 minutes on 2 cores.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import pytest

from briefing.answer import Answerer
from briefing.brief import TEMPLATES_DIR, Brief, build_brief, build_weekly
from briefing.brief.headline import headline_fault
from briefing.export import render_markdown
from briefing.ingest import ingest
from briefing.markers import MARKER, parse_marker
from briefing.store import Store
from tests.recorded import MODEL, llm_settings, write_articles

WEEK = (date(2032, 4, 5), date(2032, 4, 11))

ARTICLES = {
    "lith-1.txt": (
        "Meridian Post",
        date(2032, 4, 6),
        """Orvana suspends Brightvale lithium licence

The government of Orvana suspended the mining licence of Brightvale Metals on Tuesday, citing water pollution near the Sarn lithium mine. Mines minister Petra Lund said the suspension would last until an independent water audit is finished.

Brightvale shares fell 14% in early trading on Tuesday after the announcement. The company said it would challenge the decision in court.""",
    ),
    "lith-2.txt": (
        "Eastland Times",
        date(2032, 4, 7),
        """Brightvale to fight Orvana licence suspension in court

Brightvale Metals said on Wednesday it had filed a court challenge against Orvana's suspension of its licence at the Sarn lithium mine. Chief executive Aron Vell said the company had met every water standard.

Brightvale shares dropped as much as 11.5 per cent on Tuesday before closing lower. Farmers near Sarn said their wells had turned salty since the mine expanded in 2030.""",
    ),
    "lith-3.txt": (
        "Orvana Daily Wire",
        date(2032, 4, 9),
        """Orvana court to hear Brightvale case on April 20

An Orvana court will hear Brightvale Metals' challenge to the suspension of its Sarn lithium licence on April 20. Mines minister Petra Lund said the government would publish the water audit before the hearing.

The Sarn mine produced 18,000 tonnes of lithium carbonate last year, about a fifth of Orvana's exports.""",
    ),
    "ferry-1.txt": (
        "Harbour Herald",
        date(2032, 4, 8),
        """Teller Bay ferry crews strike over rosters

Ferry crews in Teller Bay walked out on Thursday over new rosters, stranding commuters on the islands. The Maritime Crews Union said 600 members joined the strike.

Transport commissioner Ida Rosk said talks with the union would resume on Monday.""",
    ),
    "ferry-2.txt": (
        "Coastal Ledger",
        date(2032, 4, 10),
        """Teller Bay ferry strike enters third day

The Teller Bay ferry strike entered its third day on Saturday. Union secretary Olle Brandt said crews would return only if the new rosters were withdrawn.

Island shops reported shortages of fresh food as deliveries stopped.""",
    ),
    "lith-0.txt": (
        "Meridian Post",
        date(2032, 3, 2),
        """Farmers near Sarn lithium mine complain of salty wells

Farmers near Brightvale Metals' Sarn lithium mine in Orvana said their wells had turned salty. Brightvale said its own tests found no link to the mine.""",
    ),
}


@pytest.fixture(scope="module")
def articles_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_articles(tmp_path_factory.mktemp("orvana"), ARTICLES)


@pytest.fixture(scope="module")
def answerer(articles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    settings = llm_settings(
        tmp_path_factory.mktemp("store"),
        llm_max_retries=0,
        llm_timeout=900,
        llm_max_tokens=120,
        top_k=3,
    )
    report = ingest([articles_dir], settings, manifest=articles_dir / "manifest.csv", progress=False)
    assert report.ok and len(report.added) == len(ARTICLES), report.failures
    return Answerer(settings)


STANDARD = tomllib.loads(TEMPLATES_DIR.joinpath("standard.toml").read_text())


def _one_section_template(key: str, folder: Path) -> Path:
    """The standard template cut down to one section, so each section type is drafted and recorded alone."""
    (section,) = [s for s in STANDARD["sections"] if s["key"] == key]
    lines = [f'name = "standard-{key}"', 'title = "Policy brief"', "", "[[sections]]"]
    lines += [f"{field} = {json.dumps(value)}" for field, value in section.items()]  # JSON values are TOML
    path = folder / f"{key}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _check_citations_resolve(brief: Brief, store: Store) -> None:
    """Every marker in the rendered brief names a listed source and every listed source is cited; each
    source's passage is the one stored under its id (a reader following [n] finds those words); every cited
    passage is one of its section's claims."""
    body, listed = render_markdown(brief).split("## Sources")
    cited = {n for m in MARKER.finditer(body) for n in parse_marker(m.group(1))}
    assert cited == set(range(1, len(brief.sources) + 1))
    stored = {c.id: c.text for c in store.get_chunks([s.chunk.id for s in brief.sources])}
    for n, source in enumerate(brief.sources, start=1):
        assert stored[source.chunk.id] == source.chunk.text and f"[{n}]" in listed
    for section in brief.sections:
        assert {c for x in section.sentences for c in x.chunk_ids} <= {c["chunk_id"] for c in section.claims}


@pytest.mark.vcr
@pytest.mark.parametrize("key", ["bluf", "background", "developments"])  # bullets, prose, dated
def test_each_standard_section_is_drafted_and_cited(answerer: Answerer, key: str, tmp_path: Path) -> None:
    brief = build_brief(
        "Brightvale Metals lithium licence in Orvana",
        answerer.settings,
        template=_one_section_template(key, tmp_path),
        answerer=answerer,
    )
    (section,) = brief.sections
    assert brief.backend == "openai" and brief.model == MODEL and brief.prompts == ["brief_section@2"]
    assert section.error is None and not section.extract and not section.not_in_sources
    assert section.sentences and any(x.chunk_ids for x in section.sentences)
    _check_citations_resolve(brief, answerer.store)
    if section.form == "dated":
        assert all(p.day for p in section.paragraphs if any(x.chunk_ids for x in p.sentences))
    text = render_markdown(brief)
    assert f"## {section.title}" in text and "## Sources" in text and "[1]" in text


@pytest.mark.vcr
def test_weekly_brief_summarises_stories_inside_the_window(answerer: Answerer) -> None:
    brief = build_weekly(answerer.settings, *WEEK, max_stories=1, answerer=answerer)
    titles = [s.title for s in brief.sections]
    assert titles[:2] == ["Since last week", "Overview"] and titles[3] == "What to watch" and len(titles) == 4
    assert "Brightvale" in titles[2]  # three outlets: the best-covered story
    # its heading is the model's headline, written from the story's lead claims and checked, not a title
    assert titles[2] not in {r.article.title for r in answerer.store.article_records()}
    claims = [x["text"] for s in brief.sections[1:3] for x in s.claims]
    assert headline_fault(titles[2], claims) is None
    assert not [s.key for s in brief.sections if s.error]
    assert brief.prompts == ["brief_section@2"]
    _check_citations_resolve(brief, answerer.store)
    assert all(WEEK[0] <= s.chunk.published <= WEEK[1] for s in brief.sources)
    assert "salty wells" not in " ".join(s.chunk.title.lower() for s in brief.sources)  # lith-0 is March
    assert any(x.chunk_ids for x in brief.sections[2].sentences)
