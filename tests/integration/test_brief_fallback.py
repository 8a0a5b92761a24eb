"""A brief never loses a section: a section whose local-model call stalls is cut at the stall bound (not
the generous total) and given as its sources word its claims, labelled, with the audit record and the exit
code saying so; a call that is slow but keeps writing is not cut. The in-process backend runs on a
stand-in for llama.cpp (tests/fake_llama.py); everything else is real, over the seeds."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.answer import Answerer
from briefing.brief import ProgressEvent, build_brief
from briefing.cli import main
from briefing.config import Settings
from briefing.markers import strip_markers
from briefing.store import Store
from tests.fake_llama import FakeLlama, installed

TOPIC = "US blacklisting of Hikvision"
STALLED = "Options and what to watch"  # drafted last: a stuck model fails every call after it too
LINE = ["- ", "Hikvision ", "makes ", "surveillance ", "cameras ", "[1]."]


def _flat(text: str) -> str:
    return " ".join(strip_markers(text).split())


def test_a_stalled_section_is_given_in_its_sources_words_labelled_and_exits_1(
    seeded: tuple[Settings, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    shutil.copytree(seeded[0].store_dir, store)  # the brief is kept in the store: the shared one stays as is
    fake = FakeLlama(LINE, stall_on=f"Section: {STALLED}.")
    monkeypatch.setenv("BRIEFING_LOCAL_MODEL_PATH", str(installed(fake, tmp_path, monkeypatch)))
    monkeypatch.setenv("BRIEFING_LLM_STALL_TIMEOUT", "0.5")
    monkeypatch.setenv("BRIEFING_LLM_TOTAL_TIMEOUT", "3600")  # were it the bound, the test would hang
    try:
        result = CliRunner().invoke(main, ["brief", TOPIC, "--llm", "local", "--store", str(store)])
    finally:
        fake.release.set()
    why = "local backend (fake-model.gguf): no progress for 0.5s (1 tokens generated)"
    assert result.exit_code == 1, result.output
    assert "drafting failed, the sources' own sentences given instead: watch" in result.stderr
    assert f"Drafting failed ({why}); these are the sources' own sentences." in result.stdout
    (audit_path,) = (store / "briefs").glob("*.audit.json")
    audit = json.loads(audit_path.read_text())
    assert audit["checker"]["failed_sections"] == ["watch"]
    by_title = {s["title"]: s for s in audit["sections"]}
    stalled = by_title.pop(STALLED)
    assert stalled["fallback"] is True and stalled["error"] == why and stalled["claims"]
    assert all(not s["fallback"] and s["usage"]["completion_tokens"] for s in by_title.values())
    passages = {s["chunk_id"]: _flat(s["text"]) for s in audit["sources"]}
    assert stalled["sentences"] and all(
        x["supported"] and len(x["chunk_ids"]) == 1 and _flat(x["text"]) in passages[x["chunk_ids"][0]]
        for x in stalled["sentences"]
    )
    assert {c for x in stalled["sentences"] for c in x["chunk_ids"]} <= {
        c["chunk_id"] for c in stalled["claims"]
    }


def test_a_slow_call_that_keeps_writing_or_waits_its_turn_is_not_cut(
    seeded: tuple[Settings, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call writes for longer than the stall bound in all, a token well within it each time; the
    first waits longer than that bound for a turn another request holds, reported as waiting."""
    settings, store = seeded
    fake = FakeLlama(LINE, delay=0.1)
    local = settings.with_overrides(
        llm="local",
        local_model_path=installed(fake, tmp_path, monkeypatch),
        llm_stall_timeout=0.35,
        llm_total_timeout=3600,
    )
    answerer = Answerer(local, store)
    holding = threading.Event()

    def another_request() -> None:
        with answerer.model.queue.turn(10):
            holding.set()
            time.sleep(1.5)  # holds the model past the stall bound while the brief's first call waits

    other = threading.Thread(target=another_request)
    other.start()
    holding.wait(10)
    events: list[ProgressEvent] = []
    brief = build_brief(TOPIC, local, answerer=answerer, progress=events.append)
    other.join()
    assert [(e.status, e.index, e.ahead) for e in events if e.status == "waiting"][:1] == [("waiting", 1, 1)]
    assert brief.backend == "local" and len(fake.calls) >= len(brief.sections)  # and any checked rewrites
    assert all(not s.fallback and s.usage["completion_tokens"] == len(LINE) for s in brief.sections)
    assert not re.search("Drafting failed", json.dumps(brief.to_dict()))
