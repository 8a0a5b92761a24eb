"""Choosing the language model without running one: which backend the settings pick, what the OpenAI
client is configured with, and the local llama.cpp wrapper's streaming, errors and timeout around a
stand-in for llama_cpp.Llama (the real model is tests/e2e/test_local_model.py)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from briefing import llm
from briefing.config import Settings
from briefing.llm import BackendUnavailable, LLMError, LLMInfo, choice
from briefing.llm.queue import Waiting, reporting_waits
from tests.fake_llama import FakeLlama, installed
from tests.fake_llm import MESSAGES, SECRET
from tests.gguf import fake_gguf


def test_resolve_explicit_setting_wins(tmp_path: Path) -> None:
    s = Settings(llm="extractive", openai_api_key=SECRET)
    assert llm.resolve_backend(s) == "extractive"
    assert llm.resolve_backend(Settings(llm="local")) == "local"


def test_resolve_openai_when_key_or_base_url() -> None:
    assert llm.resolve_backend(Settings(openai_api_key=SECRET)) == "openai"
    assert llm.resolve_backend(Settings(openai_base_url="http://127.0.0.1:11434/v1")) == "openai"


def test_resolve_openai_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    assert llm.resolve_backend(Settings()) == "openai"


def test_resolve_local_needs_model_file_and_llama_cpp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = fake_gguf(tmp_path / "m.gguf")
    monkeypatch.setattr(choice, "llama_cpp_import_error", lambda: None)
    assert llm.resolve_backend(Settings(local_model_path=gguf)) == "local"
    assert llm.resolve_backend(Settings(local_model_path=tmp_path / "missing.gguf")) == "extractive"
    monkeypatch.setattr(choice, "llama_cpp_import_error", lambda: "ImportError: no llama_cpp")
    assert llm.resolve_backend(Settings(local_model_path=gguf)) == "extractive"


def test_extractive_has_no_model() -> None:
    assert llm.get_chat_model(Settings(llm="extractive")) == (None, LLMInfo("extractive", "none"))


def test_local_unavailable_when_model_missing_or_not_gguf(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="does not exist.*model_install"):
        llm.get_chat_model(Settings(llm="local", local_model_path=tmp_path / "missing.gguf"))
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"<html>not a model</html>")
    with pytest.raises(BackendUnavailable, match="not a GGUF"):
        llm.get_chat_model(Settings(llm="local", local_model_path=junk))


def test_local_unavailable_without_llama_cpp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(choice, "llama_cpp_import_error", lambda: "ImportError: No module named 'llama_cpp'")
    with pytest.raises(BackendUnavailable, match="llama_cpp cannot be imported"):
        llm.get_chat_model(Settings(llm="local", local_model_path=fake_gguf(tmp_path / "m.gguf")))


def test_openai_without_key_or_url_is_unavailable() -> None:
    with pytest.raises(BackendUnavailable, match="OPENAI_API_KEY"):
        llm.get_chat_model(Settings(llm="openai"))


# --------------------------------------------------------------------------- openai-compatible config


def test_openai_model_settings_and_secret_never_shown() -> None:
    s = Settings(openai_api_key=SECRET, openai_base_url="http://127.0.0.1:8080/v1", openai_model="qwen",
                 llm_timeout=7, llm_max_retries=1, llm_max_tokens=300)  # fmt: skip
    model, info = llm.get_chat_model(s)
    assert info == LLMInfo("openai", "qwen")
    assert model.temperature == 0 and model.max_retries == 1 and model.request_timeout == 7
    assert model.max_tokens == 300
    assert model.extra_body == {"max_tokens": 300}  # servers that ignore the other name
    for shown in (
        repr(s),
        str(s),
        s.model_dump_json(),
        repr(model),
        str(model),
        json.dumps(model.asdict(), default=str),
    ):
        assert SECRET not in shown


def test_openai_itself_gets_no_duplicate_max_tokens() -> None:
    model, _ = llm.get_chat_model(Settings(openai_api_key=SECRET))
    assert model.extra_body is None and model.max_tokens == Settings().llm_max_tokens


def local_with(fake: FakeLlama, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **bounds: float):
    gguf = installed(fake, tmp_path, monkeypatch)
    return llm.get_chat_model(Settings(llm="local", local_model_path=gguf, **bounds))


def test_local_wrapper_streams_and_invokes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLlama(["Gre", "en ", "[1]."])
    model, info = local_with(fake, tmp_path, monkeypatch)
    assert info == LLMInfo("local", "fake-model")
    assert [c.content for c in model.stream(MESSAGES) if c.content] == ["Gre", "en ", "[1]."]
    out = model.invoke(MESSAGES)
    assert out.content == "Green [1]." and out.response_metadata["finish_reason"] == "stop"
    assert out.usage_metadata["input_tokens"] == 7 and out.usage_metadata["output_tokens"] == 2
    call = fake.calls[-1]
    assert (
        call["temperature"] == 0
        and call["max_tokens"] == Settings().llm_max_tokens
        and call["stream"] is True
    )
    assert [m["role"] for m in call["messages"]] == ["system", "user"]


def test_local_empty_completion_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _ = local_with(FakeLlama(["", "  "]), tmp_path, monkeypatch)
    with pytest.raises(LLMError, match=r"local backend \(fake-model.gguf\): empty completion") as ei:
        model.invoke(MESSAGES)
    assert ei.value.kind == "empty"


def test_local_prompt_too_long_is_an_llm_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    err = ValueError("Requested tokens (5000) exceed context window of 4096")
    model, _ = local_with(FakeLlama([], error=err), tmp_path, monkeypatch)
    with pytest.raises(LLMError, match="exceed context window"):
        model.invoke(MESSAGES)


def test_local_generation_is_bounded_by_the_total_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeLlama(["tok "] * 1000, delay=0.01)
    model, _ = local_with(fake, tmp_path, monkeypatch, llm_total_timeout=0.2)
    with pytest.raises(LLMError, match=r"timed out after 0.2s \(\d+ tokens generated\)") as ei:
        model.invoke(MESSAGES)
    assert ei.value.kind == "timeout"


def test_local_stall_is_cut_at_the_stall_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLlama(["Green ", "[1]."], stall_on="sky colour")
    model, _ = local_with(fake, tmp_path, monkeypatch, llm_stall_timeout=0.3, llm_total_timeout=3600)
    try:
        with pytest.raises(LLMError, match=r"no progress for 0.3s \(1 tokens generated\)") as ei:
            model.invoke(MESSAGES)
    finally:
        fake.release.set()
    assert ei.value.kind == "timeout"


def test_a_stuck_model_fails_the_calls_after_the_stalled_one_as_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """llama.cpp cannot be interrupted mid-step: an abandoned generation holds the model until its next
    token, and a call waiting for it gives up when the model makes no progress for the stall bound (not
    after `llm_queue_wait`)."""
    fake = FakeLlama(["Green ", "[1]."], stall_on="sky colour")
    model, _ = local_with(fake, tmp_path, monkeypatch, llm_stall_timeout=0.3, llm_total_timeout=3600)
    try:
        with pytest.raises(LLMError, match="no progress for 0.3s"):
            model.invoke(MESSAGES)
        with pytest.raises(LLMError, match=r"held by an abandoned call, no progress for 0.3s") as ei:
            model.invoke(MESSAGES)
    finally:
        fake.release.set()
    assert ei.value.kind == "timeout"


def test_local_prompt_read_in_batches_is_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long prompt is read for a while before the first token: each batch read resets the stall clock."""
    fake = FakeLlama(["Green ", "[1]."], delay=0.15, prefill=8)
    model, _ = local_with(fake, tmp_path, monkeypatch, llm_stall_timeout=0.5, llm_total_timeout=3600)
    assert model.invoke(MESSAGES).content == "Green [1]."


def test_waiting_for_a_turn_is_reported_not_a_stall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A call queued behind a slow one waits longer than the stall bound, and is answered."""
    fake = FakeLlama(["tok "] * 12, delay=0.1)
    model, _ = local_with(fake, tmp_path, monkeypatch, llm_stall_timeout=0.4, llm_total_timeout=3600)
    first_writing = threading.Event()
    answers: list[str] = []

    def first() -> None:
        for chunk in model.stream(MESSAGES):
            first_writing.set()
            answers.append(str(chunk.content))

    ahead = threading.Thread(target=first)
    ahead.start()
    first_writing.wait(10)
    waits: list[Waiting] = []
    with reporting_waits(waits.append):
        second = model.invoke(MESSAGES)
    ahead.join()
    assert second.content == "tok " * 12 and "".join(answers) == "tok " * 12
    assert waits and waits[0].ahead == 1
