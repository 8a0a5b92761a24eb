"""An answer's JSON and a brief's audit record carry the settings that produced them: a value changed in
the environment shows there, the API key never does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.brief import build_brief
from briefing.cli import main
from briefing.config import Settings
from briefing.ingest import ingest
from tests import hash_embedder

ARTICLES = {
    "toll.txt": "Kessel bridge toll rises\n\nThe Kessel bridge toll will rise to 4 crowns in April, the city "
    "council said on Monday. Council member Ana Vesely said the money would repair the bridge.",
    "ferry.txt": "Ferry tickets unchanged\n\nFerry tickets across the Ostrava lake will stay at 2 crowns this "
    "year, the operator said. It added that a new boat would arrive in June.",
}


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A store of two invented articles, and the environment of a run that changed one tuned value."""
    monkeypatch.setenv("BRIEFING_CHECKER__SUPPORT_THRESHOLD", "0.55")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-recorded-0000")
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text)
    settings = make_settings(llm="extractive")
    assert ingest([folder], settings, progress=False).ok
    return settings


def test_ask_json_carries_the_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_EMBEDDING", hash_embedder.NAME)
    result = CliRunner().invoke(
        main,
        [
            "ask",
            "What will the Kessel bridge toll rise to?",
            "--llm",
            "extractive",
            "--json",
            "--store",
            str(settings.store_dir),
            "--collection",
            settings.collection,
        ],
    )
    assert result.exit_code == 0, result.output
    recorded = json.loads(result.stdout)["settings"]
    assert recorded["checker"]["support_threshold"] == 0.55
    assert recorded["extract"] == settings.extract.model_dump()
    assert recorded["retrieval"] == settings.retrieval.model_dump()
    assert recorded["evidence_windows"] == settings.evidence_windows
    assert "sk-never-recorded" not in result.stdout


def test_brief_audit_record_carries_the_settings(settings: Settings) -> None:
    record = build_brief("Kessel bridge toll", settings, template="one-pager").to_dict()["settings"]
    assert record["checker"]["support_threshold"] == 0.55
    assert (
        record["briefs"] == settings.briefs.model_dump()
        and record["extract"] == settings.extract.model_dump()
    )
    assert record["collection"] == settings.collection and record["brief_passages"] == settings.brief_passages
    assert record["store"]
    assert "sk-never-recorded" not in json.dumps(record)
