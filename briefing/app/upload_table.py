"""The upload table: for each dropped file, the title, outlet and date it suggests (a manifest CSV dropped
beside the files wins, as with `briefing ingest --manifest`), for the analyst to correct before adding;
the table as edited then goes to ingest as the files' manifest.

A file of many articles (JSON, JSON Lines, a feed) has one row: its outlet and date, shown where all its
articles agree, go to each of them; it has no title of its own.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.app.uploads import Upload, check_upload, safe_name
from briefing.config import Settings
from briefing.ingest import UNKNOWN_OUTLET, limits_of, to_article
from briefing.loaders import ManifestRow, apply_metadata, find_row, load_paths, parse_date, read_manifest
from briefing.loaders.common import one_line
from briefing.models import Article, RawArticle

MANIFEST_SUFFIX = ".csv"  # a CSV among the dropped files is their manifest (file,title,source,published)
CACHED = "upload_proposal"  # session-state key: the table proposed for the files now dropped


@dataclass(frozen=True)
class Proposal:
    """The table for one set of dropped files: `key` names the set (a table edited for other files must
    not be applied to these), `rows` one per article file, `notes` what the manifest got wrong."""

    key: str
    rows: list[dict[str, Any]]
    notes: list[str]


def split(uploads: Sequence[Upload]) -> tuple[list[Upload], list[Upload]]:
    """(article files, manifests)."""
    manifests = [u for u in uploads if u.name.lower().endswith(MANIFEST_SUFFIX)]
    return [u for u in uploads if u not in manifests], manifests


def proposal_for(
    files: Sequence[Upload], manifests: Sequence[Upload], settings: Settings, cache: MutableMapping[str, Any]
) -> Proposal:
    """The table for these files, read again only when the files dropped change (every click reruns the
    page, and reading a long JSON Lines file takes a moment). Streamlit gives each dropped file an id of
    its own; a file without one (a test's) is known by its bytes."""
    digest = hashlib.sha256()
    for up in [*files, *manifests]:
        digest.update(f"{up.name}\0{up.size}\0".encode())
        digest.update(str(getattr(up, "file_id", None) or hashlib.sha256(up.getvalue()).hexdigest()).encode())
    key = digest.hexdigest()[:16]
    if not isinstance(cached := cache.get(CACHED), Proposal) or cached.key != key:
        cache[CACHED] = cached = propose(files, manifests, settings, key)
    return cached


def propose(files: Sequence[Upload], manifests: Sequence[Upload], settings: Settings, key: str) -> Proposal:
    """Read the files (and the manifest) in a scratch folder as ingest will, and say what each suggests."""
    notes = []
    if len(manifests) > 1:
        notes.append(f"only one manifest is read at a time: {manifests[0].name}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths: dict[str, Path] = {}
        for up in files:
            path = folder / safe_name(up.name)
            if check_upload(up, settings.max_file_mb) is None and not path.exists():
                path.write_bytes(up.getvalue())
                paths[up.name] = path
        manifest, found = None, {}
        if manifests:
            manifest = folder / safe_name(manifests[0].name)
            manifest.write_bytes(manifests[0].getvalue())
            found, failures = read_manifest(manifest)
            notes += [f"{f.path.removeprefix(tmp + '/')}: {f.reason}" for f in failures]
        for name, path in paths.items():
            articles = []
            for raw in load_paths([path], allow_network=False, limits=limits_of(settings)):
                if isinstance(raw, RawArticle):
                    row = find_row(found, manifest, raw.path) if manifest else None
                    labelled = to_article(apply_metadata(raw, row, source=None, published=None))
                    if isinstance(labelled, Article):
                        articles.append(labelled)
            if articles:
                rows.append(_row(name, articles))
    return Proposal(key, rows, notes)


def _row(name: str, articles: list[Article]) -> dict[str, Any]:
    def agreed(values: set[Any]) -> Any:
        return next(iter(values)) if len(values) == 1 else None

    outlet = agreed({a.source for a in articles})
    return {
        "file": name,
        "articles": len(articles),
        "title": articles[0].title if len(articles) == 1 else "",
        "outlet": "" if outlet in (None, UNKNOWN_OUTLET) else outlet,
        "published": agreed({a.published for a in articles}),
    }


def labels(rows: Sequence[dict[str, Any]]) -> dict[str, ManifestRow]:
    """The table as edited, by file name: the manifest ingest is given. A blank cell leaves what the file
    says; a file of many articles gives no title."""
    return {
        r["file"]: ManifestRow(
            r["file"],
            one_line(r.get("title")) if r.get("articles") == 1 else None,
            one_line(r.get("outlet")),
            parse_date(r.get("published")),
        )
        for r in rows
    }
