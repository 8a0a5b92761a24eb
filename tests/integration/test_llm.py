"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1: what is sent (token caps, the
key), and how every failure a server can produce becomes one clear LLMError (bounded retries, timeouts,
garbage, empty completions), never the key."""

from __future__ import annotations

import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler

import pytest

from briefing import llm
from briefing.config import Settings
from briefing.llm import LLMError
from tests.fake_llm import MESSAGES, SECRET, FakeServer, completion, send, send_stream


def model_for(url: str, retries: int = 2, timeout: float = 5.0, key: str | None = SECRET):
    s = Settings(llm="openai", openai_base_url=url, openai_api_key=key, openai_model="test-model",
                 llm_max_retries=retries, llm_timeout=timeout)  # fmt: skip
    return llm.get_chat_model(s)[0]


def test_success_sends_both_token_caps_and_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the openai client logs requests at DEBUG: never the key
    with FakeServer(lambda h, b: send(h, 200, json.dumps(completion("Green [1].")).encode())) as srv:
        out = model_for(srv.url).invoke(MESSAGES)
    assert out.content == "Green [1]."
    headers, body = srv.requests[0]
    assert body["max_tokens"] == body["max_completion_tokens"] == Settings().llm_max_tokens
    assert body["temperature"] == 0
    assert headers.get("authorization") == f"Bearer {SECRET}"
    assert caplog.records, "expected DEBUG logging from the client to check"
    assert SECRET not in caplog.text


def test_placeholder_key_when_only_base_url() -> None:
    with FakeServer(lambda h, b: send(h, 200, json.dumps(completion("ok")).encode())) as srv:
        model_for(srv.url, key=None).invoke(MESSAGES)
    assert srv.requests[0][0].get("authorization") == f"Bearer {llm.PLACEHOLDER_KEY}"


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (429, "rate_limit", "rate limited (HTTP 429) after 3 attempts"),
        (500, "server", "server error (HTTP 500)"),
        (503, "server", "server error (HTTP 503) after 3 attempts"),
    ],
)  # fmt: skip
def test_retryable_status_is_retried_a_bounded_number_of_times(status: int, kind: str, words: str) -> None:
    body = json.dumps({"error": {"message": "slow down", "type": "x"}}).encode()
    # retry-after-ms keeps the client's backoff short; the count of requests is what matters
    with FakeServer(lambda h, b: send(h, status, body, headers={"retry-after-ms": "5"})) as srv:
        with pytest.raises(LLMError) as ei:
            model_for(srv.url, retries=2).invoke(MESSAGES)
    assert len(srv.requests) == 3
    e = ei.value
    assert (e.kind, e.status, e.backend) == (kind, status, "openai")
    assert words in str(e) and "openai backend (test-model at 127.0.0.1:" in str(e)
    assert SECRET not in str(e)


def test_client_error_is_not_retried() -> None:
    body = json.dumps({"error": {"message": "model 'test-model' not found"}}).encode()
    with FakeServer(lambda h, b: send(h, 404, body)) as srv:
        with pytest.raises(LLMError, match=r"not found \(HTTP 404\)") as ei:
            model_for(srv.url).invoke(MESSAGES)
    assert len(srv.requests) == 1 and ei.value.kind == "not_found"


def test_streaming_failure_is_mapped_too() -> None:
    with FakeServer(lambda h, b: send(h, 429, b"{}", headers={"retry-after-ms": "5"})) as srv:
        with pytest.raises(LLMError, match="HTTP 429"):
            list(model_for(srv.url, retries=1).stream(MESSAGES))
    assert len(srv.requests) == 2


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b"<html>proxy error</html>", "text/html"),
        (b"{not json", "application/json"),
        (b'{"foo": 1}', "application/json"),
    ],
)
def test_garbage_body_is_a_malformed_response(body: bytes, ctype: str) -> None:
    with FakeServer(lambda h, b: send(h, 200, body, ctype=ctype)) as srv:
        with pytest.raises(
            LLMError, match=r"openai backend \(test-model at 127.0.0.1:\d+\): malformed"
        ) as ei:
            model_for(srv.url).invoke(MESSAGES)
    assert ei.value.kind == "malformed" and len(srv.requests) == 1


def test_empty_completion_is_an_error_not_a_blank_answer() -> None:
    with FakeServer(lambda h, b: send(h, 200, json.dumps(completion("")).encode())) as srv:
        with pytest.raises(LLMError, match="empty completion") as ei:
            model_for(srv.url).invoke(MESSAGES)
    assert ei.value.kind == "empty" and len(srv.requests) == 1


def test_stream_yields_chunks() -> None:
    with FakeServer(lambda h, b: send_stream(h, ["Gre", "en ", "[1]."])) as srv:
        chunks = [c.content for c in model_for(srv.url).stream(MESSAGES)]
    assert "".join(chunks) == "Green [1]." and len([c for c in chunks if c]) == 3


def test_empty_stream_is_an_error() -> None:
    with FakeServer(lambda h, b: send_stream(h, ["", " "])) as srv:
        with pytest.raises(LLMError, match="empty completion"):
            list(model_for(srv.url).stream(MESSAGES))


def test_timeout_is_bounded() -> None:
    def slow(h: BaseHTTPRequestHandler, body: dict) -> None:
        time.sleep(1.5)
        try:
            send(h, 200, json.dumps(completion("late")).encode())
        except OSError:
            pass

    with FakeServer(slow) as srv:
        t0 = time.monotonic()
        with pytest.raises(LLMError, match="timed out after 2 attempts") as ei:
            model_for(srv.url, retries=1, timeout=0.3).invoke(MESSAGES)
        elapsed = time.monotonic() - t0
    assert ei.value.kind == "timeout" and len(srv.requests) == 2 and elapsed < 3


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LLMError, match="cannot connect after 1 attempt") as ei:
        model_for(f"http://127.0.0.1:{port}/v1", retries=0).invoke(MESSAGES)
    assert ei.value.kind == "connection"
