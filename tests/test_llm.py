"""The language-model layer: backend choice, model assembly, error mapping against a real HTTP server on
127.0.0.1, and (slow) the real local GGUF streaming a grounded answer."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from briefing import llm, model_install
from briefing.config import PROJECT_ROOT, Settings
from briefing.llm import BackendUnavailable, LLMError, LLMInfo

SECRET = "sk-test-DO-NOT-LEAK-4f9c2a"


def fake_gguf(path: Path, name: str = "Tiny Test Model", extra: bytes = b"") -> Path:
    """A GGUF header with a few KVs (a string, an array, general.name), enough for header checks."""

    def s(text: str) -> bytes:
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    kvs = [
        s("general.architecture") + struct.pack("<I", 8) + s("qwen2"),
        s("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, 3) + struct.pack("<3f", 0.1, 0.2, 0.3),
        s("general.name") + struct.pack("<I", 8) + s(name),
    ]
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs) + extra)
    return path


# --------------------------------------------------------------------------- resolve_backend


def test_resolve_explicit_setting_wins(tmp_path: Path) -> None:
    s = Settings(llm="extractive", openai_api_key=SECRET)
    assert llm.resolve_backend(s) == "extractive"
    assert llm.resolve_backend(Settings(llm="local")) == "local"


def test_resolve_openai_when_key_or_base_url() -> None:
    assert llm.resolve_backend(Settings(openai_api_key=SECRET)) == "openai"
    assert llm.resolve_backend(Settings(openai_base_url="http://127.0.0.1:11434/v1")) == "openai"


def test_resolve_openai_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    assert llm.resolve_backend(Settings()) == "openai"


def test_resolve_local_needs_model_file_and_llama_cpp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = fake_gguf(tmp_path / "m.gguf")
    monkeypatch.setattr(llm, "_llama_cpp_import_error", lambda: None)
    assert llm.resolve_backend(Settings(local_model_path=gguf)) == "local"
    assert llm.resolve_backend(Settings(local_model_path=tmp_path / "missing.gguf")) == "extractive"
    monkeypatch.setattr(llm, "_llama_cpp_import_error", lambda: "ImportError: no llama_cpp")
    assert llm.resolve_backend(Settings(local_model_path=gguf)) == "extractive"


def test_extractive_has_no_model() -> None:
    assert llm.get_chat_model(Settings(llm="extractive")) == (None, LLMInfo("extractive", "none"))


def test_local_unavailable_when_model_missing_or_not_gguf(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="does not exist.*model_install"):
        llm.get_chat_model(Settings(llm="local", local_model_path=tmp_path / "missing.gguf"))
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"<html>not a model</html>")
    with pytest.raises(BackendUnavailable, match="not a GGUF"):
        llm.get_chat_model(Settings(llm="local", local_model_path=junk))


def test_local_unavailable_without_llama_cpp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llm, "_llama_cpp_import_error", lambda: "ImportError: No module named 'llama_cpp'")
    with pytest.raises(BackendUnavailable, match="llama_cpp cannot be imported"):
        llm.get_chat_model(Settings(llm="local", local_model_path=fake_gguf(tmp_path / "m.gguf")))


def test_openai_without_key_or_url_is_unavailable() -> None:
    with pytest.raises(BackendUnavailable, match="OPENAI_API_KEY"):
        llm.get_chat_model(Settings(llm="openai"))


# --------------------------------------------------------------------------- openai-compatible config


def test_openai_model_settings_and_secret_never_shown() -> None:
    s = Settings(openai_api_key=SECRET, openai_base_url="http://127.0.0.1:8080/v1", openai_model="qwen",
                 llm_timeout=7, llm_max_retries=1, llm_max_tokens=300)  # fmt: skip
    model, info = llm.get_chat_model(s)
    assert info == LLMInfo("openai", "qwen")
    assert model.temperature == 0 and model.max_retries == 1 and model.request_timeout == 7
    assert model.max_tokens == 300
    assert model.extra_body == {"max_tokens": 300}  # servers that ignore the other name
    for shown in (
        repr(s),
        str(s),
        s.model_dump_json(),
        repr(model),
        str(model),
        json.dumps(model.asdict(), default=str),
    ):
        assert SECRET not in shown


def test_openai_itself_gets_no_duplicate_max_tokens() -> None:
    model, _ = llm.get_chat_model(Settings(openai_api_key=SECRET))
    assert model.extra_body is None and model.max_tokens == Settings().llm_max_tokens


# --------------------------------------------------------------------------- a real HTTP server


def _completion(content: str) -> dict:
    return {
        "id": "c1", "object": "chat.completion", "created": 0, "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }  # fmt: skip


class FakeServer:
    """An OpenAI-compatible endpoint on 127.0.0.1 that answers every request with `reply(handler)`,
    recording each request's headers and JSON body."""

    def __init__(self, reply: Callable[[BaseHTTPRequestHandler, dict], None]) -> None:
        self.requests: list[tuple[dict, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                reply(self, body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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


def model_for(url: str, retries: int = 2, timeout: float = 5.0, key: str | None = SECRET):
    s = Settings(llm="openai", openai_base_url=url, openai_api_key=key, openai_model="test-model",
                 llm_max_retries=retries, llm_timeout=timeout)  # fmt: skip
    return llm.get_chat_model(s)[0]


MSGS = [SystemMessage("Answer from the context."), HumanMessage("Context: The sky is green.\nQ: sky colour?")]


def test_success_sends_both_token_caps_and_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the openai client logs requests at DEBUG: never the key
    with FakeServer(lambda h, b: send(h, 200, json.dumps(_completion("Green [1].")).encode())) as srv:
        out = model_for(srv.url).invoke(MSGS)
    assert out.content == "Green [1]."
    headers, body = srv.requests[0]
    assert body["max_tokens"] == body["max_completion_tokens"] == Settings().llm_max_tokens
    assert body["temperature"] == 0
    assert headers.get("authorization") == f"Bearer {SECRET}"
    assert caplog.records, "expected DEBUG logging from the client to check"
    assert SECRET not in caplog.text


def test_placeholder_key_when_only_base_url() -> None:
    with FakeServer(lambda h, b: send(h, 200, json.dumps(_completion("ok")).encode())) as srv:
        model_for(srv.url, key=None).invoke(MSGS)
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
            model_for(srv.url, retries=2).invoke(MSGS)
    assert len(srv.requests) == 3
    e = ei.value
    assert (e.kind, e.status, e.backend) == (kind, status, "openai")
    assert words in str(e) and "openai backend (test-model at 127.0.0.1:" in str(e)
    assert SECRET not in str(e)


def test_client_error_is_not_retried() -> None:
    body = json.dumps({"error": {"message": "model 'test-model' not found"}}).encode()
    with FakeServer(lambda h, b: send(h, 404, body)) as srv:
        with pytest.raises(LLMError, match=r"not found \(HTTP 404\)") as ei:
            model_for(srv.url).invoke(MSGS)
    assert len(srv.requests) == 1 and ei.value.kind == "not_found"


def test_streaming_failure_is_mapped_too() -> None:
    with FakeServer(lambda h, b: send(h, 429, b"{}", headers={"retry-after-ms": "5"})) as srv:
        with pytest.raises(LLMError, match="HTTP 429"):
            list(model_for(srv.url, retries=1).stream(MSGS))
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
            model_for(srv.url).invoke(MSGS)
    assert ei.value.kind == "malformed" and len(srv.requests) == 1


def test_empty_completion_is_an_error_not_a_blank_answer() -> None:
    with FakeServer(lambda h, b: send(h, 200, json.dumps(_completion("")).encode())) as srv:
        with pytest.raises(LLMError, match="empty completion") as ei:
            model_for(srv.url).invoke(MSGS)
    assert ei.value.kind == "empty" and len(srv.requests) == 1


def _sse(h: BaseHTTPRequestHandler, pieces: list[str]) -> None:
    h.send_response(200)
    h.send_header("content-type", "text/event-stream")
    h.end_headers()
    for p in pieces:
        delta = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "test-model",
                 "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}  # fmt: skip
        h.wfile.write(f"data: {json.dumps(delta)}\n\n".encode())
    h.wfile.write(b"data: [DONE]\n\n")


def test_stream_yields_chunks() -> None:
    with FakeServer(lambda h, b: _sse(h, ["Gre", "en ", "[1]."])) as srv:
        chunks = [c.content for c in model_for(srv.url).stream(MSGS)]
    assert "".join(chunks) == "Green [1]." and len([c for c in chunks if c]) == 3


def test_empty_stream_is_an_error() -> None:
    with FakeServer(lambda h, b: _sse(h, ["", " "])) as srv:
        with pytest.raises(LLMError, match="empty completion"):
            list(model_for(srv.url).stream(MSGS))


def test_timeout_is_bounded() -> None:
    def slow(h: BaseHTTPRequestHandler, body: dict) -> None:
        time.sleep(1.5)
        try:
            send(h, 200, json.dumps(_completion("late")).encode())
        except OSError:
            pass

    with FakeServer(slow) as srv:
        t0 = time.monotonic()
        with pytest.raises(LLMError, match="timed out after 2 attempts") as ei:
            model_for(srv.url, retries=1, timeout=0.3).invoke(MSGS)
        elapsed = time.monotonic() - t0
    assert ei.value.kind == "timeout" and len(srv.requests) == 2 and elapsed < 3


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LLMError, match="cannot connect after 1 attempt") as ei:
        model_for(f"http://127.0.0.1:{port}/v1", retries=0).invoke(MSGS)
    assert ei.value.kind == "connection"


# --------------------------------------------------------------------------- model_install


def _fake_parts(root: Path, prefix: str, payload: bytes, n: int) -> list[bytes]:
    """Part packages shaped like the real ones (get_part_path(), dist-info) on a temp sys.path entry."""
    size = -(-len(payload) // n)
    chunks = [payload[i : i + size] for i in range(0, len(payload), size)]
    for i, chunk in enumerate(chunks, 1):
        mod = root / f"{prefix.replace('-', '_')}{i}"
        (mod / "data").mkdir(parents=True)
        (mod / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        (mod / "__init__.py").write_text(
            "import os\ndef get_part_path():\n"
            "    here = os.path.dirname(os.path.abspath(__file__))\n"
            f"    return os.path.join(here, 'data', 'part{i:02d}.bin')\n"
        )
        dist = root / f"{prefix.replace('-', '_')}{i}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {prefix}{i}\nVersion: 1.0\n")
        digest = base64.urlsafe_b64encode(hashlib.sha256(chunk).digest()).rstrip(b"=").decode()
        (dist / "RECORD").write_text(f"{mod.name}/data/part{i:02d}.bin,sha256={digest},{len(chunk)}\n")
    return chunks


@pytest.fixture
def fake_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> model_install.ModelSpec:
    payload = fake_gguf(
        tmp_path / "src.gguf", name="Tiny Test Model", extra=bytes(range(256)) * 400
    ).read_bytes()
    prefix = f"briefing-testpart-{tmp_path.name.replace('_', '-').lower()}-p"
    chunks = _fake_parts(tmp_path / "site", prefix, payload, 3)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    spec = model_install.ModelSpec(
        key="tiny", filename="tiny.gguf", general_name="Tiny Test Model", package_prefix=prefix,
        parts=len(chunks), version="1.0", size=len(payload), sha256=hashlib.sha256(payload).hexdigest(),
    )  # fmt: skip
    monkeypatch.setitem(model_install.MODELS, "tiny", spec)
    return spec


def test_install_assembles_verifies_and_is_idempotent(
    fake_spec: model_install.ModelSpec, tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    logs: list[str] = []
    path = model_install.install("tiny", dest, log=logs.append)
    assert path.read_bytes()[:4] == b"GGUF" and path.stat().st_size == fake_spec.size
    assert model_install.is_installed(fake_spec, path)
    assert not list(dest.glob("*.partial"))
    assert model_install.read_gguf_metadata(path)["general.name"] == "Tiny Test Model"

    mtime = path.stat().st_mtime_ns
    model_install.install("tiny", dest, log=logs.append)
    assert path.stat().st_mtime_ns == mtime and "already installed" in logs[-1]

    with open(path, "r+b") as f:  # corrupt a byte in place: --verify notices and re-assembles
        f.seek(fake_spec.size - 10)
        f.write(b"\xff")
    model_install.install("tiny", dest, reverify=True, log=logs.append)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == fake_spec.sha256


def test_install_refuses_wrong_checksum_and_leaves_nothing(
    fake_spec: model_install.ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        model_install.MODELS, "tiny", fake_spec.__class__(**{**fake_spec.__dict__, "sha256": "0" * 64})
    )
    dest = tmp_path / "models"
    with pytest.raises(model_install.ModelInstallError, match="sha256 of assembled tiny.gguf"):
        model_install.install("tiny", dest, log=lambda m: None)
    assert not (dest / "tiny.gguf").exists() and not list(dest.glob("*.partial"))


def test_corrupt_part_is_named(fake_spec: model_install.ModelSpec, tmp_path: Path) -> None:
    part = model_install.part_path(fake_spec, 2)
    part.write_bytes(b"\0" * part.stat().st_size)  # same size, different bytes
    with pytest.raises(model_install.ModelInstallError) as ei:
        model_install.install("tiny", tmp_path / "models", log=lambda m: None)
    assert f"do not match their package RECORD: {fake_spec.distribution(2)} (" in str(ei.value)
    assert fake_spec.distribution(1) + " (" not in str(ei.value)


def test_install_refuses_wrong_model_name(
    fake_spec: model_install.ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        model_install.MODELS, "tiny", fake_spec.__class__(**{**fake_spec.__dict__, "general_name": "X"})
    )
    with pytest.raises(
        model_install.ModelInstallError, match="general.name is 'Tiny Test Model', expected 'X'"
    ):
        model_install.install("tiny", tmp_path / "models", log=lambda m: None)


def test_missing_part_file_is_named(fake_spec: model_install.ModelSpec) -> None:
    model_install.part_path(fake_spec, 2).unlink()
    with pytest.raises(
        model_install.ModelInstallError, match=rf"package {fake_spec.distribution(2)}: part file"
    ):
        model_install.part_path(fake_spec, 2)


# --------------------------------------------------------------------------- local wrapper, fake llama


class FakeLlama:
    """Stands in for llama_cpp.Llama's streaming create_chat_completion (the real one is the slow test)."""

    def __init__(self, pieces: list[str], delay: float = 0.0, error: Exception | None = None) -> None:
        self.pieces, self.delay, self.error = pieces, delay, error
        self.calls: list[dict] = []
        self.n_tokens = 0  # prompt + written, as llama.cpp's context holds them after a call

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[bytes]:
        return text.split()  # a word a token

    def create_chat_completion(self, **kw: object) -> Iterator[dict]:
        self.calls.append(kw)
        if self.error:
            raise self.error
        return self._gen()

    def _gen(self) -> Iterator[dict]:
        self.n_tokens = 7 + len("".join(self.pieces).split())  # a 7-token prompt
        yield {"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]}
        for p in self.pieces:
            time.sleep(self.delay)
            yield {"choices": [{"delta": {"content": p}, "finish_reason": None}]}
        yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}


def local_with(fake: FakeLlama, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, timeout: float = 30):
    gguf = fake_gguf(tmp_path / "fake-model.gguf")
    monkeypatch.setattr(llm, "_llama_cpp_import_error", lambda: None)
    monkeypatch.setitem(llm._LLAMAS, str(gguf.resolve()), (fake, threading.Lock()))
    return llm.get_chat_model(Settings(llm="local", local_model_path=gguf, llm_timeout=timeout))


def test_local_wrapper_streams_and_invokes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLlama(["Gre", "en ", "[1]."])
    model, info = local_with(fake, tmp_path, monkeypatch)
    assert info == LLMInfo("local", "fake-model")
    assert [c.content for c in model.stream(MSGS) if c.content] == ["Gre", "en ", "[1]."]
    out = model.invoke(MSGS)
    assert out.content == "Green [1]." and out.response_metadata["finish_reason"] == "stop"
    assert out.usage_metadata["input_tokens"] == 7 and out.usage_metadata["output_tokens"] == 2
    call = fake.calls[-1]
    assert (
        call["temperature"] == 0 and call["max_tokens"] == Settings().llm_max_tokens and call["stream"] is True
    )
    assert [m["role"] for m in call["messages"]] == ["system", "user"]


def test_local_empty_completion_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _ = local_with(FakeLlama(["", "  "]), tmp_path, monkeypatch)
    with pytest.raises(LLMError, match=r"local backend \(fake-model.gguf\): empty completion") as ei:
        model.invoke(MSGS)
    assert ei.value.kind == "empty"


def test_local_prompt_too_long_is_an_llm_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    err = ValueError("Requested tokens (5000) exceed context window of 4096")
    model, _ = local_with(FakeLlama([], error=err), tmp_path, monkeypatch)
    with pytest.raises(LLMError, match="exceed context window"):
        model.invoke(MSGS)


def test_local_generation_is_bounded_by_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _ = local_with(FakeLlama(["tok "] * 1000, delay=0.01), tmp_path, monkeypatch, timeout=0.2)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="timed out after 0.2s") as ei:
        model.invoke(MSGS)
    assert ei.value.kind == "timeout" and time.monotonic() - t0 < 2


# --------------------------------------------------------------------------- the real local model


def _real_gguf() -> Path | None:
    default = model_install.default_model_path()
    if default.is_file():
        return default
    return next(iter(sorted((PROJECT_ROOT / "models").glob("*.gguf"))), None)


@pytest.mark.slow
def test_local_model_streams_a_grounded_answer() -> None:
    path = _real_gguf()
    if path is None:
        pytest.fail("no models/*.gguf: run `make model` to assemble the local model")
    if llm._llama_cpp_import_error():
        pytest.fail(f"llama_cpp not importable: {llm._llama_cpp_import_error()}")
    s = Settings(llm="local", local_model_path=path, llm_timeout=120)
    model, info = llm.get_chat_model(s)
    assert info == LLMInfo("local", path.stem)
    assert llm.load_llama(str(path))[0] is llm.load_llama(str(path))[0]
    msgs = [
        SystemMessage("Answer only from the context, in one short sentence, and cite the passage like [1]."),
        HumanMessage(
            "Context:\n[1] Reuters, 2019-05-22: The US Commerce Department is weighing adding "
            "Hikvision to its entity list over the surveillance of Uighurs in Xinjiang.\n\n"
            "Question: Why is the US considering blacklisting Hikvision?"
        ),
    ]
    chunks: Iterator = model.stream(msgs, max_tokens=32)
    pieces = [c.content for c in chunks]
    text = "".join(pieces)
    assert len([p for p in pieces if p]) > 3, "tokens should arrive one by one"
    assert text.strip()
