"""Password guessing is slowed per typed name and per client address, the counts outlive a restart, and the
address behind the README's nginx is the one nginx appended."""

from __future__ import annotations

from pathlib import Path

from briefing.throttle import FREE, Throttle, client_address, delay, keys


def test_after_five_failures_each_try_waits_twice_as_long_up_to_fifteen_minutes(tmp_path: Path) -> None:
    assert [delay(n) for n in range(1, 9)] == [0, 0, 0, 0, 2, 4, 8, 16]
    assert delay(50) == 900
    now = 1_900_000_000.0
    counted = keys("Rita ", "203.0.113.9")
    guard = Throttle(tmp_path / "users.json")
    for _ in range(FREE - 1):
        assert guard.failed(counted, now) == 0 and guard.wait(counted, now) == 0
    assert guard.failed(counted, now) == 2 and guard.wait(counted, now + 1) == 1
    assert Throttle(tmp_path / "users.json").wait(keys("rita", None), now) == 2  # a restart: still counted
    assert Throttle(tmp_path / "users.json").wait(keys("ada", "203.0.113.9"), now) == 2  # the address too
    assert guard.wait(keys("ada", "198.51.100.4"), now) == 0  # someone else, elsewhere
    assert guard.failed(counted, now + 2) == 4
    assert "rita" not in guard.path.read_text().lower()  # names only as digests
    guard.succeeded(counted[0], now + 6)
    assert guard.wait(keys("rita", None), now + 6) == 0  # her right password clears her name...
    assert guard.wait(keys("ada", "203.0.113.9"), now + 2) == 4  # ...not the address's count
    assert guard.failed(counted, now + 2 + 3600 + 1) == 0  # after an hour with no failure: counted afresh


def test_the_address_is_taken_from_x_forwarded_for_only_behind_the_proxy() -> None:
    forged = {"X-Forwarded-For": "10.9.9.9, 203.0.113.9"}  # the client wrote the first, nginx the last
    assert client_address(forged, "192.0.2.1", behind_proxy=True) == "203.0.113.9"
    assert client_address(forged, "192.0.2.1", behind_proxy=False) == "192.0.2.1"
    assert client_address({}, None, behind_proxy=False) == "127.0.0.1"
