"""Serving faults (issue 24, items 1, 4, 11's uploads, 12): each case attacks the app as the hostile afternoon
did and prints `held` or `FAILED` with what it saw. Run through bench/faults.py (`--cases first-visit,...`).

- first-visit: a freshly started app with sign-in on and one article; the first requests, over the raw
  WebSocket as a script sends them, ask for /reader?article=ID and every page: sign-in form, or the page?
- upload-flood: a visitor on the sign-in page pushes 50 files of 100 KB to the upload endpoint: how many
  are taken, and what the app still holds after the visitor left.
- offline: Chromium signs in and opens every page, refusing and counting requests to any other host.
- long-name: an upload of two files, one named with 329 bytes: what is added, what the message says.
- originals: an uploaded original's mode; after its article is deleted, and after the next upload when a
  crashed upload left a file: which originals are on disk.
"""

from __future__ import annotations

import re
import stat
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx

from briefing.app.uploads import ingest_uploads
from briefing.config import Settings
from briefing.ingest import ingest, remove
from briefing.originals import uploads_dir
from briefing.store import Store
from briefing.users import Users
from tests.e2e.harness import briefing_app, outside_requests_of_every_page
from tests.e2e.raw_session import RawSession
from tests.recorded import write_articles

PASSWORD = "faults password 1"
TITLE = "Kessel bridge toll to rise in April"
TOLL = f"{TITLE}\n\nThe Ostrava city council said on Tuesday that the toll on the Kessel bridge will rise to 4 crowns."
FERRY = (
    "Ferry service returns while Kessel bridge is repaired\n\nA ferry service across the Oder river will "
    "restart in May while the Kessel bridge is closed for repairs, the transport office said."
)
PAGES = ("chat", "library", "notes", "briefs", "team", "settings", "activity")


def _verdict(case: str, held: bool, saw: str) -> None:
    print(f"{case}: {'held' if held else 'FAILED'} ({saw})")


def _signed_in_app(work: Path, role: str) -> tuple[Path, dict[str, str]]:
    """A folder for `briefing app` with one user `ada` of `role`, and the environment that signs in there."""
    work.mkdir(parents=True)
    Users(work / "users.json").add("ada", PASSWORD, role)
    return work, {"BRIEFING_USERS_FILE": str(work / "users.json")}


def first_visit(work: Path) -> None:
    folder, env = _signed_in_app(work / "first-visit", "editor")
    articles = write_articles(folder / "articles", {"toll.txt": ("Ostrava Post", date(2031, 4, 2), TOLL)})
    report = ingest(
        [articles], Settings(store_dir=folder / "vectorstore"), manifest=articles / "manifest.csv"
    )
    shown = []
    with briefing_app(folder, env=env) as url:  # just started: nobody has opened / yet
        for page, query in [("reader", f"article={report.added[0].id}"), *((p, "") for p in PAGES)]:
            with RawSession(url) as session:
                sent = session.run(page, query)
            if "Sign in" not in sent or TITLE in sent or "chat_input" in sent:
                shown.append(page)
    _verdict(
        "first-visit",
        not shown and len(report.added) == 1,
        f"first requests for /reader and {len(PAGES)} pages; content shown on: {', '.join(shown) or 'none'}",
    )


def _held_bytes(url: str) -> int:
    """Bytes Streamlit's upload store holds, by its metrics endpoint, once the figure (cached a moment)
    has had time to follow the visitor's leaving."""
    time.sleep(3)
    text = httpx.get(f"{url}/_stcore/metrics", params={"families": "cache_memory_bytes"}).text
    return sum(int(float(n)) for n in re.findall(r'cache_type="UploadedFileManager"[^}]*}\s+(\S+)', text))


def upload_flood(work: Path) -> None:
    folder, env = _signed_in_app(work / "upload-flood", "editor")
    with briefing_app(folder, env=env) as url:
        with RawSession(url) as visitor:
            on_signin = "Sign in" in visitor.run()
            codes = [visitor.put(visitor.upload_url(), b"x" * 100_000).status_code for _ in range(50)]
        held = _held_bytes(url)
    taken = sum(c < 300 for c in codes)
    _verdict(
        "upload-flood",
        on_signin and taken == 0 and held == 0,
        f"50 files of 100 KB from the sign-in page: {taken} taken, answers {sorted(set(codes))}, "
        f"{held} bytes held after the visitor left",
    )


def offline(work: Path) -> None:
    folder, env = _signed_in_app(work / "offline", "admin")
    with briefing_app(folder, env=env) as url:
        outside = outside_requests_of_every_page(url, "ada", PASSWORD)
    hosts = sorted({re.sub(r"^\w+://([^/]+).*", r"\1", u) for u in outside})
    _verdict(
        "offline",
        not outside,
        f"signed in, opened every page: {len(outside)} requests to other hosts {', '.join(hosts)}".rstrip(),
    )


class _Upload:
    def __init__(self, name: str, text: str) -> None:
        self.name, self.data = name, text.encode()
        self.size = len(self.data)

    def getvalue(self) -> bytes:
        return self.data


def _on_disk(settings: Settings) -> list[str]:
    folder = uploads_dir(settings)
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _upload(settings: Settings, *files: _Upload) -> list[tuple[str, str, str]]:
    """Each file's (name, status, detail), or the error that stopped the whole upload."""
    try:
        outcome = ingest_uploads(
            files, settings, lambda: Store(settings), source="Post", published=date.today()
        )
    except Exception as exc:
        return [("(whole upload)", "failed", f"{type(exc).__name__}: {exc}"[:120])]
    return [(r.name, r.status, r.detail) for r in outcome.results]


def long_name(work: Path) -> None:
    settings = Settings(store_dir=work / "long-name")
    name = "ferry report " * 25 + ".txt"
    results = _upload(settings, _Upload("toll.txt", TOLL), _Upload(name, FERRY))
    refused = [(n, d) for n, s, d in results if s == "failed"]
    added = [n for n, s, _ in results if s == "added"]
    _verdict(
        "long-name",
        added == ["toll.txt"] and len(refused) == 1 and name not in refused[0][0] and "rename" in refused[0][1]
        and _on_disk(settings) == ["toll.txt"],
        f"{len(name.encode())}-byte name among 2 files: added {added}; refused {refused}; "
        f"on disk {_on_disk(settings)}",
    )  # fmt: skip


def originals(work: Path) -> None:
    settings = Settings(store_dir=work / "originals")
    _upload(settings, _Upload("toll.txt", TOLL))
    (saved,) = [p for p in uploads_dir(settings).rglob("*") if p.is_file()]
    mode = stat.S_IMODE(saved.stat().st_mode)
    remove(Store(settings).article_records()[0].article.id, settings)
    after_delete = _on_disk(settings)
    crashed = uploads_dir(settings) / "20310101T000000000000"
    crashed.mkdir(parents=True)
    (crashed / "half-done.txt").write_text(
        FERRY
    )  # what an upload killed between saving and committing leaves
    _upload(settings, _Upload("ferry.txt", FERRY))
    after_crash = _on_disk(settings)
    _verdict(
        "originals",
        mode == 0o600 and after_delete == [] and after_crash == ["ferry.txt"],
        f"mode {mode:o}; after its article was deleted: {after_delete}; after a crash and the next upload: "
        f"{after_crash}",
    )


CASES: dict[str, Callable[[Path], None]] = {
    "first-visit": first_visit,
    "upload-flood": upload_flood,
    "offline": offline,
    "long-name": long_name,
    "originals": originals,
}
