"""What every backend reports: which backend and model answered, and its failures as one LLMError whose
message names the backend, the failure kind and the HTTP status, with anything shaped like a key redacted."""

from __future__ import annotations

import re
from dataclasses import dataclass


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

    `kind` is one of: timeout, rate_limit, server, connection, auth, not_found, request, malformed, empty,
    busy (no turn at the model within `llm_queue_wait`).
    """

    def __init__(self, message: str, *, backend: str, kind: str, status: int | None = None) -> None:
        super().__init__(message)
        self.backend = backend
        self.kind = kind
        self.status = status


_SECRET = re.compile(
    r"(?i)\b(?:bearer\s+\S+|sk-[a-z0-9_-]{6,}|(?:api[_-]?key|authorization)[\"']?\s*[:=]\s*[\"']?[^\s\"',}]+)"
)


def redact(text: str) -> str:
    """`text` with anything that looks like a key or an Authorization header replaced: a server may echo
    the request's header in its error, and errors are shown and saved."""
    return _SECRET.sub("[redacted]", text)


def short(text: str, limit: int = 300) -> str:
    text = redact(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
