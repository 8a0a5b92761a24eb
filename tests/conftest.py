"""Shared fixtures. Sample data lives outside the repo in ../shared (see its README); tests read it there
and never copy it into the project."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import SHARED

pytest_plugins = ["tests.store_fixtures", "tests.feed_server"]


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Settings read `BRIEFING_*` and `OPENAI_*` variables and ./briefing.toml: none of the developer's or
    the CI machine's reach a test (a test sets what it needs with monkeypatch)."""
    with pytest.MonkeyPatch.context() as mp:
        for var in [v for v in os.environ if v.startswith(("BRIEFING_", "OPENAI_"))]:
            mp.delenv(var)
        config = tmp_path_factory.mktemp("config")
        mp.setenv("BRIEFING_CONFIG", str(config / "absent.toml"))
        mp.setenv(
            "BRIEFING_USERS_FILE", str(config / "absent-users.json")
        )  # a checkout's users.json stays out
        yield


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"shared test data not found: {path} (the project expects ../shared beside its root)")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _need(SHARED)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """Five seed articles (plain text) and their manifest.csv."""
    return _need(SHARED / "corpus" / "seeds")


@pytest.fixture(scope="session")
def realtimeqa_dir() -> Path:
    """RealTime QA evaluation corpus and queries (internal data: never commit)."""
    return _need(SHARED / "eval" / "realtimeqa")


@pytest.fixture(scope="session")
def vcr_config() -> dict:
    """Cassettes never hold credentials; request bodies are matched, so a changed prompt or retrieval shows."""
    return {
        "filter_headers": ["authorization", "api-key", "openai-organization", "openai-project"],
        "match_on": ["method", "scheme", "host", "port", "path", "body"],
        "decode_compressed_response": True,
    }
