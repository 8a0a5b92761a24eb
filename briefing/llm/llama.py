"""The local backend: llama.cpp in this process on the GGUF that `python -m briefing.model_install`
assembles, loaded once per process and used by one thread at a time."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
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
from briefing.llm.queue import ModelQueue, queue_for

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


class ChatLlamaCpp(BaseChatModel):
    """llama.cpp in this process as a LangChain chat model, using the chat template in the GGUF.

    Streams token by token; one generation at a time per model file, in the order asked (`queue.py`, at
    most `queue_wait` seconds of waiting); `timeout` bounds the generation from when its turn starts
    (checked between tokens, so a prefill already under way finishes first). `_generate` is built on
    `_stream` so the same bound and checks apply."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = LOCAL_N_CTX
    max_tokens: int = Settings.model_fields["llm_max_tokens"].default
    temperature: float = 0.0
    timeout: float | None = None
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
        payload = [{"role": _role(m), "content": m.text} for m in messages]
        max_tokens = int(kwargs.get("max_tokens") or self.max_tokens)
        got_text, finish, written = False, None, []
        with self.queue.turn(self.queue_wait), lock:
            t0 = time.monotonic()  # the timeout counts the generation, not the wait for a turn
            deadline = t0 + self.timeout if self.timeout else None
            try:
                stream = llama.create_chat_completion(
                    messages=payload,
                    temperature=self.temperature,
                    max_tokens=max_tokens,
                    stop=stop,
                    stream=True,
                )
                for part in stream:
                    choice = part["choices"][0]
                    text = (choice.get("delta") or {}).get("content") or ""
                    finish = choice.get("finish_reason") or finish
                    if text:
                        written.append(text)
                        got_text = got_text or bool(text.strip())
                        yield ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if deadline and time.monotonic() > deadline:
                        raise LLMError(
                            f"{self._where()}: timed out after {self.timeout:g}s "
                            f"({len(written)} tokens generated)",
                            backend="local",
                            kind="timeout",
                        )
            except LLMError:
                raise
            except ValueError as e:  # llama-cpp raises ValueError when the prompt exceeds n_ctx
                raise LLMError(f"{self._where()}: {e}", backend="local", kind="request") from e
            except (KeyError, IndexError, TypeError) as e:
                raise LLMError(
                    f"{self._where()}: malformed output: {e}", backend="local", kind="malformed"
                ) from e
            # The context now holds the prompt and what was written; llama.cpp reports no usage when
            # streaming.
            completion = len(llama.tokenize("".join(written).encode(), add_bos=False, special=True))
            prompt = max(llama.n_tokens - completion, 0)
        if not got_text:
            raise LLMError(
                f"{self._where()}: empty completion (finish_reason={finish})", backend="local", kind="empty"
            )
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                response_metadata={
                    "finish_reason": finish,
                    "model_name": Path(self.model_path).stem,
                    "seconds": round(time.monotonic() - t0, 3),
                },
                usage_metadata={
                    "input_tokens": prompt,
                    "output_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            ),
        )

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
