"""The store's bookkeeping on embedded Chroma: a failed or killed write leaves nothing half-stored, a batch
is one write per collection, one writer at a time, the embedding model and the index format are checked.
The same tests run against a Chroma server in tests/integration/test_store_server.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from briefing.config import Settings
from briefing.ingest import ingest
from briefing.retrieve import Retriever
from briefing.store import Store, StoreBusy, StoreError
from tests.paths import SHARED

SEEDS = SHARED / "corpus" / "seeds"
MANIFEST = SEEDS / "manifest.csv"


def _seeds_into(settings: Settings) -> Store:
    report = ingest([SEEDS], settings, manifest=MANIFEST, progress=False)
    assert report.ok, report.failures
    return Store(settings)


def test_bad_inputs_are_reported_and_the_rest_stored(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Ports reopen\n\nThe harbour authority said ships may dock again from Monday.\n"
    )
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    (folder / "broken.json").write_text('{"title": "x", "body": ')
    (folder / "notes.xyz").write_text("what is this")
    settings = make_settings()
    report = ingest([folder, tmp_path / "missing.txt"], settings, progress=False)
    failed = {Path(f.path.split(":")[0]).name for f in report.failures}
    assert failed == {"empty.txt", "binary.txt", "broken.json", "notes.xyz", "missing.txt"}
    assert all(f.reason for f in report.failures)
    assert [a.title for a in report.added] == ["Ports reopen"]
    assert not report.ok


def test_failed_commit_leaves_no_partial_article(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storage error after an article's chunks were written: the chunks are taken back, the run goes on."""
    settings = make_settings()
    for name, body in [
        ("a.txt", "Alpha\n\nAlpha talks resumed in Geneva on Monday."),
        ("b.txt", "Beta\n\nBeta ministers met in Oslo."),
    ]:
        (tmp_path / name).write_text(body)
    store = Store(settings)
    real_add = store.articles_col.add

    def failing_add(*args: object, **kwargs: object) -> None:
        if "Alpha" in kwargs["documents"][0]:
            raise RuntimeError("disk full")
        real_add(*args, **kwargs)

    monkeypatch.setattr(store.articles_col, "add", failing_add)
    report = ingest([tmp_path / "a.txt", tmp_path / "b.txt"], settings, store=store, progress=False)
    assert [f.reason for f in report.failures] == ["could not store: disk full"]
    fresh = Store(settings)
    assert [r.article.title for r in fresh.article_records()] == ["Beta"]
    assert fresh.chunks.count() == 1
    assert [h.chunk.title for h in Retriever(fresh, settings).search("talks in Geneva", 5)] == ["Beta"]


def test_stats_count_a_crashed_runs_passages_apart(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer dies between an article's chunks and its record: stats do not count those chunks as
    stored, and the next ingest removes them."""
    settings = make_settings()
    (tmp_path / "a.txt").write_text("Alpha\n\nAlpha talks resumed in Geneva on Monday.")
    (tmp_path / "b.txt").write_text("Beta\n\nBeta ministers met in Oslo.")
    ingest([tmp_path / "b.txt"], settings, progress=False)
    store = Store(settings)

    def killed(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(store.articles_col, "add", killed)
    with pytest.raises(SystemExit):
        ingest([tmp_path / "a.txt"], settings, store=store, progress=False)
    stats = Store(settings).stats()
    assert (stats["articles"], stats["chunks"], stats["unfinished_chunks"]) == (1, 1, 1)
    monkeypatch.undo()
    ingest([tmp_path / "a.txt"], settings, progress=False)
    stats = Store(settings).stats()
    assert (stats["articles"], stats["chunks"], stats["unfinished_chunks"]) == (2, 2, 0)


def test_failed_copy_leaves_no_note_on_its_twin(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A near-duplicate whose record cannot be written: the carrier notes it put on its twin's chunks go too."""
    settings = make_settings()
    store = _seeds_into(settings)
    copy = tmp_path / "copy.txt"
    shutil.copy(next(SEEDS.glob("002_*.txt")), copy)

    def failing_add(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store.articles_col, "add", failing_add)
    report = ingest(
        [copy], settings, store=store, source="Example Gazette", published=date(2019, 5, 23), progress=False
    )
    assert [f.reason for f in report.failures] == ["could not store: disk full"]
    fresh = Store(settings)
    assert len(fresh.article_records()) == 5
    stored = fresh.chunks.get(include=["metadatas"])["metadatas"]  # as the search index reads them
    assert not any(
        "Example Gazette" in m["outlets"] or "Example Gazette" in (m.get("carriers") or "") for m in stored
    )


def test_a_batch_of_articles_is_written_in_one_call_per_collection(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma's cost per call, not per item, dominated ingest's overhead when it wrote article by article."""
    settings = make_settings()
    store = Store(settings)
    calls = {"chunks": 0, "articles": 0}
    for name, col in (("chunks", store.chunks), ("articles", store.articles_col)):

        def counted(
            *args: object, _real: Callable[..., None] = col.add, _name: str = name, **kwargs: object
        ) -> None:
            calls[_name] += 1
            _real(*args, **kwargs)

        monkeypatch.setattr(col, "add", counted)
    report = ingest([SEEDS], settings, manifest=MANIFEST, store=store, progress=False)
    assert report.ok and len(report.added) == 5
    assert calls == {"chunks": 1, "articles": 1}


def test_second_writer_gets_store_busy(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    with Store(settings).writing():
        with pytest.raises(StoreBusy, match="store busy"):
            ingest([SEEDS], settings, manifest=MANIFEST, progress=False)


def test_embedding_model_mismatch_is_refused(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    Store(settings)
    with pytest.raises(StoreError, match=f"built with embedding model '{settings.embedding}'"):
        Store(settings.with_overrides(embedding="openai:text-embedding-3-small"))


def test_index_cached_in_an_older_format_is_rebuilt(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    store = _seeds_into(settings)
    meta = store.cache.folder / "meta.json"
    built = json.loads(meta.read_text())
    meta.write_text(json.dumps({**built, "format": built["format"] - 1}))
    (store.cache.folder / "keyword").mkdir()  # the older format's folder
    reopened = Store(settings)
    assert Retriever(reopened, settings).search("Hikvision human rights adviser", 3)
    assert json.loads(meta.read_text()) == built
    assert not (store.cache.folder / "keyword").exists()


def test_the_same_text_again_without_its_outlet_is_the_stored_article(
    make_settings: Callable[..., Settings],
) -> None:
    """A seed re-uploaded with no manifest has no outlet: it is the stored article, not a copy from
    "unknown outlet" that citations would then list."""
    settings = make_settings()
    _seeds_into(settings)
    again = ingest([next(SEEDS.glob("001_*.txt"))], settings, progress=False)
    (skip,) = again.skipped
    assert not again.added and Store(settings).get_article(skip.stored_as).source != "unknown outlet"
    assert all(r.article.source != "unknown outlet" for r in Store(settings).article_records())
