"""Choosing the language model without running one: which backend the settings pick, what the OpenAI
client is configured with, and the local llama.cpp wrapper's streaming, errors and timeout around a
stand-in for llama_cpp.Llama (the real model is tests/e2e/test_local_model.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing import llm
from briefing.config import Settings
from briefing.llm import BackendUnavailable, LLMError, LLMInfo, choice, llama
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


class FakeLlama:
    """Stands in for llama_cpp.Llama's streaming create_chat_completion (the real one is the slow test)."""

    def __init__(self, pieces: list[str], delay: float = 0.0, error: Exception | None = None) -> None:
        self.pieces, self.delay, self.error = pieces, delay, error
        self.calls: list[dict] = []
        self.n_tokens = 0  # prompt + written, as llama.cpp's context holds them after a call

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[bytes]:
        return text.split()  # a word a token

    def create_chat_completion(self, **kw: object) -> Iterator[dict]:
        self.calls.append(kw)
        if self.error:
            raise self.error
        return self._gen()

    def _gen(self) -> Iterator[dict]:
        self.n_tokens = 7 + len("".join(self.pieces).split())  # a 7-token prompt
        yield {"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]}
        for p in self.pieces:
            time.sleep(self.delay)
            yield {"choices": [{"delta": {"content": p}, "finish_reason": None}]}
        yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}


def local_with(fake: FakeLlama, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, timeout: float = 30):
    gguf = fake_gguf(tmp_path / "fake-model.gguf")
    monkeypatch.setattr(choice, "llama_cpp_import_error", lambda: None)
    monkeypatch.setitem(llama._LLAMAS, str(gguf.resolve()), (fake, threading.Lock()))
    return llm.get_chat_model(Settings(llm="local", local_model_path=gguf, llm_timeout=timeout))


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


def test_local_generation_is_bounded_by_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _ = local_with(FakeLlama(["tok "] * 1000, delay=0.01), tmp_path, monkeypatch, timeout=0.2)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="timed out after 0.2s") as ei:
        model.invoke(MESSAGES)
    assert ei.value.kind == "timeout" and time.monotonic() - t0 < 2
