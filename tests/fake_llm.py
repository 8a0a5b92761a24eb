"""A real OpenAI-compatible HTTP endpoint on 127.0.0.1 whose replies a test scripts: for what a live
model may do that recorded exchanges cannot show (fail, fabricate, ignore the citation rules)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = Callable[[str], str | int]  # the last message's text -> the reply's text, or an HTTP error status


@contextmanager
def fake_llm(
    reply: Reply, delay: float = 0.0, echo_auth: bool = False, seen_auth: list[str] | None = None
) -> Iterator[str]:
    """Serve chat completions answered by `reply`; yields the base URL (…/v1). `delay` is slept before
    each streamed chunk; with `echo_auth` an error reply quotes the request's Authorization header, as a
    careless server might; `seen_auth` collects every request's Authorization header."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            if seen_auth is not None:
                seen_auth.append(self.headers.get("authorization", ""))
            out = reply(body["messages"][-1]["content"])
            if isinstance(out, int):
                echoed = f" (got Authorization: {self.headers.get('authorization')})" if echo_auth else ""
                return self._send(out, {"error": {"message": f"simulated {out}{echoed}", "type": "server_error"}})
            if body.get("stream"):
                return self._stream(body["model"], out)
            self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": out}}],
                             "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}})

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, model: str, text: str) -> None:
            """Server-sent events, a word a chunk, as OpenAI streams."""
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            pieces = [{"delta": {"content": w}, "finish_reason": None} for w in re.findall(r"\S+\s*", text)]
            try:
                for choice in [*pieces, {"delta": {}, "finish_reason": "stop"}]:
                    time.sleep(delay)
                    event = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, **choice}]}
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout under test): nothing to send it

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
