"""Loaders on real files: fixtures are written to tmp_path by the tests (short invented articles), the seed
and RealTime QA files are read from ../shared. No mocks; the URL tests use an address that cannot resolve."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from briefing.clean import clean_text, normalize_chars
from briefing.ingest import to_article
from briefing.loaders import (
    Limits,
    ManifestRow,
    apply_metadata,
    find_row,
    load_paths,
    parse_date,
    read_manifest,
)
from briefing.loaders import write_manifest as write_rows
from briefing.models import Article, LoadFailure, RawArticle
from tests.hostile import docx_bomb

BODY_1 = (
    "The finance ministers of three coastal states agreed on Tuesday to a common levy on container traffic."
)
BODY_2 = (
    "Officials said the levy would take effect in March and fund dredging of the shared shipping channel."
)
BODY_3 = "Shipping lines warned that freight rates could rise, but port unions welcomed the agreement."


def load(*paths: str | Path, **kw: bool) -> list[RawArticle | LoadFailure]:
    return list(load_paths(list(paths), **kw))


def articles(results: list[RawArticle | LoadFailure]) -> list[RawArticle]:
    return [r for r in results if isinstance(r, RawArticle)]


def failures(results: list[RawArticle | LoadFailure]) -> list[LoadFailure]:
    return [r for r in results if isinstance(r, LoadFailure)]


def only_article(results: list[RawArticle | LoadFailure]) -> RawArticle:
    assert failures(results) == []
    assert len(results) == 1
    return articles(results)[0]


def only_failure(results: list[RawArticle | LoadFailure]) -> LoadFailure:
    assert articles(results) == []
    assert len(results) == 1, results
    return results[0]  # type: ignore[return-value]


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A minimal one-page PDF (Helvetica text, optional /Title), written by hand so tests need no PDF
    writer library. Byte offsets in the xref table are computed, so pypdf reads it without repairs."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td", *(f"({esc(ln)}) Tj T*" for ln in lines), "ET"]
    stream = "\n".join(ops).encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if title:
        objs.append(b"<< /Title (" + esc(title).encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    info = b" /Info %d 0 R" % len(objs) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, info, xref)
    return bytes(out)


PDF_LINES = [
    "Ministers agree on port levy",
    "The finance ministers of three coastal states agreed on Tuesday to a common",
    "levy on container traffic, officials said.",
    "The levy takes effect in March.",
]

HTML_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Port levy agreed | Harbour Gazette</title>
<meta property="og:title" content="Port levy agreed">
<meta property="og:site_name" content="Harbour Gazette">
<meta property="og:url" content="https://gazette.example/news/port-levy">
<link rel="canonical" href="https://gazette.example/news/port-levy">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
<script>var trackingPixel = "NAVSCRIPT-TRACKING-CODE";</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">NAVLINK World section</a></li>
<li><a href="/sport">NAVLINK Sport section</a></li></ul></nav>
<article>
<h1>Port levy agreed</h1>
<p>{BODY_1}</p>
<p>{BODY_2}</p>
<p>{BODY_3}</p>
<script>document.write("INLINE-SCRIPT-TEXT");</script>
</article>
<footer><p>FOOTERTEXT Copyright Harbour Gazette. All rights reserved.</p></footer>
</body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>https://gazette.example/</link>
<item><title>Port levy agreed</title><link>https://gazette.example/levy</link>
<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate>
<description>&lt;p&gt;The finance ministers agreed on a &lt;b&gt;common levy&lt;/b&gt;.&lt;/p&gt;
&lt;p&gt;It starts in March.&lt;/p&gt;</description></item>
<item><title>Ferry strike ends</title><link>https://gazette.example/ferry</link>
<pubDate>Wed, 06 Mar 2024 08:30:00 +0100</pubDate>
<description>Ferry crews returned to work on Wednesday after a pay deal.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Coastal Wire</title><id>urn:coastal-wire</id><updated>2024-03-07T09:00:00Z</updated>
<entry><title>Dredging contract awarded</title><id>urn:e1</id>
<link href="https://wire.example/dredging"/>
<published>2024-03-07T09:00:00Z</published><updated>2024-03-07T09:00:00Z</updated>
<content type="html">&lt;p&gt;A dredging contract worth 40 million was awarded.&lt;/p&gt;
&lt;script&gt;alert(1)&lt;/script&gt;</content>
</entry>
</feed>
"""


# ------------------------------------------------------------------------------------------------ text


def test_txt_title_is_first_line_and_not_in_body(tmp_path: Path) -> None:
    f = tmp_path / "levy.txt"
    f.write_text(f"Port levy agreed\n\n{BODY_1}\n\n{BODY_2}\n", encoding="utf-8")
    a = only_article(load(f))
    assert a.title == "Port levy agreed"
    assert "Port levy agreed" not in a.text
    assert BODY_1 in a.text and BODY_2 in a.text
    assert a.path == str(f)
    assert (a.source, a.published, a.url) == (None, None, None)


def test_txt_title_skips_share_bar_residue(tmp_path: Path) -> None:
    f = tmp_path / "levy.txt"
    f.write_text(f"Share Tweet Email Print\nPort levy agreed\n\n{BODY_1}\n", encoding="utf-8")
    assert only_article(load(f)).title == "Port levy agreed"


def test_markdown_heading_and_markup(tmp_path: Path) -> None:
    f = tmp_path / "levy.md"
    f.write_text(
        f"# Port levy agreed\n\n{BODY_1} The **deal** was [announced](https://x.example/a) "
        "in a statement.\n\n"
        f"## Reaction\n\n![chart](chart.png)\n\n{BODY_3}\n",
        encoding="utf-8",
    )
    a = only_article(load(f))
    assert a.title == "Port levy agreed"
    assert "#" not in a.text and "**" not in a.text and "](" not in a.text
    assert "The deal was announced in a statement." in a.text
    assert "Reaction" in a.text and BODY_3 in a.text


def test_markdown_front_matter(tmp_path: Path) -> None:
    f = tmp_path / "levy.md"
    f.write_text(
        f"---\ntitle: Port levy agreed\nsource: Harbour Gazette\ndate: 2024-03-05\n---\n\n{BODY_1}\n",
        encoding="utf-8",
    )
    a = only_article(load(f))
    assert (a.title, a.source, a.published) == ("Port levy agreed", "Harbour Gazette", date(2024, 3, 5))
    assert a.text.strip() == BODY_1


def test_cp1252_fallback_for_legacy_text(tmp_path: Path) -> None:
    f = tmp_path / "legacy.txt"
    f.write_bytes(
        "Caf\u00e9 owners protest\n\nThe owners said \u201cenough\u201d on Monday.\n".encode("cp1252")
    )
    a = only_article(load(f))
    assert a.title == "Caf\u00e9 owners protest"
    assert "\u201cenough\u201d" in a.text


def test_utf8_bom_is_not_part_of_title(tmp_path: Path) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbfPort levy agreed\n\n" + BODY_1.encode())
    assert only_article(load(f)).title == "Port levy agreed"


# ------------------------------------------------------------------------------------------------ HTML


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(HTML_PAGE, encoding="utf-8")
    a = only_article(load(f))
    assert a.title == "Port levy agreed"
    assert a.source == "Harbour Gazette"
    assert a.published == date(2024, 3, 5)
    assert a.url == "https://gazette.example/news/port-levy"
    for body in (BODY_1, BODY_2, BODY_3):
        assert body in a.text
    for junk in ("NAVLINK", "NAVSCRIPT", "INLINE-SCRIPT", "FOOTERTEXT", "trackingPixel"):
        assert junk not in a.text
    assert not a.text.startswith("Port levy agreed")  # headline is metadata, not body
    assert "\n\n" in a.text  # paragraphs kept apart


def test_htm_extension(tmp_path: Path) -> None:
    f = tmp_path / "page.htm"
    f.write_text(HTML_PAGE, encoding="utf-8")
    assert only_article(load(f)).title == "Port levy agreed"


def test_html_without_article_text_fails(tmp_path: Path) -> None:
    f = tmp_path / "nav.html"
    f.write_text(
        "<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>", encoding="utf-8"
    )
    fail = only_failure(load(f))
    assert fail.path == str(f) and "no article text" in fail.reason


# ------------------------------------------------------------------------------------------------ PDF


def test_pdf_title_from_metadata(tmp_path: Path) -> None:
    f = tmp_path / "levy.pdf"
    f.write_bytes(make_pdf(PDF_LINES, title="Port levy agreed"))
    a = only_article(load(f))
    assert a.title == "Port levy agreed"
    assert "agreed on Tuesday to a common levy on container traffic, officials said." in a.text  # reflowed
    assert "The levy takes effect in March." in a.text


def test_pdf_title_from_first_line(tmp_path: Path) -> None:
    f = tmp_path / "levy.pdf"
    f.write_bytes(make_pdf(PDF_LINES))
    a = only_article(load(f))
    assert a.title == "Ministers agree on port levy"
    assert a.text.startswith("The finance ministers")


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_pdf_fails(tmp_path: Path, keep: float) -> None:
    data = make_pdf(PDF_LINES, title="Port levy agreed")
    f = tmp_path / "cut.pdf"
    f.write_bytes(data[: int(len(data) * keep)])
    fail = only_failure(load(f))
    assert fail.path == str(f) and "PDF" in fail.reason


def test_pdf_that_is_not_a_pdf_fails(tmp_path: Path) -> None:
    f = tmp_path / "fake.pdf"
    f.write_text("just some text pretending to be a PDF", encoding="utf-8")
    assert only_failure(load(f)).reason.startswith("not a PDF")


def test_pypdf_warnings_go_to_the_files_report(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    data = make_pdf(PDF_LINES)
    m = re.search(rb"startxref\n(\d+)", data)
    assert m
    f = tmp_path / "repaired.pdf"
    f.write_bytes(
        data[: m.start(1)] + str(int(m.group(1)) + 7).encode() + data[m.end(1) :]
    )  # pypdf repairs it
    (a,) = articles(load(f))
    assert a.text.startswith("The finance ministers")
    assert any(n.startswith("pypdf: incorrect startxref") for n in a.notes)
    assert "startxref" not in capfd.readouterr().err


def test_linked_folders_are_followed_once_and_loops_reported(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text(f"Port levy agreed\n\n{BODY_1}")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "two.txt").write_text(f"Port levy agreed\n\n{BODY_1}")
    (tmp_path / "a" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    got = load(tmp_path / "a")
    assert [x.path for x in got if isinstance(x, RawArticle)] == [
        str(tmp_path / "a" / "linked" / "two.txt"),
        str(tmp_path / "a" / "one.txt"),
    ]
    fails = {x.path: x.reason for x in got if isinstance(x, LoadFailure)}
    assert fails[str(tmp_path / "a" / "loop")].startswith("symlink loop")
    assert fails[str(tmp_path / "a" / "gone.txt")].startswith("broken symlink")


# ------------------------------------------------------------------------------------------------ JSON


def test_json_single_object(tmp_path: Path) -> None:
    f = tmp_path / "one.json"
    rec = {
        "title": "Port levy agreed",
        "body": BODY_1,
        "source": "Harbour Gazette",
        "published": "2024-03-05",
        "url": "https://gazette.example/levy",
    }
    f.write_text(json.dumps(rec), encoding="utf-8")
    a = only_article(load(f))
    assert (a.title, a.text, a.source, a.published, a.url) == (
        "Port levy agreed",
        BODY_1,
        "Harbour Gazette",
        date(2024, 3, 5),
        "https://gazette.example/levy",
    )
    assert a.path == str(f)


def test_json_list_with_aliases(tmp_path: Path) -> None:
    f = tmp_path / "many.json"
    recs = [
        {"title": "A", "text": BODY_1, "outlet": "Gazette", "published_at": "2024-03-05T10:00:00Z"},
        {"title": "B", "content": BODY_2, "site": "Wire", "date": "March 6, 2024"},
        {
            "title": "C",
            "body": "<p>First para.</p><p>Second para.</p>",
            "source": {"id": "x", "name": "Daily"},
        },
    ]
    f.write_text(json.dumps(recs), encoding="utf-8")
    got = load(f)
    assert failures(got) == []
    a, b, c = articles(got)
    assert (a.text, a.source, a.published, a.path) == (BODY_1, "Gazette", date(2024, 3, 5), f"{f}:record 1")
    assert (b.text, b.source, b.published) == (BODY_2, "Wire", date(2024, 3, 6))
    assert c.source == "Daily" and c.text == "First para.\n\nSecond para."


def test_json_list_record_without_body_fails_alone(tmp_path: Path) -> None:
    f = tmp_path / "many.json"
    f.write_text(json.dumps([{"title": "A", "body": BODY_1}, {"title": "no body"}, "oops"]), encoding="utf-8")
    got = load(f)
    assert [a.title for a in articles(got)] == ["A"]
    fails = failures(got)
    assert [x.path for x in fails] == [f"{f}:record 2", f"{f}:record 3"]
    assert "no body" in fails[0].reason


def test_jsonl(tmp_path: Path) -> None:
    f = tmp_path / "recs.jsonl"
    lines = [
        json.dumps({"title": f"T{i}", "body": b, "source": "Wire"}) for i, b in enumerate([BODY_1, BODY_2])
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = load(f)
    assert [(a.title, a.path) for a in articles(got)] == [("T0", f"{f}:line 1"), ("T1", f"{f}:line 2")]
    assert failures(got) == []


def test_video_page_keeps_its_headline_as_text(tmp_path: Path) -> None:
    """Saved video pages hold only the player's feedback form: each is kept under its own headline, and a
    record with neither text nor headline fails."""
    form = (
        "1. How relevant is this ad to you?\n\nVideo player was slow to load content Video content never "
        "loaded Ad froze or did not finish loading Video content did not start after ad Other issues"
    )
    f = tmp_path / "video.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"title": "Ford recall", "body": form, "source": "cnn.com"},
                {"title": "Diwali 2022", "body": form, "source": "cnn.com"},
                {"body": form, "source": "cnn.com"},
            ]
        ),
        encoding="utf-8",
    )
    got = [to_article(r) if isinstance(r, RawArticle) else r for r in load(f)]
    ford, diwali, untitled = got
    assert isinstance(ford, Article) and ford.text == "Ford recall"
    assert isinstance(diwali, Article) and diwali.text == "Diwali 2022" and diwali.id != ford.id
    assert isinstance(untitled, LoadFailure) and "no article text" in untitled.reason


def test_jsonl_bad_line_among_good_ones(tmp_path: Path) -> None:
    f = tmp_path / "recs.jsonl"
    f.write_text(
        json.dumps({"title": "A", "body": BODY_1})
        + "\n"
        + '{"title": "broken", "body": "unterminated\n'
        + json.dumps({"title": "no body here"})
        + "\n"
        + json.dumps({"title": "C", "body": BODY_3})
        + "\n",
        encoding="utf-8",
    )
    got = load(f)
    assert [a.title for a in articles(got)] == ["A", "C"]
    fails = failures(got)
    assert [x.path for x in fails] == [f"{f}:line 2", f"{f}:line 3"]
    assert "malformed JSON" in fails[0].reason and "no body" in fails[1].reason


def copy_head(src: Path, dst: Path, n: int) -> Path:
    """The first n lines of a shared file, copied at test time (never stored in the repo)."""
    with src.open(encoding="utf-8") as fin:
        dst.write_text("".join(next(fin) for _ in range(n)), encoding="utf-8")
    return dst


def test_realtimeqa_corpus_loads_as_is(tmp_path: Path, realtimeqa_dir: Path) -> None:
    f = copy_head(realtimeqa_dir / "corpus.jsonl", tmp_path / "corpus.jsonl", 5)
    raw = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
    got = load(f)
    assert failures(got) == []
    arts = articles(got)
    assert len(arts) == 5
    for a, r in zip(arts, raw, strict=True):
        assert a.text == r["body"].strip()
        assert a.source == r["source"]
        assert a.url == r["url"]
        assert a.published == date.fromisoformat(r["published_at"])
        assert a.title == " ".join(normalize_chars(r["title"]).split())


# ------------------------------------------------------------------------------------------------ feeds


def test_rss(tmp_path: Path) -> None:
    f = tmp_path / "gazette.rss"
    f.write_text(RSS, encoding="utf-8")
    got = load(f)
    assert failures(got) == []
    a, b = articles(got)
    assert (a.title, a.source, a.published, a.url, a.path) == (
        "Port levy agreed",
        "Harbour Gazette",
        date(2024, 3, 5),
        "https://gazette.example/levy",
        f"{f}:entry 1",
    )
    assert a.text == "The finance ministers agreed on a common levy.\n\nIt starts in March."
    assert b.published == date(2024, 3, 6) and "pay deal" in b.text


def test_atom(tmp_path: Path) -> None:
    f = tmp_path / "wire.atom"
    f.write_text(ATOM, encoding="utf-8")
    a = only_article(load(f))
    assert (a.title, a.source, a.published, a.url) == (
        "Dredging contract awarded",
        "Coastal Wire",
        date(2024, 3, 7),
        "https://wire.example/dredging",
    )
    assert a.text == "A dredging contract worth 40 million was awarded."


def test_feed_recognised_by_content(tmp_path: Path) -> None:
    f = tmp_path / "feed.php"
    f.write_text(RSS, encoding="utf-8")
    assert len(articles(load(f))) == 2


def test_feed_garbage_fails(tmp_path: Path) -> None:
    f = tmp_path / "garbage.rss"
    f.write_text("this is not a feed <<< >>> {", encoding="utf-8")
    fail = only_failure(load(f))
    assert fail.path == str(f) and "not an RSS/Atom feed" in fail.reason


def test_xml_that_is_not_a_feed_fails(tmp_path: Path) -> None:
    f = tmp_path / "note.xml"
    f.write_text('<?xml version="1.0"?><note><to>x</to></note>', encoding="utf-8")
    assert "not an RSS/Atom feed" in only_failure(load(f)).reason


def test_truncated_feed_reports_once_and_keeps_only_complete_entries(tmp_path: Path) -> None:
    f = tmp_path / "cut.rss"
    f.write_text(RSS[: RSS.index("Ferry crews") + 5], encoding="utf-8")
    got = load(f)
    assert len(failures(got)) == 1 and "malformed or truncated feed" in failures(got)[0].reason
    assert [a.title for a in articles(got)] == ["Port levy agreed"]  # the cut-off entry is not ingested


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n\t \n", "empty"),
        ("empty.json", b"", "empty"),
        ("empty.html", b"", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("noise.txt", bytes(range(0x80, 0x100)) * 4, "undecodable"),
        ("bad.json", b'{"title": "x", "body": ', "malformed"),
        ("nobody.json", b'{"title": "x"}', "no body"),
        ("scalar.json", b"42", "expected a JSON object"),
        ("empty-list.json", b"[]", "no records"),
        ("picture.png", b"\x89PNG\r\n\x1a\n", "unsupported file type '.png'"),
        ("notes.csv", b"a,b\n1,2\n", "unsupported file type '.csv'"),
    ],
)
def test_bad_file_gives_one_failure(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    fail = only_failure(load(f))
    assert fail.path == str(f)
    assert reason in fail.reason


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    fail = only_failure(load(missing))
    assert (fail.path, fail.reason) == (str(missing), "file not found")


def test_url_without_network_fails_cleanly() -> None:
    url = "http://briefing-test.invalid/article"  # .invalid never resolves: no traffic leaves
    fail = only_failure(load(url))
    assert fail.path == url and fail.reason.startswith("could not fetch URL:")


def test_url_with_network_disallowed() -> None:
    fail = only_failure(load("https://briefing-test.invalid/feed.xml", allow_network=False))
    assert fail.reason == "could not fetch URL: network access is disabled"


def test_loading_continues_past_bad_inputs(tmp_path: Path) -> None:
    good1 = tmp_path / "a.txt"
    good1.write_text(f"Title A\n\n{BODY_1}", encoding="utf-8")
    bad = tmp_path / "b.json"
    bad.write_text("{", encoding="utf-8")
    good2 = tmp_path / "c.txt"
    good2.write_text(f"Title C\n\n{BODY_2}", encoding="utf-8")
    got = load(good1, tmp_path / "missing.txt", bad, "http://briefing-test.invalid/", good2)
    kinds = [type(r).__name__ for r in got]
    assert kinds == ["RawArticle", "LoadFailure", "LoadFailure", "LoadFailure", "RawArticle"]


# ------------------------------------------------------------------------------------------------ folders


def test_folder_recursive_sorted_skipping_hidden_and_manifest(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in ("b.txt", "a.txt", "sub/c.md", ".hidden.txt", ".git/x.txt"):
        (tmp_path / rel).write_text(f"Title {rel}\n\n{BODY_1}", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,title,source,published\n", encoding="utf-8")
    got = load(tmp_path)
    assert failures(got) == []
    assert [Path(a.path).relative_to(tmp_path).as_posix() for a in articles(got)] == [
        "a.txt",
        "b.txt",
        "sub/c.md",
    ]
    assert load(tmp_path) == got  # deterministic


def test_seed_folder_loads(seeds_dir: Path) -> None:
    got = load(seeds_dir)
    assert failures(got) == []
    assert [Path(a.path).name[:3] for a in articles(got)] == ["000", "001", "002", "003", "004"]
    first = articles(got)[0]
    assert first.title == "US could blacklist Chinese surveillance tech firm Hikvision"
    assert not first.text.startswith("US could blacklist")


# ------------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-05-22", date(2019, 5, 22)),
        ("2019-05-22T08:15:00+08:00", date(2019, 5, 22)),
        ("Wed, 22 May 2019 08:15:00 GMT", date(2019, 5, 22)),
        ("May 22, 2019", date(2019, 5, 22)),
        ("22 May 2019", date(2019, 5, 22)),
        ("not a date", None),
        ("2019-13-45", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_invalid_date_in_record_is_not_a_failure(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"title": "A", "body": BODY_1, "published": "someday"}), encoding="utf-8")
    assert only_article(load(f)).published is None


# ------------------------------------------------------------------------------------------------ manifest


def test_seed_manifest(seeds_dir: Path) -> None:
    rows, fails = read_manifest(seeds_dir / "manifest.csv")
    assert fails == []
    assert sorted(rows) == sorted(p.name for p in seeds_dir.glob("*.txt"))
    row = rows["004_7429f206eed36188.txt"]
    assert row == ManifestRow(
        file="004_7429f206eed36188.txt",
        title="China's Hikvision says it takes US rights concerns 'seriously'",
        source="Al Jazeera",
        published=date(2019, 5, 22),
    )


def write_manifest(folder: Path, body: str) -> Path:
    (folder / "a.txt").write_text(f"Guessed title\n\n{BODY_1}", encoding="utf-8")
    m = folder / "manifest.csv"
    m.write_text(body, encoding="utf-8")
    return m


def test_manifest_row_for_missing_file(tmp_path: Path) -> None:
    m = write_manifest(
        tmp_path, "file,title,source,published\na.txt,A,Gazette,2024-03-05\nghost.txt,G,Wire,2024-03-05\n"
    )
    rows, fails = read_manifest(m)
    assert list(rows) == ["a.txt"]
    assert len(fails) == 1
    assert fails[0].path == f"{m}:row 3"
    assert "ghost.txt" in fails[0].reason and "missing" in fails[0].reason


def test_manifest_bad_date(tmp_path: Path) -> None:
    m = write_manifest(tmp_path, "file,title,source,published\na.txt,A,Gazette,22/05/2019x\n")
    rows, fails = read_manifest(m)
    assert len(fails) == 1 and fails[0].path == f"{m}:row 2" and "bad date" in fails[0].reason
    assert rows["a.txt"].published is None and rows["a.txt"].source == "Gazette"  # rest of the row kept


def test_manifest_without_file_column(tmp_path: Path) -> None:
    m = write_manifest(tmp_path, "name,title\na.txt,A\n")
    rows, fails = read_manifest(m)
    assert rows == {} and len(fails) == 1 and "'file' column" in fails[0].reason


def test_manifest_not_found(tmp_path: Path) -> None:
    rows, fails = read_manifest(tmp_path / "manifest.csv")
    assert rows == {} and fails[0].reason == "manifest not found"


def test_apply_metadata_precedence(tmp_path: Path) -> None:
    raw = RawArticle(
        text=BODY_1,
        path=str(tmp_path / "r.json"),
        title="Own",
        source="Own outlet",
        published=date(2020, 1, 1),
    )
    row = ManifestRow(
        file="r.json", title="Manifest title", source="Manifest outlet", published=date(2024, 3, 5)
    )
    got = apply_metadata(raw, row, source="CLI outlet", published=date(1999, 1, 1))
    assert (got.title, got.source, got.published) == ("Manifest title", "Manifest outlet", date(2024, 3, 5))
    # CLI values fill only what is missing.
    bare = RawArticle(text=BODY_1, path="x.json", source="Own outlet")
    got = apply_metadata(bare, None, source="CLI outlet", published=date(2024, 3, 5))
    assert (got.source, got.published) == ("Own outlet", date(2024, 3, 5))
    got = apply_metadata(RawArticle(text=BODY_1, path="x.json"), None, source="CLI outlet", published=None)
    assert got.source == "CLI outlet" and got.published is None


def test_manifest_title_replaces_a_wrong_first_line_guess(seeds_dir: Path) -> None:
    """003 starts with share-bar residue and a section label above the headline; with the manifest the
    headline and everything above it leave the body, and no article text is lost."""
    manifest = seeds_dir / "manifest.csv"
    rows, _ = read_manifest(manifest)
    (raw,) = articles(load(seeds_dir / "003_26db3f3385e37aff.txt"))
    row = find_row(rows, manifest, raw.path)
    assert row is not None
    got = apply_metadata(raw, row, source=None, published=None)
    assert got.title == "China's Hikvision braces for inclusion on US export blacklist"
    assert got.source == "Nikkei Asian Review (Financial Times)" and got.published == date(2019, 5, 22)
    assert got.text.startswith("Surveillance equipment maker faces threat of ban")
    cleaned = clean_text(got.text)
    assert "Trade war\n" not in cleaned and "Sketch" not in cleaned
    assert "One person close to Hikvision" in cleaned


def test_manifest_title_equal_to_first_line_changes_nothing(seeds_dir: Path) -> None:
    manifest = seeds_dir / "manifest.csv"
    rows, _ = read_manifest(manifest)
    (raw,) = articles(load(seeds_dir / "001_b7d037952aea7e84.txt"))
    got = apply_metadata(raw, find_row(rows, manifest, raw.path), source=None, published=None)
    assert got.text == raw.text
    assert got.source == "South China Morning Post"


def test_a_written_manifest_reads_back_and_a_row_for_a_file_of_many_articles_gives_each_its_outlet_and_date(
    tmp_path: Path,
) -> None:
    """The app's upload table goes to ingest as a manifest: what `write_manifest` writes, `read_manifest`
    reads back; a JSON Lines file's row gives its outlet and date to each record, but not its title."""
    (tmp_path / 'a, "odd".txt').write_text("Headline\n\nBody text of the article goes here.")
    lines = [{"title": "One", "body": "First story."}, {"title": "Two", "body": "Second story."}]
    (tmp_path / "w.jsonl").write_text("\n".join(json.dumps(rec) for rec in lines))
    rows = [
        ManifestRow('a, "odd".txt', 'A headline, quoted "so"', "Wire", date(2020, 1, 2)),
        ManifestRow("w.jsonl", "Ignored", "Feed Desk", date(2021, 3, 4)),
    ]
    manifest = tmp_path / "manifest.csv"
    write_rows(manifest, rows)
    read, fails = read_manifest(manifest)
    assert not fails and list(read.values()) == rows
    got = [apply_metadata(r, find_row(read, manifest, r.path), source=None, published=None)
           for r in articles(load(tmp_path / "w.jsonl"))]  # fmt: skip
    assert [(a.title, a.source, a.published) for a in got] == [
        ("One", "Feed Desk", date(2021, 3, 4)),
        ("Two", "Feed Desk", date(2021, 3, 4)),
    ]


# ------------------------------------------------------------------------------------------------ Word


def test_docx(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.core_properties.title = "Port levy agreed"
    for para in (BODY_1, BODY_2):
        doc.add_paragraph(para)
    f = tmp_path / "levy.docx"
    doc.save(str(f))
    a = only_article(load(f))
    assert a.title == "Port levy agreed" and a.text == f"{BODY_1}\n\n{BODY_2}"


def test_corrupt_docx_fails(tmp_path: Path) -> None:
    f = tmp_path / "bad.docx"
    f.write_bytes(b"PK\x03\x04 not really a zip")
    assert "malformed Word document" in only_failure(load(f)).reason


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "bomb.docx", 40)
    assert bomb.stat().st_size < 2**20
    fail = only_failure(load(bomb, limits=Limits(20 * 2**20, 500 * 2**20, 30000)))
    assert fail.path == str(bomb)
    assert re.fullmatch(
        r"Word document refused unread: unpacks to 4\d MB, over the 31 MB a Word article may "
        r"\(settings max_file_mb and max_article_words\)",
        fail.reason,
    )


def test_docx_with_one_part_inflating_over_100x_is_refused(tmp_path: Path) -> None:
    bomb = docx_bomb(tmp_path / "dense.docx", 4)  # within the unpacked total, not within the ratio
    reason = only_failure(load(bomb)).reason
    assert reason.startswith("Word document refused unread: part word/document.xml unpacks ")
    assert reason.endswith("x (a zip bomb?)")
