"""Markdown export (briefs and conversations) of article-derived text: links, images, HTML and autolinks written by an article are
inert, while the brief's own citation numbers and source links stay (rendered with markdown-it, a
CommonMark renderer)."""

from __future__ import annotations

from datetime import date

from markdown_it import MarkdownIt

from briefing.app.conversations import Conversation, Exchange, to_markdown
from briefing.brief.results import Brief, Paragraph, Section, Sentence, Source
from briefing.export import render_markdown
from briefing.models import Chunk

HOSTILE = (
    "Click [here](https://evil.example/x) or ![pixel](https://evil.example/p.png) <img src=x onerror=alert(1)> "
    "<https://evil.example/auto> see https://evil.example/bare and www.evil.example today."
)


def _brief() -> Brief:
    chunk = Chunk("a:000", "a", "Toll [rises](https://evil.example/t)", "Post <b>x</b>", date(2031, 4, 2),
                  "https://news.example/toll?a=1&b=(2)", None, 0, 0, len(HOSTILE), HOSTILE)  # fmt: skip
    sentence = Sentence(HOSTILE, ("a:000",), True, 0.9, "")
    section = Section("summary", "Summary", "para", [], paragraphs=[Paragraph((sentence,), bullet=False)])
    return Brief("topic", "Kessel ![t](https://evil.example/t.png)", "toll", None, None, None, "default",
                 "extractive", "none", None, False, [section], [Source(1, chunk, ())], "now", "now", {})  # fmt: skip


def test_markdown_export_makes_article_links_and_images_inert_and_keeps_its_own() -> None:
    text = render_markdown(_brief())
    rendered = MarkdownIt("commonmark").render(text)
    assert rendered.count("<a href") == 1 and "<img" not in rendered and "<b>" not in rendered
    assert '<a href="https://news.example/toll?a=1&amp;b=%282%29">' in rendered  # the source's own link
    assert "evil.example" in rendered and 'href="https://evil' not in rendered
    assert "https\\://evil.example/bare" in text and "www\\.evil.example" in text  # GFM's bare autolinks
    assert "[here](https://evil.example/x)" in rendered  # shown as written, not live
    assert "[1]" in text.split("## Sources")[0]  # the citation number


def test_conversation_markdown_keeps_markers_and_source_links_and_nothing_else_live() -> None:
    conv = Conversation.new()
    answer = f"The toll rises [1]. {HOSTILE} [1](https://evil.example/m)\n[1]: https://evil.example/def"
    sources = [{"n": 1, "title": "Toll ![t](https://evil.example/t.png)", "outlets": ["Post"], "quote": "q",
                "url": "https://news.example/toll", "published": "2031-04-02"},
               {"n": 2, "title": "Other", "outlets": ["Wire"], "quote": "q", "url": "javascript:alert(1)",
                "published": None}]  # fmt: skip
    conv.exchanges.append(
        Exchange("What [did](https://evil.example/q) they say?", text=answer, sources=sources)
    )
    text = to_markdown(conv)
    rendered = MarkdownIt("commonmark").render(text)
    assert "The toll rises [1]." in text  # the answer's own marker, as written
    assert rendered.count("<a href") == 1 and '<a href="https://news.example/toll">' in rendered
    assert "<img" not in rendered and "javascript:alert(1)</p>" in rendered  # as text, not a link


def test_sources_name_title_outlet_date_and_a_file_name_never_a_server_path(tmp_path) -> None:
    from docx import Document

    from briefing.export import save

    text = "Rail workers in two unions voted to reject the deal."
    filed = Chunk("b:000", "b", "Rail unions reject deal", "Wire", date(2022, 10, 11), None,
                  "/srv/briefing/uploads/2022/rail-vote.txt", 0, 0, len(text), text)  # fmt: skip
    sentence = Sentence(text, ("b:000",), True, 0.9, "")
    section = Section("summary", "Summary", "para", [], paragraphs=[Paragraph((sentence,), bullet=False)])
    brief = Brief("topic", "Rail", "rail", None, None, None, "default", "extractive", "none", None, False,
                  [section], [Source(1, filed, ())], "now", "now", {})  # fmt: skip
    md = render_markdown(brief)
    entry = "[1] Rail unions reject deal. Wire, 2022-10-11, passage 1. file rail-vote.txt."
    assert entry in md and "/srv/" not in md
    assert "[1] (single source)" in md  # the compact mark, no "(carried by ...)" after the sentence
    save(brief, tmp_path / "rail.docx")
    words = "\n".join(p.text for p in Document(str(tmp_path / "rail.docx")).paragraphs)
    assert entry in words and "/srv/" not in words


def test_an_empty_watch_section_says_the_sources_name_nothing_pending() -> None:
    watch = Section("watch", "What to watch", "bullets", [], not_in_sources=True)
    brief = Brief("weekly", "Week", None, None, None, None, "weekly", "extractive", "none", None, False,
                  [watch], [], "now", "now", {})  # fmt: skip
    assert "## What to watch\n\n*The sources name nothing pending, planned or expected.*" in render_markdown(
        brief
    )
