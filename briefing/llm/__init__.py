"""The language-model backends behind grounded answers.

Three backends, chosen by `resolve_backend`:
- `openai`: any OpenAI-compatible server (OpenAI itself, Ollama, vLLM, llama.cpp's server) via ChatOpenAI;
- `local`: llama.cpp in this process on the GGUF that `python -m briefing.model_install` assembles;
- `extractive`: no model at all; the answer chain quotes retrieved passages instead.

Every model call that fails surfaces as one `LLMError` whose message names the backend, the failure kind and
the HTTP status if there was one, after a bounded number of attempts. An empty completion is an error too:
an analyst must never get a silent blank answer.
"""

from briefing.llm.choice import (
    get_chat_model,
    get_chat_model_or_extractive,
    llama_cpp_import_error,
    local_model_path,
    resolve_backend,
)
from briefing.llm.errors import BackendUnavailable, LLMError, LLMInfo, redact
from briefing.llm.llama import ChatLlamaCpp, load_llama
from briefing.llm.openai_chat import PLACEHOLDER_KEY, GuardedChatOpenAI

__all__ = [
    "PLACEHOLDER_KEY",
    "BackendUnavailable",
    "ChatLlamaCpp",
    "GuardedChatOpenAI",
    "LLMError",
    "LLMInfo",
    "get_chat_model",
    "get_chat_model_or_extractive",
    "llama_cpp_import_error",
    "load_llama",
    "local_model_path",
    "redact",
    "resolve_backend",
]
