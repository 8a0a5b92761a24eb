"""The manifest: per-file outlet, date, title and URL from a CSV beside the articles."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from briefing.loaders.common import MARKDOWN_SUFFIXES, TEXT_SUFFIXES, decode, one_line, parse_date, same_title
from briefing.models import LoadFailure, RawArticle

# --------------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestRow:
    """One manifest line: metadata a user supplies for a file, which wins over what the file suggests."""

    file: str
    title: str | None = None
    source: str | None = None
    published: date | None = None
    url: str | None = None


COLUMNS = ("file", "title", "source", "published", "url")
_RECORD = re.compile(r"^(?P<file>.+):(?:line|record|entry) \d+$")  # an article of a many-article file


def _manifest_key(name: str) -> str:
    key = Path(name.strip()).as_posix()
    return key[2:] if key.startswith("./") else key


def read_manifest(path: str | Path) -> tuple[dict[str, ManifestRow], list[LoadFailure]]:
    """Read a CSV with columns file,title,source,published (url optional; header case-insensitive).

    Keys are file paths relative to the manifest's folder, as written. Each bad row is a failure named
    ``<manifest>:row N`` where N is the spreadsheet row (the header is row 1). A row with an unreadable
    date is kept without its date (the title and outlet are still useful) and reported; a row naming a
    missing file is reported and dropped.
    """
    path = Path(path)
    where = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, [LoadFailure(where, "manifest not found")]
    except OSError as e:
        return {}, [LoadFailure(where, f"cannot read manifest: {e.strerror or e}")]
    text, why = decode(data)
    if text is None:
        return {}, [LoadFailure(where, f"unreadable manifest: {why}")]
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    except csv.Error as e:
        return {}, [LoadFailure(where, f"malformed CSV: {e}")]
    if "file" not in fields:
        return {}, [
            LoadFailure(where, f"manifest has no 'file' column (columns: {', '.join(fields) or 'none'})")
        ]
    reader.fieldnames = fields
    rows: dict[str, ManifestRow] = {}
    failures: list[LoadFailure] = []
    folder = path.parent
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            failures.append(LoadFailure(f"{where}:row {reader.line_num}", f"malformed CSV row: {e}"))
            continue
        rwhere = f"{where}:row {reader.line_num}"

        def cell(name: str, raw: dict[str, Any] = raw) -> str:
            v = raw.get(name)
            return v.strip() if isinstance(v, str) else ""

        name = cell("file")
        if not name:
            if any(cell(f) for f in fields):
                failures.append(LoadFailure(rwhere, "row has no file name"))
            continue
        key = _manifest_key(name)
        if not (folder / key).is_file():
            failures.append(LoadFailure(rwhere, f"row names a missing file: {name}"))
            continue
        if key in rows:
            failures.append(LoadFailure(rwhere, f"duplicate row for {name}; the first one is used"))
            continue
        published = parse_date(cell("published")) if cell("published") else None
        if cell("published") and published is None:
            failures.append(
                LoadFailure(rwhere, f"bad date {cell('published')!r} for {name} (expected e.g. 2019-05-22)")
            )
        rows[key] = ManifestRow(
            file=key,
            title=one_line(cell("title")),
            source=one_line(cell("source")),
            published=published,
            url=cell("url") or None,
        )
    return rows, failures


def find_row(
    rows: Mapping[str, ManifestRow], manifest: str | Path, article_path: str
) -> ManifestRow | LoadFailure | None:
    """The manifest row for a loaded file: the row naming its path relative to the manifest's folder
    (paths are resolved, so 'seeds/x.txt' and '/abs/seeds/x.txt' both match). A file elsewhere that only
    shares a row's file name is a failure naming both files: it may be another article altogether, and
    giving it that row's title, outlet and date would mislabel it silently.

    An article of a many-article file (JSON, JSON Lines, a feed: `FILE:line N`) takes the outlet and date
    of the row naming FILE; a title names one article, so it is not given to all of them."""
    folder = Path(manifest).resolve().parent
    record = _RECORD.match(article_path)
    path = Path(record["file"] if record else article_path).resolve()
    try:
        row = rows.get(path.relative_to(folder).as_posix())
    except ValueError:
        pass
    else:
        return replace(row, title=None) if row and record else row
    for key in rows:
        if Path(key).name == path.name:
            return LoadFailure(
                article_path,
                f"manifest {manifest} names {folder / key}, not this file; "
                "give the manifest this file's path relative to the manifest's folder",
            )
    return None


def write_manifest(path: Path, rows: Iterable[ManifestRow]) -> None:
    """Write rows as the CSV `read_manifest` reads: metadata settled elsewhere (the app's upload table)
    then reaches ingest exactly as a manifest given to `briefing ingest` does."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for r in rows:
            out.writerow([r.file, r.title or "", r.source or "", r.published or "", r.url or ""])


def _drop_headline(text: str, title: str) -> str:
    """Remove the headline line from the top of a text file, with the page furniture above it (section
    labels such as 'Trade war', share bars). Only looks at the first few lines, and only drops short
    lines above the headline, so prose is never removed."""
    lines = text.split("\n")
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()][:6]
    for rank, i in enumerate(nonempty):
        if same_title(lines[i], title):
            if all(len(lines[j].split()) <= 30 for j in nonempty[:rank]):
                return "\n".join(lines[i + 1 :]).strip("\n")
            return "\n".join(lines[:i] + lines[i + 1 :]).strip("\n")
    return text


def apply_metadata(
    raw: RawArticle, row: ManifestRow | None, *, source: str | None, published: date | None
) -> RawArticle:
    """Fill an article's metadata: the manifest row overrides what the file suggested (the user knows
    better than a first-line guess); CLI `source`/`published` only fill what is still missing.

    For text files whose first line was taken as the title, a different manifest title means that line
    was not the headline: it is put back into the body, and the manifest's headline (with anything short
    above it) is removed from the top of the body instead.
    """
    text, title, src, pub, url = raw.text, raw.title, raw.source, raw.published, raw.url
    if row is not None:
        if row.title:
            is_text_file = Path(raw.path).suffix.lower() in TEXT_SUFFIXES | MARKDOWN_SUFFIXES
            if is_text_file and not same_title(raw.title, row.title):
                if raw.title:
                    text = raw.title + "\n\n" + text
                text = _drop_headline(text, row.title)
            title = row.title
        src = row.source or src
        pub = row.published or pub
        url = row.url or url
    src = src or one_line(source)
    pub = pub or published
    return replace(raw, text=text, title=title, source=src, published=pub, url=url)
