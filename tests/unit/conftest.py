"""The unit tier: no language model, no embedding model, no server, no network. Where a store is needed it
is embedded Chroma in a temporary folder, embedding with the deterministic hash embedder."""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from briefing import embeddings
from briefing.config import Settings
from tests import hash_embedder

hash_embedder.install()
_names = itertools.count()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a fresh, empty embedded store using the hash embedder; extra fields override."""

    def make(**overrides: object) -> Settings:
        fields = {
            "store_dir": tmp_path / "store",
            "collection": f"u{next(_names)}-{os.getpid()}",
            "embedding": hash_embedder.NAME,
        }
        return Settings(**{**fields, **overrides})

    return make


@pytest.fixture(autouse=True)
def _nothing_heavy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the tier's promise: a unit test that reaches for the network, a server or the packaged embedding
    model fails here instead of quietly becoming slow. (No unit test has a real GGUF to load.)"""

    def refuse(what: str) -> Callable[..., None]:
        def refused(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"a unit test must not use {what}")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("the network"))
    monkeypatch.setattr(embeddings.OnnxEmbedder, "__init__", refuse("the packaged embedding model"))
