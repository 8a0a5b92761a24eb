"""The store's bookkeeping tests of the unit tier (tests/unit/test_store_mechanics.py), run against a real
Chroma server with the packaged embedder: a team's deployment must be as crash-safe as one machine."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from briefing.config import Settings
from tests.unit.test_store_mechanics import *  # noqa: F403 (collected here again, with the fixture below)

_names = itertools.count()


@pytest.fixture
def make_settings(chroma_server: str, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a fresh collection on the session's Chroma server; extra fields override."""

    def make(**overrides: object) -> Settings:
        fields = {"store_dir": tmp_path / "store", "chroma_url": chroma_server,
                  "collection": f"s{next(_names)}-{os.getpid()}"}  # fmt: skip
        return Settings(**{**fields, **overrides})

    return make
