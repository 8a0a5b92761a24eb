"""The one fake OpenAI-compatible server of the tests: a real HTTP endpoint on 127.0.0.1 whose replies a
test scripts, for what a live model or server may do that recorded exchanges cannot show (fail, stall,
send garbage, fabricate, ignore the citation rules).

`FakeServer` answers each request with a handler the test gives (raw HTTP, for the error mapping);
`fake_llm` is the common case on top of it: chat completions, plain or streamed, scripted by prompt.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from langchain_core.messages import HumanMessage, SystemMessage

SECRET = "sk-test-DO-NOT-LEAK-4f9c2a"  # a key that must never show in a message, log or page
MESSAGES = [
    SystemMessage("Answer from the context."),
    HumanMessage("Context: The sky is green.\nQ: sky colour?"),
]

Respond = Callable[[BaseHTTPRequestHandler, dict], None]  # the handler and the request's JSON body
Reply = Callable[[str], str | int]  # the last message's text -> the reply's text, or an HTTP error status


class FakeServer:
    """An endpoint on 127.0.0.1 (port 0: a free one) answering every POST with `respond`, recording each
    request's headers (lower-cased) and JSON body in `requests`."""

    def __init__(self, respond: Respond, port: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                respond(self, body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json",
         headers: dict[str, str] | None = None) -> None:  # fmt: skip
    h.send_response(status)
    h.send_header("content-type", ctype)
    h.send_header("content-length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def send_error(
    h: BaseHTTPRequestHandler, status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    send(h, status, json.dumps({"error": {"message": message, "type": "server_error", "code": status}}).encode(),
         headers=headers)  # fmt: skip


def completion(content: str, model: str = "test-model") -> dict:
    return {
        "id": "c1", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }  # fmt: skip


def send_stream(
    h: BaseHTTPRequestHandler, pieces: list[str], model: str = "test-model", delay: float = 0.0
) -> None:
    """Server-sent events, one piece a chunk, as OpenAI streams; `delay` is slept before each chunk."""
    h.send_response(200)
    h.send_header("content-type", "text/event-stream")
    h.end_headers()
    choices = [{"delta": {"content": p}, "finish_reason": None} for p in pieces]
    try:
        for choice in [*choices, {"delta": {}, "finish_reason": "stop"}]:
            time.sleep(delay)
            event = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": model,
                     "choices": [{"index": 0, **choice}]}  # fmt: skip
            h.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        h.wfile.write(b"data: [DONE]\n\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout under test): nothing to send it


@contextmanager
def fake_llm(
    reply: Reply,
    delay: float = 0.0,
    echo_auth: bool = False,
    seen_auth: list[str] | None = None,
    one_at_a_time: bool = False,
) -> Iterator[str]:
    """Serve chat completions answered by `reply`; yields the base URL (…/v1). Streamed replies come a
    word a chunk, `delay` before each; with `echo_auth` an error reply quotes the request's Authorization
    header, as a careless server might; `seen_auth` collects every request's Authorization header; with
    `one_at_a_time` requests wait for each other, as on a llama.cpp server with one slot."""
    slot = threading.Lock() if one_at_a_time else contextlib.nullcontext()

    def respond(h: BaseHTTPRequestHandler, body: dict) -> None:
        with slot:
            answer(h, body)

    def answer(h: BaseHTTPRequestHandler, body: dict) -> None:
        if seen_auth is not None:
            seen_auth.append(h.headers.get("authorization", ""))
        out = reply(body["messages"][-1]["content"])
        if isinstance(out, int):
            echoed = f" (got Authorization: {h.headers.get('authorization')})" if echo_auth else ""
            send_error(h, out, f"simulated {out}{echoed}")
        elif body.get("stream"):
            send_stream(h, re.findall(r"\S+\s*", out), body["model"], delay)
        else:
            send(h, 200, json.dumps(completion(out, body["model"])).encode())

    with FakeServer(respond) as server:
        yield server.url
