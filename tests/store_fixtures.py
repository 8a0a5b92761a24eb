"""Fixtures for tests that need a store: embedded, or a real `chroma run` server on 127.0.0.1.

Loaded from conftest.py through `pytest_plugins`. The server starts once per session; each test gets its
own collection name (server) or folder (embedded), so tests do not see each other's articles.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefing.answer import Answerer
from briefing.config import Settings
from briefing.ingest import ingest
from briefing.store import Store
from tests.fake_llm import fake_llm
from tests.paths import SHARED

SEEDS = SHARED / "corpus" / "seeds"
_names = itertools.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(cmd: list[str], port: int, health: str, log_path: Path, **popen: Any) -> Iterator[str]:
    """Run a local server until the block ends; yields its URL once `health` answers (within 60 s)."""
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}{health}", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{cmd[0]} did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real Chroma server started from the installed chromadb package, stopped at the end."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        pytest.fail("the `chroma` command from the chromadb package is not installed")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    with serving(
        [chroma, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        port,
        "/api/v2/heartbeat",
        data / "server.log",
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    ) as url:
        yield url


@pytest.fixture(params=["embedded", "server"])
def make_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a fresh, empty store of the parametrised kind; extra fields override."""
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None

    def make(**overrides: object) -> Settings:
        fields = {
            "store_dir": tmp_path / "store",
            "chroma_url": url,
            "collection": f"t{next(_names)}-{os.getpid()}",
        }
        return Settings(**{**fields, **overrides})

    return make


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Store]:
    """One embedded store holding the five seeds with their manifest, shared by read-only tests."""
    settings = Settings(store_dir=tmp_path_factory.mktemp("seeded") / "store")
    report = ingest([SEEDS], settings, manifest=SEEDS / "manifest.csv", progress=False)
    assert report.ok and len(report.added) == 5, report.failures
    return settings, Store(settings)


@pytest.fixture(scope="module")
def answerer(seeded: tuple[Settings, Store]) -> Answerer:
    """The extractive Answerer over the seeds (a module may define its own `answerer` instead)."""
    settings, store = seeded
    return Answerer(settings.with_overrides(llm="extractive"), store)


@pytest.fixture
def scripted(seeded: tuple[Settings, Store]) -> Iterator[Callable[[str], Answerer]]:
    """An Answerer over the seeds on the openai backend whose server replies with the given text to every
    prompt (tests/fake_llm.py)."""
    settings, store = seeded
    reply: list[str] = []
    with fake_llm(lambda prompt: reply[0]) as url:

        def make(text: str) -> Answerer:
            reply[:] = [text]
            return Answerer(
                settings.with_overrides(
                    llm="openai",
                    openai_base_url=url,
                    openai_api_key="sk-test",
                    openai_model="scripted",
                    llm_max_retries=0,
                ),
                store,
            )

        yield make
