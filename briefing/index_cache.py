"""The local cache of a store's derived indexes: passage and article search indexes and the reuse index,
saved under `store_dir/index/<where>/<collection>/` with the generation, passage and article counts and
index format they were built from. The store decides when to build; this only answers "is what is on disk
current?" and reads and writes it, the tag last, so a half-written cache is never taken for a current one.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from briefing.dedupe import GramIndex
from briefing.index import FORMAT, SearchIndex

CHUNKS, ARTICLES, GRAMS = "chunks", "articles", "grams.npz"
_STALE = ("keyword", "article_keyword")  # format 1's keyword-only indexes


class IndexCache:
    """The cache folder of one collection of one store (embedded or server)."""

    def __init__(self, store_dir: Path, where: str, collection: str) -> None:
        self.folder = store_dir / "index" / re.sub(r"[^A-Za-z0-9._-]+", "_", where) / collection

    def _tag(self) -> dict:
        try:
            return json.loads((self.folder / "meta.json").read_text())
        except (OSError, ValueError):
            return {}

    def current(self, name: str, generation: int, counts: list[int]) -> bool:
        """Whether `name` on disk was built from this generation and these Chroma counts, in this format: a
        cache with other counts trails the store whatever its generation says (a crash between commit and
        rebuild, a writer on another machine, a store restored from a backup)."""
        tag = self._tag()
        return (
            tag.get("generation") == generation
            and tag.get("format") == FORMAT
            and tag.get("counts") == counts
            and (self.folder / name).exists()
        )

    def search_index(self, name: str) -> SearchIndex:
        return SearchIndex.load(self.folder / name)

    def grams(self) -> GramIndex:
        return GramIndex.load(self.folder / GRAMS)

    def save(
        self, chunks: SearchIndex, articles: SearchIndex, grams: GramIndex, generation: int, counts: list[int]
    ) -> None:
        """Write the three indexes, then the tag saying what they were built from."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in _STALE:
            shutil.rmtree(self.folder / stale, ignore_errors=True)
        chunks.save(self.folder / CHUNKS)
        articles.save(self.folder / ARTICLES)
        grams.save(self.folder / GRAMS)
        tmp = self.folder / "meta.json.tmp"
        tmp.write_text(json.dumps({"generation": generation, "format": FORMAT, "counts": counts}))
        tmp.replace(self.folder / "meta.json")
