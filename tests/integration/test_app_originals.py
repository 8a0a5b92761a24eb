"""Uploaded originals (issue 24, item 11): a name too long for the disk fails alone, originals are
owner-only, and none stays on disk once no article refers to it (deleted, or left by a crashed upload)."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing.app.uploads import ingest_uploads
from briefing.config import Settings
from briefing.ingest import remove
from briefing.originals import prune, uploads_dir
from briefing.store import Store
from tests.integration.app_helpers import APP, ARTICLES, TIMEOUT, app_env, upload

TOLL, FERRY = (text.encode() for _, _, text in ARTICLES.values())


class _Upload:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data, self.size = name, data, len(data)

    def getvalue(self) -> bytes:
        return self.data


def _originals(settings: Settings) -> list[str]:
    folder = uploads_dir(settings)
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AppTest]:
    app_env(monkeypatch, tmp_path / "store")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/library.py").run()
    at.text_input(key="upload_outlet").set_value("Silesian Wire")
    at.date_input(key="upload_date").set_value(date(2031, 5, 20))
    assert not at.exception
    yield at


def test_a_name_too_long_for_the_disk_fails_alone_and_leaves_nothing(
    library: AppTest, tmp_path: Path
) -> None:
    long_name = "ferry report " * 25 + ".txt"  # 329 bytes: over the 255 a file name may have
    upload(library, ("toll.txt", TOLL), (long_name, FERRY))
    assert library.success[0].value.replace("\\", "").startswith("toll.txt — added")
    (error,) = [e.value.replace("\\", "") for e in library.error]
    assert error.startswith("ferry report ferry report") and "…" in error and "report .txt — " in error
    assert "its name is 329 bytes, over the 255 a file name may have; rename it shorter" in error
    assert long_name not in error  # shortened in the message
    assert _originals(Settings(store_dir=tmp_path / "store")) == ["toll.txt"]


def test_originals_are_owner_only(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    outcome = ingest_uploads([_Upload("toll.txt", TOLL)], settings, lambda: Store(settings), source="Post")
    assert [r.status for r in outcome.results] == ["added"]
    (saved,) = [p for p in uploads_dir(settings).rglob("*") if p.is_file()]
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700


def test_an_original_goes_with_the_last_article_made_from_it(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    records = [{"title": t.split("\n")[0], "body": t, "source": "Wire"} for _, _, t in ARTICLES.values()]
    both = "\n".join(json.dumps(r) for r in records).encode()
    outcome = ingest_uploads([_Upload("both.jsonl", both)], settings, lambda: Store(settings))
    assert [r.status for r in outcome.results] == ["added", "added"]
    first, second = (r.article.id for r in Store(settings).article_records())
    remove(first, settings, store=Store(settings))
    assert _originals(settings) == ["both.jsonl"]  # the other record's article still refers to it
    remove(second, settings, store=Store(settings))
    assert _originals(settings) == [] and list(uploads_dir(settings).iterdir()) == []


def test_originals_a_crashed_upload_left_are_removed_and_old_ones_made_private_by_the_next_upload(
    tmp_path: Path,
) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    ingest_uploads([_Upload("toll.txt", TOLL)], settings, lambda: Store(settings), source="Post")
    (toll,) = [p for p in uploads_dir(settings).rglob("*") if p.is_file()]
    toll.chmod(0o644)  # as versions before owner-only originals wrote it
    crashed = uploads_dir(settings) / "20310101T000000000000"
    crashed.mkdir()
    (crashed / "half-done.txt").write_bytes(FERRY)  # saved, never committed: the app died here
    ingest_uploads([_Upload("ferry.txt", FERRY)], settings, lambda: Store(settings), source="Wire")
    assert _originals(settings) == ["ferry.txt", "toll.txt"] and not crashed.exists()
    assert stat.S_IMODE(toll.stat().st_mode) == 0o600


def test_an_original_an_older_article_names_from_another_working_directory_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(store_dir=tmp_path / "store")
    kept = uploads_dir(settings) / "2031" / "toll.txt"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(TOLL)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the app once ran in tmp_path and stored a relative path
    assert prune(settings, ["store/uploads/2031/toll.txt"]) == []
    assert kept.exists()
    assert prune(settings, []) == [kept]  # no article names it: it goes
