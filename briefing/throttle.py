"""Password guessing, slowed: after `FREE` failed sign-ins for one typed name, or from one client address,
each further try must wait a delay that doubles from 2 s up to 15 minutes. The counts are kept beside the
sign-ins (`users.throttle.json`, owner-readable, changed under a lock), so a restart does not reset them; a
name is kept only as a digest, and a count is forgotten after an hour with no failure.

A try that must wait is refused before its password is checked, so the hash costs nothing either. This
also lets someone who knows a name hold its owner off for up to 15 minutes at a time: the price of any
lockout, and why the delay is capped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from briefing.files import locked, write_json

FREE = 5  # failures before any delay
FIRST = 2.0  # seconds, the first delay
LONGEST = 900.0  # seconds, the cap
QUIET = 3600.0  # seconds without a failure after which a count is forgotten
KEPT = 10_000  # counts kept at most (the newest): a flood of made-up names cannot grow the file forever


def keys(name: str, address: str | None) -> list[str]:
    """What a try is counted under: the typed name (case and spaces aside, as a digest) and the client's
    address when known."""
    digest = hashlib.sha256(name.strip().lower().encode()).hexdigest()[:32]
    return [f"name:{digest}"] + ([f"address:{address}"] if address else [])


def delay(failures: int) -> float:
    """Seconds to wait after `failures` failed tries in a row."""
    return 0.0 if failures < FREE else min(FIRST * 2 ** (failures - FREE), LONGEST)


def client_address(headers: Mapping[str, str], connected: str | None, behind_proxy: bool) -> str:
    """The client's address: behind the README's nginx (`behind_proxy`), the last X-Forwarded-For entry,
    which nginx itself appended (earlier ones are the client's to write); otherwise the connection's own
    (Streamlit reports none for 127.0.0.1)."""
    forwarded = {k.lower(): v for k, v in headers.items()}.get("x-forwarded-for", "")
    if behind_proxy and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return connected or "127.0.0.1"


class Throttle:
    """The failure counts, in their file."""

    def __init__(self, users_file: Path):
        self.path = users_file.with_name(users_file.stem + ".throttle.json")

    def wait(self, counted: list[str], now: float) -> float:
        """Seconds before a try counted under `counted` may be checked; 0 when it may now."""
        held = self._read()
        return max([0.0, *(held[k]["until"] - now for k in counted if k in held)])

    def failed(self, counted: list[str], now: float) -> float:
        """Count a failed try; the delay it starts (0 while still within the free tries)."""
        longest = 0.0
        with locked(self.path):
            held = self._live(now)
            for k in counted:
                failures = held.get(k, {}).get("failures", 0) + 1
                held[k] = {"failures": failures, "last": now, "until": now + delay(failures)}
                longest = max(longest, delay(failures))
            newest = sorted(held.items(), key=lambda kv: kv[1]["last"])[-KEPT:]
            write_json(self.path, dict(newest), private=True)
        return longest

    def succeeded(self, name_key: str, now: float) -> None:
        """A right password clears its name's count (not its address's: one account of one's own must
        not buy more guesses at others)."""
        with locked(self.path):
            write_json(self.path, {k: v for k, v in self._live(now).items() if k != name_key}, private=True)

    def _live(self, now: float) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self._read().items() if now - v["last"] <= QUIET or v["until"] > now}

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or damaged: counting starts again (the file is the app's own, owner-only)
