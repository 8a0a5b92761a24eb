"""A Streamlit session opened the way a script (not a browser) opens one: the XSRF cookie from the health check,
then the app's WebSocket, speaking its protobuf messages, and HTTP PUTs to its upload endpoint. What an
attacker sees of the app, without a page's JavaScript in the way."""

from __future__ import annotations

import contextlib
import time

import httpx
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

XSRF_COOKIE = "_streamlit_xsrf"


class RawSession:
    """One session of the app at `url`, with `cookies` sent on every request (e.g. a sign-in cookie)."""

    def __init__(self, url: str, cookies: dict[str, str] | None = None, timeout: float = 120) -> None:
        self.url = url
        self.timeout = timeout
        self.http = httpx.Client(base_url=url, cookies=cookies, timeout=timeout)
        self.http.get("/_stcore/health").raise_for_status()  # sets the XSRF cookie, as for the page
        self.xsrf = self.http.cookies[XSRF_COOKIE]
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        self._open = contextlib.ExitStack()
        self.ws: ClientConnection = self._open.enter_context(
            connect(
                url.replace("http", "ws", 1) + "/_stcore/stream",
                subprotocols=["streamlit", self.xsrf],  # type: ignore[list-item]
                origin=url,  # type: ignore[arg-type]
                additional_headers={"Cookie": cookie},
                max_size=None,
            )
        )
        self._request = 0

    def close(self) -> None:
        self._open.close()
        self.http.close()

    def __enter__(self) -> RawSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, msg: BackMsg) -> None:
        self.ws.send(msg.SerializeToString())

    def _receive(self) -> ForwardMsg:
        msg = ForwardMsg()
        msg.ParseFromString(self.ws.recv(timeout=self.timeout))
        return msg

    def run(self, page: str = "", query: str = "") -> str:
        """Ask for a run of the app at /`page`?`query`, as a browser's first request there would, and return
        the text of everything the server sent until the run finished."""
        self._send(BackMsg(rerun_script=ClientState(query_string=query, page_name=page)))
        seen: list[str] = []
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = self._receive()
            seen.append(str(msg))
            if msg.WhichOneof("type") == "script_finished":
                return "\n".join(seen)
        raise TimeoutError(f"the run of /{page}?{query} did not finish in {self.timeout}s")

    def upload_url(self) -> str:
        """An upload URL for this session, asked for the way the file uploader asks."""
        self._request += 1
        request_id = str(self._request)
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append("f.txt")
        self._send(msg)
        while True:
            reply = self._receive()
            if reply.WhichOneof("type") == "file_urls_response" and reply.file_urls_response.response_id == (
                request_id
            ):
                return reply.file_urls_response.file_urls[0].upload_url

    def put(self, upload_url: str, data: bytes, name: str = "f.txt") -> httpx.Response:
        """PUT one file to an upload URL, with the XSRF token, as the file uploader does."""
        return self.http.put(
            upload_url, files={"file": (name, data, "text/plain")}, headers={"X-Xsrftoken": self.xsrf}
        )
