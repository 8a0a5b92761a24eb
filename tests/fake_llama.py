"""A stand-in for llama_cpp.Llama, for the local backend's wrapper around it (the real model is
tests/e2e/test_local_model.py): tokens streamed as llama.cpp streams them, with the pauses a loaded or a
stuck machine makes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.llm import choice, llama
from tests.gguf import fake_gguf

BATCH = 512  # prompt tokens llama.cpp reads per step, as its default n_batch


class FakeLlama:
    """llama_cpp.Llama's streaming create_chat_completion: `pieces` a token each, `delay` slept before
    each; first `prefill` batches of the prompt are read, `delay` each (`n_tokens` grows, nothing is
    written yet). A call whose last message holds `stall_on` writes its first piece, then nothing until
    `release` is set (or `stall` seconds pass)."""

    def __init__(
        self,
        pieces: list[str],
        delay: float = 0.0,
        error: Exception | None = None,
        prefill: int = 0,
        stall_on: str | None = None,
        stall: float = 60.0,
    ) -> None:
        self.pieces, self.delay, self.error, self.prefill = pieces, delay, error, prefill
        self.stall_on, self.stall = stall_on, stall
        self.release = threading.Event()
        self.calls: list[dict] = []
        self.n_tokens = 0  # prompt + written, as llama.cpp's context holds them after a call

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[bytes]:
        return text.split()  # a word a token

    def create_chat_completion(self, **kw: object) -> Iterator[dict]:
        self.calls.append(kw)
        if self.error:
            raise self.error
        stalls = self.stall_on is not None and self.stall_on in kw["messages"][-1]["content"]  # type: ignore[index]
        return self._gen(stalls)

    def _gen(self, stalls: bool) -> Iterator[dict]:
        self.n_tokens = 0
        for _ in range(self.prefill):
            time.sleep(self.delay)
            self.n_tokens += BATCH
        self.n_tokens += 7 + len("".join(self.pieces).split())  # a 7-token prompt and what is written
        yield {"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]}
        for i, p in enumerate(self.pieces):
            if stalls and i == 1:
                self.release.wait(self.stall)
            time.sleep(self.delay)
            yield {"choices": [{"delta": {"content": p}, "finish_reason": None}]}
        yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}


def installed(fake: FakeLlama, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A model file for `local_model_path` that the local backend loads as `fake`."""
    gguf = fake_gguf(folder / "fake-model.gguf")
    monkeypatch.setattr(choice, "llama_cpp_import_error", lambda: None)
    monkeypatch.setitem(llama._LLAMAS, str(gguf.resolve()), (fake, threading.Lock()))
    return gguf
