"""The local backend: llama.cpp in this process on the GGUF that `python -m briefing.model_install`
assembles, loaded once per process and used by one thread at a time."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from briefing.config import Settings
from briefing.llm.errors import BackendUnavailable, LLMError
from briefing.llm.queue import POLL, ModelQueue, Waiting, queue_for, report_wait

LOCAL_N_CTX = 4096  # prompt + answer; retrieval must keep its context below ~3,500 tokens


_LLAMAS: dict[str, tuple[Any, threading.Lock]] = {}
_LLAMAS_LOCK = threading.Lock()


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_llama(model_path: str, n_ctx: int = LOCAL_N_CTX) -> tuple[Any, threading.Lock]:
    """The process-wide llama_cpp.Llama for a model file, loaded once (~1 GB of weights), with the lock
    that serialises its use: a Llama context is not safe to use from two threads at once."""
    key = str(Path(model_path).resolve())
    with _LLAMAS_LOCK:
        if key not in _LLAMAS:
            try:
                from llama_cpp import Llama

                llama = Llama(model_path=key, n_ctx=n_ctx, n_threads=_cpu_count(), verbose=False)
            except Exception as e:
                raise BackendUnavailable(f"llama.cpp could not load {key}: {type(e).__name__}: {e}") from e
            _LLAMAS[key] = (llama, threading.Lock())
        return _LLAMAS[key]


def _role(m: BaseMessage) -> str:
    if isinstance(m, SystemMessage):
        return "system"
    if isinstance(m, HumanMessage):
        return "user"
    if isinstance(m, AIMessage):
        return "assistant"
    if isinstance(m, ChatMessage):
        return m.role
    if isinstance(m, ToolMessage):
        return "tool"
    raise LLMError(
        f"local backend: unsupported message type {type(m).__name__}", backend="local", kind="request"
    )


class _Generation:
    """One llama.cpp generation in its own thread, holding the model's lock, so that the caller can watch
    it progress while llama.cpp computes without returning (a long prompt is read in batches before the
    first token). `events` carries ("text", piece), then ("done", (finish_reason, prompt_tokens,
    completion_tokens)), or ("error", exception). Set `cancelled` to stop it at its next token: llama.cpp
    cannot be interrupted mid-step, so an abandoned generation frees the model when that step ends."""

    def __init__(self, llama: Any, lock: threading.Lock, request: dict[str, Any]) -> None:
        self.events: SimpleQueue[tuple[str, Any]] = SimpleQueue()
        self.started = threading.Event()
        self.cancelled = threading.Event()
        threading.Thread(target=self._run, args=(llama, lock, request), daemon=True).start()

    def _run(self, llama: Any, lock: threading.Lock, request: dict[str, Any]) -> None:
        with lock:
            self.started.set()
            if self.cancelled.is_set():  # its caller stopped waiting for the model
                return
            try:
                self._generate(llama, request)
            except Exception as e:
                self.events.put(("error", e))

    def _generate(self, llama: Any, request: dict[str, Any]) -> None:
        finish, written = None, []
        stream = llama.create_chat_completion(**request, stream=True)
        for part in stream:
            if self.cancelled.is_set():
                stream.close()
                return
            choice = part["choices"][0]
            text = (choice.get("delta") or {}).get("content") or ""
            finish = choice.get("finish_reason") or finish
            if text:
                written.append(text)
                self.events.put(("text", text))
        # The context now holds the prompt and what was written; llama.cpp reports no usage when streaming.
        completion = len(llama.tokenize("".join(written).encode(), add_bos=False, special=True))
        self.events.put(("done", (finish, max(llama.n_tokens - completion, 0), completion)))


class ChatLlamaCpp(BaseChatModel):
    """llama.cpp in this process as a LangChain chat model, using the chat template in the GGUF.

    Streams token by token; one generation at a time per model file, in the order asked (`queue.py`, at
    most `queue_wait` seconds of waiting, reported as waiting). From when its turn starts, a generation is
    abandoned when it makes no progress (no token written, no batch of the prompt read) for
    `stall_timeout` seconds, or runs longer than `timeout` in all: a loaded machine makes a call slow,
    which is no reason to give it up. `_generate` is built on `_stream` so the same bounds and checks
    apply."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = LOCAL_N_CTX
    max_tokens: int = Settings.model_fields["llm_max_tokens"].default
    temperature: float = 0.0
    timeout: float | None = None
    stall_timeout: float | None = None
    queue_wait: float = Settings.model_fields["llm_queue_wait"].default

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-in-process"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "n_ctx": self.n_ctx,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    def load(self) -> ChatLlamaCpp:
        """Load (or reuse) the weights now, so a broken model fails at setup, not mid-answer."""
        load_llama(self.model_path, self.n_ctx)
        return self

    def _where(self) -> str:
        return f"local backend ({Path(self.model_path).name})"

    @property
    def queue(self) -> ModelQueue:
        return queue_for("local", self._where())

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # No run_manager.on_llm_new_token here: langchain-core 1.x reports each yielded chunk itself.
        llama, lock = load_llama(self.model_path, self.n_ctx)
        request = {
            "messages": [{"role": _role(m), "content": m.text} for m in messages],
            "temperature": self.temperature,
            "max_tokens": int(kwargs.get("max_tokens") or self.max_tokens),
            "stop": stop,
        }
        with self.queue.turn(self.queue_wait):
            generation = _Generation(llama, lock, request)
            try:
                yield from self._watch(generation, llama)
            finally:
                generation.cancelled.set()  # a caller that gave up frees the model at its next token

    def _watch(self, generation: _Generation, llama: Any) -> Iterator[ChatGenerationChunk]:
        """The generation's chunks as they come, abandoned (LLMError, kind timeout) when it makes no
        progress for `stall_timeout` seconds or runs past `timeout` in all. Both clocks start when the
        generation holds the model."""
        self._wait_for_model(generation, llama)
        t0 = last = time.monotonic()
        seen, written, got_text = llama.n_tokens, 0, False
        while True:
            now = time.monotonic()
            bound = min(last + (self.stall_timeout or math.inf), t0 + (self.timeout or math.inf))
            try:
                event = generation.events.get(timeout=max(min(POLL, bound - now), 0.001))
            except Empty:
                event = None
            now = time.monotonic()
            if event is not None or llama.n_tokens != seen:  # a token written, or a batch of the prompt read
                seen, last = llama.n_tokens, now
            if event is None and self.stall_timeout and now - last >= self.stall_timeout:
                raise self._timeout(f"no progress for {self.stall_timeout:g}s", written)
            if self.timeout and now - t0 >= self.timeout:
                raise self._timeout(f"timed out after {self.timeout:g}s", written)
            if event is None:
                continue
            kind, value = event
            if kind == "error":
                raise self._failure(value)
            if kind == "text":
                written += 1
                got_text = got_text or bool(value.strip())
                yield ChatGenerationChunk(message=AIMessageChunk(content=value))
                continue
            finish, prompt, completion = value
            if not got_text:
                raise LLMError(
                    f"{self._where()}: empty completion (finish_reason={finish})",
                    backend="local",
                    kind="empty",
                )
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    response_metadata={
                        "finish_reason": finish,
                        "model_name": Path(self.model_path).stem,
                        "seconds": round(now - t0, 3),
                    },
                    usage_metadata={
                        "input_tokens": prompt,
                        "output_tokens": completion,
                        "total_tokens": prompt + completion,
                    },
                ),
            )
            return

    def _wait_for_model(self, generation: _Generation, llama: Any) -> None:
        """Wait, reported as waiting, while an abandoned generation still holds the model (it stops at its
        next step) for at most `queue_wait` seconds; but a model that makes no progress for
        `stall_timeout` seconds meanwhile is stuck, and every call after it fails as fast as the first."""
        last = time.monotonic()
        give_up, seen, stall = last + self.queue_wait, llama.n_tokens, self.stall_timeout or math.inf
        while not generation.started.wait(min(POLL, stall) / 4):
            now = time.monotonic()
            if llama.n_tokens != seen:
                seen, last = llama.n_tokens, now
            elif now - last >= stall:
                raise self._timeout(f"held by an abandoned call, no progress for {stall:g}s", 0)
            if now >= give_up:
                raise LLMError(
                    f"{self._where()}: the model was not freed within {self.queue_wait:g}s",
                    backend="local",
                    kind="busy",
                )
            report_wait(Waiting(1))

    def _timeout(self, what: str, written: int) -> LLMError:
        return LLMError(
            f"{self._where()}: {what} ({written} tokens generated)", backend="local", kind="timeout"
        )

    def _failure(self, exc: Exception) -> Exception:
        if isinstance(exc, ValueError):  # llama-cpp raises ValueError when the prompt exceeds n_ctx
            return LLMError(f"{self._where()}: {exc}", backend="local", kind="request")
        if isinstance(exc, KeyError | IndexError | TypeError):
            return LLMError(f"{self._where()}: malformed output: {exc}", backend="local", kind="malformed")
        return exc

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        final: ChatGenerationChunk | None = None
        for chunk in self._stream(messages, stop=stop, run_manager=run_manager, **kwargs):
            final = chunk if final is None else final + chunk
        assert final is not None  # _stream raises rather than yield nothing
        msg = AIMessage(
            content=final.message.content,
            response_metadata=final.message.response_metadata,
            usage_metadata=final.message.usage_metadata,
        )
        return ChatResult(generations=[ChatGeneration(message=msg)])
