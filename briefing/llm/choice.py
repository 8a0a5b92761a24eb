"""Which backend answers: the configured one, else openai when a key or base URL is set, else the local
model when it is installed, else extractive; and the LangChain chat model for it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from briefing import model_install
from briefing.config import Settings
from briefing.llm.errors import BackendUnavailable, LLMInfo
from briefing.llm.llama import ChatLlamaCpp
from briefing.llm.openai_chat import openai_model


def local_model_path(settings: Settings) -> Path:
    """The GGUF the local backend loads: the configured one, else the one model_install puts in models/."""
    return (
        Path(settings.local_model_path) if settings.local_model_path else model_install.default_model_path()
    )


@lru_cache(maxsize=1)
def llama_cpp_import_error() -> str | None:
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
    if err := llama_cpp_import_error():
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
        return openai_model(settings), LLMInfo("openai", settings.openai_model)
    if backend == "local":
        if reason := _local_unavailable_reason(settings):
            raise BackendUnavailable(reason)
        path = local_model_path(settings)
        model = ChatLlamaCpp(
            model_path=str(path),
            max_tokens=settings.llm_max_tokens,
            timeout=settings.llm_total_timeout,
            stall_timeout=settings.llm_stall_timeout,
            queue_wait=settings.llm_queue_wait,
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
