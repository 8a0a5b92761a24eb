"""The openai backend: any OpenAI-compatible server (OpenAI itself, Ollama, vLLM, llama.cpp's server)
through ChatOpenAI, with every failure mapped to one LLMError after the client's bounded retries."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.exceptions import ModelError
from langchain_core.messages import (
    BaseMessage,
)
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from briefing.config import Settings
from briefing.llm.errors import BackendUnavailable, LLMError, redact, short
from briefing.llm.queue import ModelQueue, queue_for

PLACEHOLDER_KEY = "not-needed"  # OpenAI-compatible local servers accept any key, the client insists on one


def _is_openai_host(base_url: str | None) -> bool:
    return base_url is None or (urlsplit(base_url).hostname or "").endswith("openai.com")


def openai_model(settings: Settings) -> ChatOpenAI:
    key = settings.openai_api_key
    if key is None:
        if not settings.openai_base_url:
            raise BackendUnavailable("the openai backend needs OPENAI_API_KEY or OPENAI_BASE_URL")
        key = SecretStr(PLACEHOLDER_KEY)
    n = settings.llm_max_tokens
    # llama.cpp's server (and some others) ignore `max_completion_tokens`, which langchain-openai sends:
    # a 60-token cap once produced 4,000 tokens. Send `max_tokens` too, except to OpenAI itself, where
    # `max_tokens` is deprecated and refused by its reasoning models.
    extra = None if _is_openai_host(settings.openai_base_url) else {"max_tokens": n}
    return GuardedChatOpenAI(
        model=settings.openai_model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        temperature=0,
        max_completion_tokens=n,
        extra_body=extra,
        queue_wait=settings.llm_queue_wait,
        parallel=settings.llm_parallel,
    )


def _where(backend: str, model: str, base_url: str | None) -> str:
    host = urlsplit(base_url).netloc if base_url else "api.openai.com"
    return f"{backend} backend ({model} at {host})"


def map_llm_error(exc: BaseException, *, backend: str, where: str, attempts: int) -> LLMError:
    """One clear LLMError for any openai/LangChain model exception; `attempts` is how many were made for
    the retryable kinds (the client's own bounded retries)."""
    tried = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return LLMError(f"{where}: timed out{tried}", backend=backend, kind="timeout")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = f" ({redact(str(cause))})" if cause else ""
        return LLMError(f"{where}: cannot connect{tried}{detail}", backend=backend, kind="connection")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        msg = short(exc.message)
        if status == 429:
            kind, what, n = "rate_limit", "rate limited", tried
        elif status >= 500:
            kind, what, n = "server", "server error", tried
        elif status in (401, 403):
            kind, what, n = "auth", "rejected the API key", ""
        elif status == 404:
            kind, what, n = "not_found", "model or endpoint not found", ""
        elif status in (408, 409):
            kind, what, n = "timeout", "request timed out on the server", tried
        else:
            kind, what, n = "request", "rejected the request", ""
        return LLMError(
            f"{where}: {what} (HTTP {status}){n}: {msg}", backend=backend, kind=kind, status=status
        )
    if isinstance(exc, openai.APIResponseValidationError | ValueError | KeyError | TypeError):
        return LLMError(f"{where}: malformed response: {short(str(exc))}", backend=backend, kind="malformed")
    if isinstance(exc, openai.APIError | ModelError):
        return LLMError(f"{where}: {short(str(exc))}", backend=backend, kind="request")
    raise exc


def has_content(chunk: ChatGenerationChunk) -> bool:
    """A streamed piece that carries text or a tool call: a stream of none of these is an empty answer."""
    return bool(chunk.text.strip()) or bool(getattr(chunk.message, "tool_call_chunks", None))


_MAPPED = (openai.OpenAIError, ModelError, ValueError, KeyError, TypeError)


class GuardedChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose failures arrive as LLMError and whose empty completions are errors, however the
    chain calls it (invoke, stream, batch, async). Retries are the openai client's own: bounded by
    max_retries, backing off and honouring Retry-After. Synchronous calls take turns at the server
    (`queue.py`: `parallel` at once, at most `queue_wait` seconds of waiting), so the request's timeout
    never counts time spent queued behind others; async calls (unused here) do not queue."""

    queue_wait: float = Settings.model_fields["llm_queue_wait"].default
    parallel: int = Settings.model_fields["llm_parallel"].default

    @property
    def _where(self) -> str:
        return _where("openai", self.model_name, self.openai_api_base)

    @property
    def queue(self) -> ModelQueue:
        return queue_for("openai", self._where, self.parallel)

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        try:
            yield
        except _MAPPED as e:
            raise map_llm_error(
                e, backend="openai", where=self._where, attempts=(self.max_retries or 0) + 1
            ) from e

    def _empty_stream(self) -> LLMError:
        return LLMError(f"{self._where}: empty completion (stream)", backend="openai", kind="empty")

    def _check(self, result: ChatResult) -> ChatResult:
        gen = result.generations[0] if result.generations else None
        msg = gen.message if gen else None
        if msg is None or (not msg.text.strip() and not getattr(msg, "tool_calls", None)):
            reason = (gen.generation_info or {}).get("finish_reason") if gen else None
            raise LLMError(
                f"{self._where}: empty completion (finish_reason={reason})", backend="openai", kind="empty"
            )
        return result

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self.queue.turn(self.queue_wait), self._mapped():
            result = super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        return self._check(result)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._mapped():
            result = await super()._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)
        return self._check(result)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        got_text = False
        with self.queue.turn(self.queue_wait), self._mapped():
            deadline = (  # from the turn's start: the wait for it is not the model's time
                time.monotonic() + self.request_timeout
                if isinstance(self.request_timeout, int | float)
                else None
            )
            for chunk in super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs):
                got_text = got_text or has_content(chunk)
                yield chunk
                if deadline and time.monotonic() > deadline:  # the client's timeout is per read, not per call
                    raise LLMError(
                        f"{self._where}: timed out after {self.request_timeout:g}s (streaming)",
                        backend="openai",
                        kind="timeout",
                    )
        if not got_text:
            raise self._empty_stream()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        got_text = False
        with self._mapped():
            async for chunk in super()._astream(messages, stop=stop, run_manager=run_manager, **kwargs):
                got_text = got_text or has_content(chunk)
                yield chunk
        if not got_text:
            raise self._empty_stream()
