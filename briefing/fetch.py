"""HTTP for feeds and for URLs named to ingest: one client that waits between two requests to one host,
gives up on a request after its timeout (a trickling server too) or once its body passes a size limit, and
retries server errors and timeouts a bounded number of times."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx

from briefing.config import Settings


class FetchError(Exception):
    """A request that failed for good (after its retries); `retryable` when a later refresh may succeed."""

    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


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
    """An HTTP client that waits `feed_host_pause` between two requests to one host, abandons a request
    after `feed_timeout` seconds or once its body passes the size limit, and retries server errors and
    timeouts `feed_retries` times."""

    def __init__(self, timeout: float, retries: int = 0, pause: float = 0.0, agent: str = "briefing/0.1"):
        self.timeout = timeout
        self.retries = retries
        self.pause = pause
        self.client = httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": agent})
        self.last: dict[str, float] = {}  # host -> when its last request ended

    @classmethod
    def for_feeds(cls, settings: Settings) -> Fetcher:
        return cls(settings.feed_timeout, settings.feed_retries, settings.feed_host_pause,
                   "briefing/0.1 (+feed refresh)")  # fmt: skip

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
        deadline = time.monotonic() + self.timeout
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
                        if time.monotonic() > deadline:  # a trickling server never hits the read timeout
                            raise FetchError(f"timed out after {self.timeout:g}s", True)
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
            self.last[host] = time.monotonic()
