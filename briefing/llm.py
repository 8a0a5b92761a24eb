"""The language-model backends behind grounded answers.

Three backends, chosen by `resolve_backend`:
- `openai`: any OpenAI-compatible server (OpenAI itself, Ollama, vLLM, llama.cpp's server) via ChatOpenAI;
- `local`: llama.cpp in this process on the GGUF that `python -m briefing.model_install` assembles;
- `extractive`: no model at all; the answer chain quotes retrieved passages instead.

Every model call that fails surfaces as one `LLMError` whose message names the backend, the failure kind and
the HTTP status if there was one, after a bounded number of attempts. An empty completion is an error too:
an analyst must never get a silent blank answer.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.exceptions import ModelError
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
from langchain_openai import ChatOpenAI
from pydantic import ConfigDict, SecretStr

from briefing import model_install
from briefing.config import Settings

LOCAL_N_CTX = 4096  # prompt + answer; retrieval must keep its context below ~3,500 tokens
PLACEHOLDER_KEY = "not-needed"  # OpenAI-compatible local servers accept any key, the client insists on one


@dataclass(frozen=True)
class LLMInfo:
    """Which backend and model produced an answer; recorded on every answer."""

    backend: str
    model: str


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here (no model file, no llama_cpp, no key). Callers fall back to
    extractive answers and say so."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LLMError(RuntimeError):
    """A model call failed after its bounded retries, or returned nothing usable.

    `kind` is one of: timeout, rate_limit, server, connection, auth, not_found, request, malformed, empty.
    """

    def __init__(self, message: str, *, backend: str, kind: str, status: int | None = None) -> None:
        super().__init__(message)
        self.backend = backend
        self.kind = kind
        self.status = status


# --------------------------------------------------------------------------- choosing a backend


def local_model_path(settings: Settings) -> Path:
    """The GGUF the local backend loads: the configured one, else the one model_install puts in models/."""
    return (
        Path(settings.local_model_path) if settings.local_model_path else model_install.default_model_path()
    )


@lru_cache(maxsize=1)
def _llama_cpp_import_error() -> str | None:
    """None when llama_cpp imports (its shared library loads), else why not. Cached: importing is slow-ish."""
    try:
        import llama_cpp  # noqa: F401
    except Exception as e:  # ImportError, or OSError from a broken native build
        return f"{type(e).__name__}: {e}"
    return None


def _local_unavailable_reason(settings: Settings) -> str | None:
    path = local_model_path(settings)
    if not path.is_file():
        return (
            f"local model file {path} does not exist; run `python -m briefing.model_install` "
            "or set BRIEFING_LOCAL_MODEL_PATH"
        )
    with open(path, "rb") as f:
        if f.read(4) != model_install.GGUF_MAGIC:
            return f"local model file {path} is not a GGUF file"
    spec = model_install.spec_for_path(path)
    if not settings.local_model_path and spec and not model_install.is_installed(spec, path):
        return f"{path} is not verified; run `python -m briefing.model_install --verify`"
    if err := _llama_cpp_import_error():
        return f"llama_cpp cannot be imported ({err}); install llama-cpp-python"
    return None


def resolve_backend(settings: Settings) -> str:
    """The backend to use: settings.llm when set; else openai when a key or base URL is configured; else
    local when the GGUF exists and llama_cpp imports; else extractive."""
    if settings.llm:
        return settings.llm
    if settings.openai_api_key is not None or settings.openai_base_url:
        return "openai"
    if _local_unavailable_reason(settings) is None:
        return "local"
    return "extractive"


def get_chat_model(settings: Settings) -> tuple[BaseChatModel | None, LLMInfo]:
    """A LangChain chat model for the resolved backend (None for extractive) and what to record about it.

    Raises BackendUnavailable when that backend cannot run here."""
    backend = resolve_backend(settings)
    if backend == "extractive":
        return None, LLMInfo("extractive", "none")
    if backend == "openai":
        return _openai_model(settings), LLMInfo("openai", settings.openai_model)
    if backend == "local":
        if reason := _local_unavailable_reason(settings):
            raise BackendUnavailable(reason)
        path = local_model_path(settings)
        model = ChatLlamaCpp(
            model_path=str(path),
            max_tokens=settings.llm_max_tokens,
            timeout=settings.llm_timeout,
        )
        model.load()
        return model, LLMInfo("local", path.stem)
    raise BackendUnavailable(f"unknown LLM backend {backend!r}; choose openai, local or extractive")


def get_chat_model_or_extractive(settings: Settings) -> tuple[BaseChatModel | None, LLMInfo, str | None]:
    """Like get_chat_model, but a backend that cannot run degrades to extractive answers; the third item
    says why, for the caller to show the analyst (None when nothing was degraded)."""
    try:
        model, info = get_chat_model(settings)
        return model, info, None
    except BackendUnavailable as e:
        return None, LLMInfo("extractive", "none"), f"{e.reason}; answering extractively instead"


# --------------------------------------------------------------------------- openai-compatible


def _is_openai_host(base_url: str | None) -> bool:
    return base_url is None or (urlsplit(base_url).hostname or "").endswith("openai.com")


def _openai_model(settings: Settings) -> ChatOpenAI:
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
        msg = _short(exc.message)
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
        return LLMError(f"{where}: malformed response: {_short(str(exc))}", backend=backend, kind="malformed")
    if isinstance(exc, openai.APIError | ModelError):
        return LLMError(f"{where}: {_short(str(exc))}", backend=backend, kind="request")
    raise exc


_SECRET = re.compile(r"(?i)\b(?:bearer\s+\S+|sk-[a-z0-9_-]{6,}|(?:api[_-]?key|authorization)[\"']?\s*[:=]\s*[\"']?[^\s\"',}]+)")


def redact(text: str) -> str:
    """`text` with anything that looks like a key or an Authorization header replaced: a server may echo
    the request's header in its error, and errors are shown and saved."""
    return _SECRET.sub("[redacted]", text)


def _short(text: str, limit: int = 300) -> str:
    text = redact(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _has_content(chunk: ChatGenerationChunk) -> bool:
    """A streamed piece that carries text or a tool call: a stream of none of these is an empty answer."""
    return bool(chunk.text.strip()) or bool(getattr(chunk.message, "tool_call_chunks", None))


_MAPPED = (openai.OpenAIError, ModelError, ValueError, KeyError, TypeError)


class GuardedChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose failures arrive as LLMError and whose empty completions are errors, however the
    chain calls it (invoke, stream, batch, async). Retries are the openai client's own: bounded by
    max_retries, backing off and honouring Retry-After."""

    @property
    def _where(self) -> str:
        return _where("openai", self.model_name, self.openai_api_base)

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
        with self._mapped():
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
        deadline = time.monotonic() + self.request_timeout if isinstance(self.request_timeout, int | float) else None
        with self._mapped():
            for chunk in super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs):
                got_text = got_text or _has_content(chunk)
                yield chunk
                if deadline and time.monotonic() > deadline:  # the client's timeout is per read, not per call
                    raise LLMError(f"{self._where}: timed out after {self.request_timeout:g}s (streaming)",
                                   backend="openai", kind="timeout")
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
                got_text = got_text or _has_content(chunk)
                yield chunk
        if not got_text:
            raise self._empty_stream()


# --------------------------------------------------------------------------- llama.cpp in process


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

    Streams token by token; `timeout` bounds the generation (checked between tokens, so a prefill already
    under way finishes first). `_generate` is built on `_stream` so the same bound and checks apply."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = LOCAL_N_CTX
    max_tokens: int = Settings.model_fields["llm_max_tokens"].default
    temperature: float = 0.0
    timeout: float | None = None

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
        t0 = time.monotonic()
        deadline = t0 + self.timeout if self.timeout else None
        got_text, finish, written = False, None, []
        with lock:
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
            # The context now holds the prompt and what was written; llama.cpp reports no usage when streaming.
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
                usage_metadata={"input_tokens": prompt, "output_tokens": completion,
                                "total_tokens": prompt + completion},
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
        msg = AIMessage(content=final.message.content, response_metadata=final.message.response_metadata,
                        usage_metadata=final.message.usage_metadata)
        return ChatResult(generations=[ChatGeneration(message=msg)])
