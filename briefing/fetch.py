"""HTTP for feeds, their entries' pages and URLs named to ingest: one client that waits between two requests
to one host, gives up on a request at one deadline (connect, headers and body together: a server trickling
its headers a byte at a time too) or once its body passes a size limit, and retries server errors and
timeouts a bounded number of times.

Every connection goes through a fetch policy: the host is resolved and refused unless every address it
names is global (not loopback, private, link-local, unspecified, multicast, reserved, also as IPv4-mapped
IPv6), and the socket is opened to an address that was checked, so a second DNS answer cannot swap it.
Redirects are connections too, so each hop is checked. Hosts in `fetch_allow_hosts` are exempt; proxy
settings from the environment are ignored (a proxy would fetch internal addresses on our behalf)."""

from __future__ import annotations

import ipaddress
import math
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlparse

import httpcore
import httpx

from briefing.config import Settings

MAX_REDIRECTS = 5


class FetchError(Exception):
    """A request that failed for good (after its retries); `retryable` when a later refresh may succeed."""

    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


class Refused(FetchError):
    """A request the fetch policy does not send: its host is or resolves to an internal address."""

    def __init__(self, message: str):
        super().__init__(message, retryable=False)


def internal(address: str) -> str:
    """What kind of non-global address this is ('loopback', 'private', ...), or '' for a global one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return "" if ip.is_global else "non-global"


class _Stream(httpcore.NetworkStream):
    """A connection whose reads and writes share the request's deadline (a socket timeout alone restarts
    with every byte)."""

    def __init__(self, stream: httpcore.NetworkStream, backend: _PolicyBackend):
        self.stream, self.backend = stream, backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self.backend.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.backend.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> _Stream:  # type: ignore[no-untyped-def]
        left = self.backend.left(timeout, httpcore.ConnectTimeout)
        return _Stream(self.stream.start_tls(ssl_context, server_hostname, left), self.backend)

    def get_extra_info(self, info: str) -> object:
        return self.stream.get_extra_info(info)


class _PolicyBackend(httpcore.NetworkBackend):
    """httpcore's socket backend behind the fetch policy and the request deadline."""

    def __init__(self, allow_hosts: Iterable[str]):
        self.sockets = httpcore.SyncBackend()
        self.allow = frozenset(h.strip().strip("[]").lower() for h in allow_hosts if h.strip())
        self.deadline = math.inf  # time.monotonic() by which the current request must be done

    def left(self, timeout: float | None, expired: type[Exception]) -> float | None:
        """The timeout to give one socket operation: the smaller of its own and what is left of the
        request's deadline; `expired` raised when nothing is left."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise expired("the request's deadline passed")
        return left if timeout is None or left < timeout else timeout

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses `host` resolves to, or Refused if any of them is internal (a name answering
        with one public and one private address is refused too)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in found:
            if kind := internal(address):
                shown = host if host == address else f"{host} (resolves to {address})"
                raise Refused(
                    f"refused: {shown} is a {kind} address; only public hosts are fetched "
                    f"(setting fetch_allow_hosts allows a host)"
                )
        return found

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        host = host.strip("[]")
        if host.lower() in self.allow:
            targets = [host]
        else:
            targets = self.addresses(host, port)  # connect to what was checked, not to a fresh lookup
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for target in targets:
            try:
                left = self.left(timeout, httpcore.ConnectTimeout)
                return _Stream(
                    self.sockets.connect_tcp(target, port, left, local_address, socket_options), self
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    def connect_unix_socket(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise Refused("refused: Unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self.sockets.sleep(seconds)


@dataclass(frozen=True)
class Fetched:
    """A response worth reading: a whole body within the limit, or a 304 with none."""

    status: int  # 200 or 304
    content: bytes
    url: str  # after redirects
    etag: str
    last_modified: str
    content_type: str = ""


class Fetcher:
    """An HTTP client under the fetch policy that waits `feed_host_pause` between two requests to one host,
    abandons a request `feed_timeout` seconds after it starts or once its body passes the size limit, and
    retries server errors and timeouts `feed_retries` times."""

    def __init__(
        self,
        timeout: float,
        retries: int = 0,
        pause: float = 0.0,
        agent: str = "briefing/0.1",
        allow_hosts: Iterable[str] = (),
    ):
        self.timeout = timeout
        self.retries = retries
        self.pause = pause
        self.backend = _PolicyBackend(allow_hosts)
        transport = httpx.HTTPTransport(trust_env=False)
        transport._pool = httpcore.ConnectionPool(  # httpx takes no network backend; its pool does
            ssl_context=httpx.create_ssl_context(),
            network_backend=self.backend,  # SSL_CERT_FILE still read
        )
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": agent},
            transport=transport,
            trust_env=False,
        )
        self.last: dict[str, float] = {}  # host -> when its last request ended

    @classmethod
    def for_feeds(cls, settings: Settings) -> Fetcher:
        return cls(settings.feed_timeout, settings.feed_retries, settings.feed_host_pause,
                   "briefing/0.1 (+feed refresh)", settings.fetch_allow_hosts)  # fmt: skip

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, limit: int, setting: str, headers: dict[str, str] | None = None) -> Fetched:
        """GET `url` (a 304 is an answer, not an error), or FetchError saying why not."""
        attempt = 0
        while True:
            try:
                return self._once(url, limit, setting, headers or {})
            except FetchError as exc:
                if not exc.retryable or attempt == self.retries:
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise FetchError(f"{exc}{tries}", exc.retryable) from None
            attempt += 1

    def _once(self, url: str, limit: int, setting: str, headers: dict[str, str]) -> Fetched:
        host = urlparse(url).hostname or ""
        if (wait := self.last.get(host, -self.pause) + self.pause - time.monotonic()) > 0:
            time.sleep(wait)
        self.backend.deadline = time.monotonic() + self.timeout
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                if resp.status_code >= 400:
                    retryable = resp.status_code >= 500 or resp.status_code == 429
                    raise FetchError(f"HTTP {resp.status_code} {resp.reason_phrase}", retryable)
                body = bytearray()
                if resp.status_code != 304:
                    too_big = FetchError(f"over the {limit / 2**20:.3g} MB limit (setting {setting})", False)
                    if int(resp.headers.get("content-length") or 0) > limit:
                        raise too_big
                    for part in resp.iter_bytes():
                        body += part
                        if len(body) > limit:
                            raise too_big
                return Fetched(
                    resp.status_code,
                    bytes(body),
                    str(resp.url),
                    resp.headers.get("etag", ""),
                    resp.headers.get("last-modified", ""),
                    resp.headers.get("content-type", ""),
                )
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.timeout:g}s", True) from None
        except httpx.TransportError as exc:
            raise FetchError(f"cannot connect: {exc or type(exc).__name__}", True) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(str(exc) or type(exc).__name__, False) from None
        finally:
            self.backend.deadline = math.inf
            self.last[host] = time.monotonic()
