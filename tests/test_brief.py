"""Topic and weekly briefs over the seeds with the extractive backend, their exports and audit records, and a
section failing on a real local HTTP server while the others are drafted.

Language-model drafting against recorded exchanges is in test_brief_recorded.py."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from docx import Document

from briefing.answer import Answerer
from briefing.brief import (
    Brief,
    BriefError,
    ProgressEvent,
    build_brief,
    build_weekly,
    cluster,
    find_disagreements,
    find_stories,
    independent_outlets,
    iso_week,
    load_template,
)
from briefing.config import Settings
from briefing.export import ExportError, format_for, render_html, render_markdown, save
from briefing.ingest import ingest
from briefing.models import Carrier, Chunk
from briefing.store import Store

from tests.store_fixtures import SEEDS

TOPIC = "US blacklisting of Hikvision"
SEED_DAY = date(2019, 5, 22)


@pytest.fixture(scope="module")
def answerer(seeded: tuple[Settings, Store]) -> Answerer:
    settings, store = seeded
    return Answerer(settings.with_overrides(llm="extractive"), store)


@pytest.fixture(scope="module")
def brief(answerer: Answerer) -> Brief:
    return build_brief(TOPIC, answerer.settings, answerer=answerer)


def _cited_ids(brief: Brief) -> list[str]:
    ids: list[str] = []
    for s in brief.sections:
        for x in s.sentences:
            ids += [c for c in x.chunk_ids if c not in ids]
        for d in s.disagreements:
            ids += [side.chunk_id for side in d.sides if side.chunk_id not in ids]
    return ids


def test_standard_brief_has_every_section_drafted_from_extracts(brief: Brief) -> None:
    assert [s.title for s in brief.sections] == [s.title for s in load_template("standard").sections]
    assert brief.backend == "extractive" and brief.extractive and brief.prompts == []
    for section in brief.sections:
        assert section.extract and section.error is None and section.retrieved
        assert section.sentences and all(x.chunk_ids and x.supported for x in section.sentences)
        assert set(c for x in section.sentences for c in x.chunk_ids) <= set(section.retrieved)
    dated = next(s for s in brief.sections if s.form == "dated")
    assert all(p.day == SEED_DAY and p.bullet for p in dated.paragraphs)


def test_sources_list_numbers_every_cited_passage_once_in_citation_order(brief: Brief) -> None:
    assert [s.chunk.id for s in brief.sources] == _cited_ids(brief)
    assert [s.n for s in brief.sources] == list(range(1, len(brief.sources) + 1))
    text = render_markdown(brief)
    used = {int(n) for n in re.findall(r"\[(\d+)\]", text.split("## Sources")[0])}
    assert used == set(range(1, len(brief.sources) + 1))  # every marker resolves, every source is cited
    sources_part = text.split("## Sources")[1]
    for s in brief.sources:
        c = s.chunk
        assert f"[{s.n}] {c.title}. {c.source}, 2019-05-22, passage {c.position + 1}. {c.path}." in sources_part


def test_share_fall_reported_two_ways_is_a_disagreement_citing_both(brief: Brief) -> None:
    (d,) = [d for d in brief.disagreements if d.kind == "percent"]
    quotes = " | ".join(side.quote for side in d.sides)
    assert "10% lower" in quotes and "9.6 per cent" in quotes
    numbers = brief.numbers
    note = next(line for line in render_markdown(brief).splitlines() if "Sources differ" in line)
    for side in d.sides:
        assert f"[{numbers[side.chunk_id]}]" in note and side.outlet in note
    assert {side.outlet for side in d.sides} == {"Free Malaysia Today (Reuters)",
                                                 "The Straits Times (New York Times; Reuters)"}


def test_passage_carried_by_two_outlets_is_marked_corroborated(brief: Brief) -> None:
    corroborated = [x for s in brief.sections for x in s.sentences if x.outlets]
    assert corroborated
    for x in corroborated:
        assert len(x.outlets) >= 2
    assert any({"South China Morning Post", "The Straits Times (New York Times; Reuters)"} <= set(x.outlets)
               for x in corroborated)
    assert "independent outlets: South China Morning Post, The Straits Times" in render_markdown(brief)
    carried = next(s for s in brief.sources if len(s.chunk.outlets) > 1)
    assert f"Also carried by: {carried.chunk.outlets[1]}" in render_markdown(brief)


def _chunk(cid: str, source: str, carriers: tuple[Carrier, ...] = ()) -> Chunk:
    return Chunk(cid, cid.split(":")[0], "T", source, SEED_DAY, None, None, 0, 0, 1, "x", carriers)


def test_syndicated_copies_count_once_as_corroboration() -> None:
    copy = Carrier("copy", "Daily Reprint", "T", SEED_DAY, 0, 1)
    other = Carrier("own", "Evening Post", "T", SEED_DAY, 0, 1)
    twins = {"copy": "wire"}
    story_of = lambda a: twins.get(a, a)  # noqa: E731
    assert independent_outlets([_chunk("wire:000", "Wire Agency", (copy,))], story_of) == ()
    assert independent_outlets([_chunk("wire:000", "Wire Agency", (copy, other))], story_of) == (
        "Wire Agency", "Evening Post")


def test_figures_on_one_subject_that_differ_across_stories() -> None:
    def passage(article: str, outlet: str, text: str) -> Chunk:
        return Chunk(f"{article}:000", article, "T", outlet, SEED_DAY, None, None, 0, 0, len(text), text)

    fell = passage("a", "Meridian Post", "Brightvale shares fell 14% in early trading on Tuesday.")
    dropped = passage("b", "Eastland Times", "Brightvale shares dropped as much as 11.5 per cent in early trading.")
    both = passage("c", "Orvana Wire", "Brightvale shares fell 14% on Tuesday, or 11.5 per cent at the close.")
    prices = passage("d", "Ledger", "Brightvale Metals expects lithium prices to rise 30% next year.")
    separate = lambda a: a  # noqa: E731
    (d,) = find_disagreements([fell, dropped, prices], separate)
    assert d.kind == "percent" and [s.outlet for s in d.sides] == ["Meridian Post", "Eastland Times"]
    assert find_disagreements([fell, dropped], lambda a: "wire") == []  # syndicated copies of one story
    assert find_disagreements([fell, both], separate) == []  # a value in common
    assert find_disagreements([dropped, prices], separate) == []  # another measure


def test_one_pager_template_is_shorter(answerer: Answerer) -> None:
    short = build_brief(TOPIC, answerer.settings, template="one-pager", answerer=answerer)
    assert [s.key for s in short.sections] == ["bluf", "developments", "watch"]
    assert all(len(s.paragraphs) <= 3 for s in short.sections)


def test_unknown_template_is_a_clear_error(answerer: Answerer) -> None:
    with pytest.raises(BriefError, match="not found.*one-pager.*standard"):
        build_brief(TOPIC, answerer.settings, template="nonesuch", answerer=answerer)


# --- window filtering -------------------------------------------------------------------------------

OUTSIDE = {
    "early.txt": ("Ledger of Record", date(2019, 5, 10),
                  "Hikvision shares climbed after earnings\n\nHikvision shares rose 4% on Friday after the surveillance "
                  "camera maker reported higher quarterly profit. Hikvision said exports to the US were growing."),
    "late.txt": ("Evening Chronicle", date(2019, 6, 3),
                 "US adds Hikvision to blacklist review list\n\nThe US Commerce Department said on Monday it was still "
                 "reviewing whether to place Hikvision on its entity list. Hikvision shares fell 3% in Shenzhen."),
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
    retrieved = {cid for s in weekly.sections for cid in s.retrieved}
    assert not any(cid.split(":")[0] in _outside_ids(windowed) for cid in retrieved)
    assert [s.title for s in weekly.sections][-2:] == ["Overview", "What to watch"]
    story = weekly.sections[0]
    assert story.sentences and all(x.chunk_ids for x in story.sentences)
    assert [e.status for e in events].count("done") == len(weekly.sections)
    # The same store without a window does reach the outside articles, so the filter is what kept them out.
    everything = build_brief("Hikvision shares", windowed.settings, answerer=windowed)
    assert {cid.split(":")[0] for s in everything.sections for cid in s.retrieved} & _outside_ids(windowed)


def _outside_ids(answerer: Answerer) -> set[str]:
    return {r.article.id for r in answerer.store.article_records() if r.article.published != SEED_DAY}


def test_seeds_are_one_story_of_five_outlets(windowed: Answerer) -> None:
    stories = find_stories(windowed, date(2019, 5, 20), date(2019, 5, 26))
    assert len(stories) == 1 and len(stories[0].outlets) == 5
    assert find_stories(windowed, date(2019, 5, 27), date(2019, 5, 30)) == []
    with pytest.raises(BriefError, match="no articles"):
        build_weekly(windowed.settings, date(2019, 5, 27), date(2019, 5, 30), answerer=windowed)


def test_topic_brief_window_excludes_outside_articles(windowed: Answerer) -> None:
    inside = build_brief("Hikvision shares", windowed.settings, since=date(2019, 5, 20), until=date(2019, 5, 26),
                         answerer=windowed)
    assert inside.sources and all(s.chunk.published == SEED_DAY for s in inside.sources)
    assert not {cid.split(":")[0] for s in inside.sections for cid in s.retrieved} & _outside_ids(windowed)


def test_clustering_merges_similar_vectors_and_forced_links() -> None:
    v = np.array([[1, 0, 0], [0.95, 0.31, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert sorted(map(sorted, cluster(v, 0.6))) == [[0, 1], [2], [3]]
    assert sorted(map(sorted, cluster(v, 0.6, links=[(2, 3)]))) == [[0, 1], [2, 3]]


def test_iso_week_rejects_nonsense() -> None:
    with pytest.raises(BriefError):
        iso_week("2019-21")
    with pytest.raises(BriefError):
        iso_week("2019-W54")


# --- exports and audit ------------------------------------------------------------------------------


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


def test_audit_record_beside_the_brief(brief: Brief, tmp_path: Path) -> None:
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
    assert section["retrieved_chunk_ids"] and section["sentences"][0]["cited"]
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


def test_format_choice() -> None:
    assert format_for(Path("x.docx"), None) == "docx" and format_for(Path("x.HTM"), None) == "html"
    assert format_for(Path("x.txt"), None) == "md" and format_for(None, "html") == "html"
    with pytest.raises(ExportError):
        format_for(Path("x.md"), "pdf")


# --- a failing section, unsupported sentences and strict mode over a real HTTP server ---------------

FAIL_SECTION = "Implications and risks"
BAD_SECTION = "Background"
UNCITED_SECTION = "Positions of the actors"


class _Scripted(BaseHTTPRequestHandler):
    """An OpenAI-shaped chat endpoint: 500 for one section, an unsupported claim with a dangling marker for
    another, the first sentence of passage [2] without its marker for a third, and for the rest the first
    sentence of passage [1], cited."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        prompt = body["messages"][-1]["content"]
        if f"Section: {FAIL_SECTION}" in prompt:
            return self._send(500, {"error": {"message": "simulated 500", "type": "server_error"}})
        if f"Section: {BAD_SECTION}" in prompt:
            text = "- Hikvision sold 40 million cameras to Peru in 2017 [1].\n- Hikvision makes cameras [99]."
        elif f"Section: {UNCITED_SECTION}" in prompt:
            text = f"- {_first_sentence(prompt, 2)}"
        else:
            text = f"- {_first_sentence(prompt, 1)} [1]"
        self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": text}}],
                         "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def _first_sentence(prompt: str, n: int) -> str:
    return " ".join(re.search(rf'<source id="{n}"[^>]*>\n(.+?)(?<=[.!?])\s', prompt, re.S).group(1).split())


@pytest.fixture(scope="module")
def scripted(seeded: tuple[Settings, Store]) -> Iterator[Answerer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings, store = seeded
    llm = settings.with_overrides(llm="openai", openai_base_url=f"http://127.0.0.1:{server.server_port}/v1",
                                  openai_api_key="sk-test", openai_model="scripted", llm_max_retries=0)
    yield Answerer(llm, store)
    server.shutdown()


def test_failed_section_is_reported_and_the_rest_is_drafted(scripted: Answerer) -> None:
    events: list[ProgressEvent] = []
    brief = build_brief(TOPIC, scripted.settings, answerer=scripted, progress=events.append)
    failed = [s for s in brief.sections if s.error]
    assert [s.title for s in failed] == [FAIL_SECTION] and "HTTP 500" in failed[0].error
    others = [s for s in brief.sections if not s.error]
    assert len(others) == len(brief.sections) - 1 and all(s.sentences for s in others)
    assert not any(s.extract for s in brief.sections) and brief.prompts == ["brief_section@1"]
    assert [e.status for e in events].count("failed") == 1 and events[-1].status == "done"
    assert f"could not be drafted: {failed[0].error}" in render_markdown(brief)
    assert json.loads(json.dumps(brief.to_dict()))["checker"]["failed_sections"] == ["implications"]


def test_unsupported_sentence_is_flagged_and_dangling_marker_reported(scripted: Answerer) -> None:
    brief = build_brief(TOPIC, scripted.settings, answerer=scripted)
    background = next(s for s in brief.sections if s.title == BAD_SECTION)
    bad = next(x for x in background.sentences if "Peru" in x.text)
    assert not bad.supported and "not in passage" in bad.reason
    assert [n for n, _ in background.removed_markers] == [99]
    text = render_markdown(brief)
    flagged = next(line for line in text.splitlines() if "Peru" in line and "⚠" in line)
    k = re.search(r"⚠(\d+)", flagged).group(1)
    assert re.search(rf"⚠{k} Background: .*not in passage", text.split("## Checker flags")[1])
    assert "citation removed, marker [99]" in text


def test_strict_drops_unsupported_sentences(scripted: Answerer) -> None:
    brief = build_brief(TOPIC, scripted.settings, answerer=scripted, strict=True)
    background = next(s for s in brief.sections if s.title == BAD_SECTION)
    assert not background.unsupported and [x.text for x in background.dropped][0].startswith("Hikvision sold 40")
    assert "Peru" not in render_markdown(brief).split("## Checker flags")[0]
    assert brief.to_dict()["checker"]["dropped"] >= 1


def test_uncited_claim_gets_the_passage_that_supports_it_and_says_so(scripted: Answerer) -> None:
    brief = build_brief(TOPIC, scripted.settings, answerer=scripted)
    positions = next(s for s in brief.sections if s.title == UNCITED_SECTION)
    (claim,) = positions.sentences
    assert claim.attributed and claim.supported and claim.chunk_ids == (positions.retrieved[1],)
    n = brief.numbers[claim.chunk_ids[0]]
    assert f"{UNCITED_SECTION}: citation [{n}] added by the checker" in render_markdown(brief)
    audit = next(s for s in brief.to_dict()["sections"] if s["title"] == UNCITED_SECTION)
    assert audit["sentences"][0]["citation_added_by_checker"] is True
    others = [x for s in brief.sections if s.title != UNCITED_SECTION for x in s.sentences]
    assert not any(x.attributed for x in others)
