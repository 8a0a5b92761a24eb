"""Topic and weekly briefs over the seeds with the extractive backend, their exports and audit records, and a
section failing on a real local HTTP server while the others are drafted.

Language-model drafting against recorded exchanges is in test_brief_recorded.py."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from briefing.answer import Answerer
from briefing.brief import (
    Brief,
    BriefError,
    ProgressEvent,
    build_brief,
    build_weekly,
    find_stories,
    iso_week,
    load_template,
)
from briefing.brief.context import Context
from briefing.brief.standalone import breaks, flagged
from briefing.config import Settings
from briefing.export import render_html, render_markdown, save
from briefing.ingest import ingest
from briefing.markers import strip_markers
from briefing.retrieve import Filters
from briefing.signals import content_stems
from briefing.store import Store
from tests.fake_llm import fake_llm
from tests.store_fixtures import SEEDS

TOPIC = "US blacklisting of Hikvision"
SEED_DAY = date(2019, 5, 22)


@pytest.fixture(scope="module")
def brief(answerer: Answerer) -> Brief:
    return build_brief(TOPIC, answerer.settings, answerer=answerer)


def _claims(section) -> set[tuple[str, int, int]]:
    return {(c["chunk_id"], c["start"], c["end"]) for c in section.claims}


def test_standard_brief_has_every_section_written_from_its_own_claims(brief: Brief) -> None:
    assert [s.title for s in brief.sections] == [s.title for s in load_template("standard").sections]
    assert brief.backend == "extractive" and brief.extractive and brief.prompts == []
    for section in brief.sections:
        assert section.extract and section.error is None and section.claims
        assert section.sentences and all(x.chunk_ids and x.supported for x in section.sentences)
        assert {c for x in section.sentences for c in x.chunk_ids} <= {c["chunk_id"] for c in section.claims}
    dated = next(s for s in brief.sections if s.form == "dated")
    assert all(p.day == SEED_DAY and p.bullet for p in dated.paragraphs)


def test_no_claim_is_stated_twice(brief: Brief) -> None:
    placed = [_claims(s) for s in brief.sections]
    for a, b in itertools.combinations(placed, 2):
        assert not a & b
    sentences = [x.text for s in brief.sections for x in s.sentences]
    assert len(set(sentences)) == len(sentences)


def test_no_sentence_restates_an_earlier_one(brief: Brief, answerer: Answerer) -> None:
    """A claim's window often opens with a sentence another claim states: it is said once."""
    share = answerer.settings.briefs.said_overlap
    seen: list[set[str]] = []
    for x in (x for s in brief.sections for x in s.sentences):
        words = content_stems(strip_markers(x.text))
        assert not any(len(words & before) >= share * len(words) for before in seen), x.text
        seen.append(words)


def test_every_sentence_reads_alone(brief: Brief) -> None:
    """No "It added ...", "The Times said ..." or "Meanwhile, ..." whose context the brief does not give."""
    paragraphs = [p for s in brief.sections for p in s.paragraphs]
    assert [(s.text, rule) for s, rule in flagged(paragraphs)] == []


def test_positions_are_grouped_by_actor_and_attributed(brief: Brief) -> None:
    positions = next(s for s in brief.sections if s.key == "positions")
    actors = [c["actor"] for c in positions.claims]
    assert all(actors) and len({a.lower() for a in actors}) >= 4
    assert any("Hikvision" in a for a in actors) and not any(a in ("Monday", "Times") for a in actors)
    assert len(positions.paragraphs) == len({a.lower() for a in actors})  # one bullet per actor


def test_sources_are_numbered_in_reading_order_and_every_marker_resolves(brief: Brief) -> None:
    assert [s.n for s in brief.sources] == list(range(1, len(brief.sources) + 1))
    text = render_markdown(brief)
    body = text.split("## Sources")[0]
    seen = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", body)))
    assert seen == list(range(1, len(brief.sources) + 1))  # first citations in order, none missing
    sources_part = text.split("## Sources")[1]
    for s in brief.sources:
        c = s.chunk
        name = Path(c.path).name  # a file-ingested article: its file name, never the server's path
        assert (
            f"[{s.n}] {c.title}. {c.source}, 2019-05-22, passage {c.position + 1}. file {name}."
            in sources_part
        )
    assert str(SEEDS) not in text


def test_share_fall_reported_two_ways_is_a_disagreement_citing_both(brief: Brief) -> None:
    (d,) = [d for d in brief.disagreements if d.kind == "percent"]
    quotes = " | ".join(side.quote for side in d.sides)
    assert "10% lower" in quotes and "9.6 per cent" in quotes
    numbers = brief.numbers
    note = next(line for line in render_markdown(brief).splitlines() if "Sources differ" in line)
    for side in d.sides:
        assert f"[{numbers[side.chunk_id]}]" in note and side.outlet in note
    assert {side.outlet for side in d.sides} == {
        "Free Malaysia Today (Reuters)",
        "The Straits Times (New York Times; Reuters)",
    }


def test_passage_carried_by_two_outlets_is_marked_corroborated(brief: Brief) -> None:
    corroborated = [x for s in brief.sections for x in s.sentences if x.outlets]
    assert corroborated
    for x in corroborated:
        assert len(x.outlets) >= 2
    assert any(
        {"South China Morning Post", "The Straits Times (New York Times; Reuters)"} <= set(x.outlets)
        for x in corroborated
    )
    text = render_markdown(brief)
    body, sources = text.split("## Sources")
    assert (
        re.search(r"\(\d outlets\)", body) and "(single source)" in body and "carried by" not in body.lower()
    )
    assert "Carried by 2 independent outlets: South China Morning Post, The Straits Times" in sources
    carried = next(s for s in brief.sources if len(s.chunk.outlets) > 1)
    line = next(x for x in sources.splitlines() if x.startswith(f"[{carried.n}]"))
    assert carried.chunk.outlets[1] in line
    assert "single source" not in text.replace("(single source)", "")  # no grade without a table
    graded = render_markdown(
        replace(brief, settings={**brief.settings, "outlet_reliability": {"Reuters": "A"}})
    )
    assert re.search(r"\(\d outlets; A1\)", graded) and "; F" in graded  # Free Malaysia Today (Reuters)


def test_one_pager_template_is_shorter_and_notes_the_share_figures(answerer: Answerer) -> None:
    short = build_brief(TOPIC, answerer.settings, template="one-pager", answerer=answerer)
    assert [s.key for s in short.sections] == ["bluf", "developments", "watch"]
    assert all(len(s.paragraphs) <= 3 for s in short.sections)
    assert [d.kind for d in short.disagreements] == ["percent"]


def test_unknown_template_is_a_clear_error(answerer: Answerer) -> None:
    with pytest.raises(BriefError, match="not found.*one-pager.*standard"):
        build_brief(TOPIC, answerer.settings, template="nonesuch", answerer=answerer)


# --- window filtering -------------------------------------------------------------------------------

OUTSIDE = {
    "early.txt": (
        "Ledger of Record",
        date(2019, 5, 10),
        "Hikvision shares climbed after earnings\n\nHikvision shares rose 4% on Friday after the surveillance "
        "camera maker reported higher quarterly profit. Hikvision said exports to the US were growing.",
    ),
    "late.txt": (
        "Evening Chronicle",
        date(2019, 6, 3),
        "US adds Hikvision to blacklist review list\n\nThe US Commerce Department said on Monday it was still "
        "reviewing whether to place Hikvision on its entity list. Hikvision shares fell 3% in Shenzhen.",
    ),
}


@pytest.fixture(scope="module")
def windowed(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """The seeds (all 2019-05-22) plus two invented Hikvision articles outside the week of 2019-05-20."""
    folder = tmp_path_factory.mktemp("outside")
    rows = ["file,title,source,published"]
    for name, (outlet, published, text) in OUTSIDE.items():
        (folder / name).write_text(text, encoding="utf-8")
        rows.append(f"{name},,{outlet},{published.isoformat()}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    settings = Settings(store_dir=tmp_path_factory.mktemp("windowed") / "store", llm="extractive")
    for path, manifest in ((SEEDS, SEEDS / "manifest.csv"), (folder, folder / "manifest.csv")):
        report = ingest([path], settings, manifest=manifest, progress=False)
        assert report.ok, report.failures
    return Answerer(settings)


def test_weekly_brief_cites_only_articles_inside_the_window(windowed: Answerer) -> None:
    since, until = iso_week("2019-W21")
    assert (since, until) == (date(2019, 5, 20), date(2019, 5, 26))
    events: list[ProgressEvent] = []
    weekly = build_weekly(windowed.settings, since, until, answerer=windowed, progress=events.append)
    assert weekly.kind == "weekly" and weekly.sources
    assert all(s.chunk.published == SEED_DAY for s in weekly.sources)
    used = {c["chunk_id"] for s in weekly.sections for c in s.claims}
    assert used and not any(cid.split(":")[0] in _outside_ids(windowed) for cid in used)
    titles = [s.title for s in weekly.sections]
    assert (
        titles[:2] == ["Since last week", "Overview"] and titles[-1] == "What to watch" and len(titles) == 4
    )
    assert [p.lead for p in weekly.sections[0].paragraphs] == [f"New this week: {titles[2]}"]  # a first week
    overview, story = weekly.sections[1:3]
    assert story.label.startswith("New this week. Reported by 5 independent outlets: ")
    assert all(s.chunk.source in story.label for s in weekly.sources)
    assert f"*{story.label}*" in render_markdown(weekly).replace("\\", "")  # under the story's heading
    assert overview.sentences and story.sentences and all(x.chunk_ids for x in story.sentences)
    assert not _claims(overview) & _claims(story)
    assert [e.status for e in events].count("done") == len(weekly.sections)
    # The same store without a window does reach the outside articles, so the filter is what kept them out.
    everything = build_brief("Hikvision shares", windowed.settings, answerer=windowed)
    assert {c["chunk_id"].split(":")[0] for s in everything.sections for c in s.claims} & _outside_ids(
        windowed
    )


def _outside_ids(answerer: Answerer) -> set[str]:
    return {r.article.id for r in answerer.store.article_records() if r.article.published != SEED_DAY}


def test_seeds_are_one_story_of_five_outlets(windowed: Answerer) -> None:
    ctx = Context.of(windowed, Filters())
    stories = find_stories(ctx, date(2019, 5, 20), date(2019, 5, 26))
    assert len(stories) == 1 and len(stories[0].outlets) == 5
    assert find_stories(ctx, date(2019, 5, 27), date(2019, 5, 30)) == []
    with pytest.raises(BriefError, match="no articles"):
        build_weekly(windowed.settings, date(2019, 5, 27), date(2019, 5, 30), answerer=windowed)


def test_topic_brief_window_excludes_outside_articles(windowed: Answerer) -> None:
    inside = build_brief(
        "Hikvision shares",
        windowed.settings,
        since=date(2019, 5, 20),
        until=date(2019, 5, 26),
        answerer=windowed,
    )
    assert inside.sources and all(s.chunk.published == SEED_DAY for s in inside.sources)
    assert not {c["chunk_id"].split(":")[0] for s in inside.sections for c in s.claims} & _outside_ids(
        windowed
    )


def test_docx_has_real_headings_bullets_citations_and_sources(brief: Brief, tmp_path: Path) -> None:
    saved = save(brief, tmp_path / "brief.docx")
    assert saved.format == "docx"
    doc = Document(str(saved.path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[: len(brief.sections)] == [s.title for s in brief.sections] and headings[-1] == "Sources"
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == [brief.title]
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets and all(re.search(r"\[\d+\]", b) for b in bullets)
    sources = [p.text for p in doc.paragraphs if re.match(r"\[\d+\] ", p.text)]
    assert len(sources) == len(brief.sources)
    assert sources[0].startswith(f"[1] {brief.sources[0].chunk.title}")
    assert any("Sources differ" in p.text for p in doc.paragraphs)
    assert any(p.text.startswith("Extracts from the sources") for p in doc.paragraphs)


def test_docx_is_an_a4_document_to_forward_with_links_page_numbers_and_true_properties(
    brief: Brief, tmp_path: Path
) -> None:
    doc = Document(str(save(brief, tmp_path / "brief.docx").path))
    page = doc.sections[0]
    assert (round(page.page_width.cm, 1), round(page.page_height.cm, 1), round(page.left_margin.cm, 1)) == (
        21.0, 29.7, 2.5)  # fmt: skip
    assert page.header.paragraphs[0].text == f"{brief.title} · {brief.finished_at[:10]}"
    footer = page.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    props = doc.core_properties
    assert props.author.startswith("briefing") and props.title == brief.title
    assert props.created.date().isoformat() == brief.finished_at[:10]  # not python-docx's 2013 template
    body = doc.element.body
    anchors = set(body.xpath(".//w:hyperlink/@w:anchor"))
    marks = set(body.xpath(".//w:bookmarkStart/@w:name"))
    assert anchors == {f"source_{s.n}" for s in brief.sources} and anchors <= marks  # every [n] leads there
    urls = {r.target_ref for r in doc.part.rels.values() if r.is_external}
    assert urls == {s.chunk.url for s in brief.sources if s.chunk.url}
    letter = replace(brief, settings={**brief.settings, "docx_paper": "Letter"})  # BRIEFING_DOCX_PAPER=Letter
    page = Document(str(save(letter, tmp_path / "letter.docx").path)).sections[0]
    assert (round(page.page_width.inches, 2), round(page.page_height.inches, 2)) == (8.5, 11.0)


def test_audit_record_beside_the_brief(brief: Brief, answerer: Answerer, tmp_path: Path) -> None:
    saved = save(brief, tmp_path / "out" / "hikvision.md")
    assert saved.audit_path == tmp_path / "out" / "hikvision.md.audit.json"
    assert saved.path.read_text().startswith(f"# {brief.title}")
    audit = json.loads(saved.audit_path.read_text())
    assert audit["topic"] == TOPIC and audit["template"] == "standard" and audit["kind"] == "topic"
    assert audit["backend"] == "extractive" and audit["model"] == "none"
    assert audit["window"] == {"since": None, "until": None} and audit["output"]["format"] == "md"
    assert audit["started_at"] <= audit["finished_at"]
    section = audit["sections"][0]
    assert section["retrieval_queries"] == [TOPIC, f"{TOPIC} main facts and consequences"]
    assert section["claims"] and section["sentences"][0]["cited"]
    assert audit["settings"]["briefs"] == answerer.settings.briefs.model_dump() and audit["settings"]["store"]
    assert audit["settings"]["checker"]["support_threshold"] == answerer.settings.checker.support_threshold
    by_id = {s["chunk_id"]: s for s in audit["sources"]}
    assert set(by_id) == {s.chunk.id for s in brief.sources}
    assert all(s["text"] and s["title"] and s["outlet"] for s in by_id.values())
    assert audit["checker"]["disagreements"] >= 1 and audit["checker"]["failed_sections"] == []


def test_html_chosen_by_extension_links_citations_to_sources(brief: Brief, tmp_path: Path) -> None:
    saved = save(brief, tmp_path / "brief.html")
    page = saved.path.read_text()
    assert saved.format == "html" and page.startswith("<!DOCTYPE html>") and "<ul>" in page
    assert '<a class="cite" href="#source-1">' in page and 'id="source-1"' in page
    assert render_html(brief).count("<h2>") == len(brief.sections) + 1


FAIL_SECTION = "Implications and risks"
BAD_SECTION = "Key developments"
UNCITED_SECTION = "Positions of the actors"
_EXCERPT = re.compile(r'<source id="(\d+)"[^>]*>(.+?)</source>', re.S)


def _scripted(prompt: str) -> str | int:
    """500 for one section; for another, a fabricated figure and a marker that points nowhere; for a third,
    its excerpts restated without markers; for the rest, each excerpt restated, each sentence with its marker."""
    excerpts = _EXCERPT.findall(prompt)
    if sentence := re.search(r"<sentence>(.+?)</sentence>", prompt, re.S):  # restate its subject
        return re.sub(r"^(?:It|The company)\b", "Hikvision", sentence.group(1))
    if f"Section: {FAIL_SECTION}." in prompt:
        return 500
    if f"Section: {BAD_SECTION}." in prompt:
        return "- Hikvision sold 40 million cameras to Peru in 2017 [1].\n- Hikvision opened a plant in Lima [99]."
    if f"Section: {UNCITED_SECTION}." in prompt:
        return "\n".join(f"- {t}" for _, t in excerpts)
    return "\n".join(
        "- " + " ".join(f"{x.rstrip('.')} [{n}]." for x in re.split(r"(?<=[.!?])\s+", t)) for n, t in excerpts
    )


@pytest.fixture(scope="module")
def scripted(seeded: tuple[Settings, Store]) -> Iterator[Answerer]:
    settings, store = seeded
    with fake_llm(_scripted) as url:
        llm = settings.with_overrides(
            llm="openai",
            openai_base_url=url,
            openai_api_key="sk-test",
            openai_model="scripted",
            llm_max_retries=0,
        )
        yield Answerer(llm, store)


@pytest.fixture(scope="module")
def scripted_brief(scripted: Answerer) -> tuple[Brief, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    return build_brief(TOPIC, scripted.settings, answerer=scripted, progress=events.append), events


def test_failed_section_gives_its_sources_words_and_the_rest_is_written(scripted_brief) -> None:
    brief, events = scripted_brief
    failed = [s for s in brief.sections if s.error]
    assert (
        [s.title for s in failed] == [FAIL_SECTION] and "HTTP 500" in failed[0].error and failed[0].fallback
    )
    assert failed[0].sentences and not failed[0].repairs and not failed[0].usage
    others = [s for s in brief.sections if not s.error]
    assert len(others) == len(brief.sections) - 1 and all(s.sentences for s in others)
    assert not any(s.extract for s in brief.sections) and brief.prompts == ["brief_section@2"]
    assert [e.status for e in events].count("fallback") == 1 and events[-1].status == "done"
    assert f"Drafting failed ({failed[0].error}); these are the sources' own sentences." in render_markdown(
        brief
    )
    assert json.loads(json.dumps(brief.to_dict()))["checker"]["failed_sections"] == ["implications"]
    assert brief.usage == {"prompt_tokens": 100 * len(others), "completion_tokens": 20 * len(others)}


def test_a_model_line_that_restates_its_claim_is_kept(scripted_brief) -> None:
    brief, _ = scripted_brief
    bluf = brief.sections[0]
    assert bluf.sentences and not bluf.repairs and all(x.supported and not x.repaired for x in bluf.sentences)


def test_rejected_lines_are_replaced_by_their_claims_words_and_the_reader_sees_no_defect(
    scripted_brief,
) -> None:
    brief, _ = scripted_brief
    section = next(s for s in brief.sections if s.title == BAD_SECTION)
    reasons = [r.reason for r in section.repairs]
    assert reasons[0].startswith("number") and "[99] points at no passage" in reasons[1]
    assert reasons[2:] == ["no line written for this claim"] * (len(reasons) - 2)
    assert all(r.kind == "replaced" for r in section.repairs) and len(section.repairs) == len(
        section.paragraphs
    )
    assert all(x.supported and x.repaired for x in section.sentences)
    text = render_markdown(brief)
    assert "Peru" not in text and "Checker flags" not in text
    audit = next(s for s in brief.to_dict()["sections"] if s["title"] == BAD_SECTION)
    assert any("Peru" in r["draft"] for r in audit["repairs"])


def test_strict_drops_rejected_lines_instead(scripted: Answerer) -> None:
    brief = build_brief(TOPIC, scripted.settings, answerer=scripted, strict=True)
    section = next(s for s in brief.sections if s.title == BAD_SECTION)
    assert not section.sentences and section.dropped
    assert "Peru" not in render_markdown(brief).split("## Checker flags")[0]
    assert brief.to_dict()["checker"]["dropped"] >= 1


def test_an_uncited_line_is_cited_to_its_own_claim(scripted_brief) -> None:
    brief, _ = scripted_brief
    positions = next(s for s in brief.sections if s.title == UNCITED_SECTION)
    assert positions.repairs and all(r.kind == "cited" for r in positions.repairs)
    for p in positions.paragraphs:
        assert all(x.supported and x.chunk_ids for x in p.sentences)
    assert "Checker flags" not in render_markdown(brief)


def test_a_sentence_leaning_on_one_already_stated_is_restated_once_and_checked(scripted_brief) -> None:
    """The model restates its subject ("It also would ..." -> "Hikvision also would ..."); the rewrite is
    stated, cited to its claim's passage, and read alone; nothing in the brief leans on a missing sentence."""
    brief, _ = scripted_brief
    restated = [r for s in brief.sections for r in s.repairs if r.kind == "restated"]
    assert restated and all(r.reason.startswith("does not read alone") for r in restated)
    stated = {x.text: x for s in brief.sections for x in s.sentences}
    for r in restated:
        sentence = stated[strip_markers(r.text).strip()]
        assert sentence.supported and breaks(sentence.text) is None
    assert flagged([p for s in brief.sections for p in s.paragraphs]) == []
