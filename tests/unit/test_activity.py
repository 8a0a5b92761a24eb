"""The activity log: one JSON line per change, newest first when read, never a key."""

from __future__ import annotations

from pathlib import Path

from briefing import activity
from briefing.config import Settings


def test_changes_are_appended_and_read_newest_first_and_keys_never_kept(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "store", collection="ferries")
    activity.record(settings, "ada", "feeds add", url="https://example.org/rss", exit=0)
    activity.record(
        settings, "ada", "settings", base_url="http://x/v1?key=sk-abcdef0123456789", files=("a.txt",)
    )
    with activity.log_path(settings).open("a") as f:
        f.write("{half a line\n")
    (last, first) = activity.recent(settings)
    assert (first["who"], first["action"], first["notebook"], first["exit"]) == (
        "ada",
        "feeds add",
        "ferries",
        0,
    )
    assert last["files"] == ["a.txt"] and "sk-abcdef" not in activity.log_path(settings).read_text()
