"""What the app's tests share: two invented articles and a store holding them, the app opened on
that store, and the ways a test drives a page (ask, upload) and reads what it shows.

One article carries a <script> tag and markdown-looking links, which must reach the page as text. A test
module gets a fixture by holding it (`app = app_helpers.app`): pytest finds fixtures in the module.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing.app import ENTRY
from briefing.config import Settings
from briefing.ingest import ingest
from tests.recorded import write_articles

APP = str(ENTRY)
TIMEOUT = 120  # first run loads the embedding model; the recorded test runs the full chain

ARTICLES = {
    "kessel-toll.txt": (
        "Ostrava Post",
        date(2031, 4, 2),
        """Kessel bridge toll to rise in April

The Ostrava city council said on Tuesday that the toll on the Kessel bridge will rise to 4 crowns in April <script>alert("pwned")</script> to pay for repairs. Read [the full plan](javascript:alert(1)) and **vote** now.

Council member Ludek Sarna said the repairs would take eighteen months and cost 90 million crowns.""",
    ),
    "kessel-ferry.txt": (
        "Silesian Wire",
        date(2031, 5, 20),
        """Ferry service returns while Kessel bridge is repaired

A ferry service across the Oder river will restart in May while the Kessel bridge is closed for repairs, the transport office said.

The ferry will carry 600 passengers an hour and tickets will cost 2 crowns, transport officer Hana Vlk said.""",
    ),
}


@pytest.fixture(scope="session")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_articles(tmp_path_factory.mktemp("kessel"), ARTICLES)
    store_dir = tmp_path_factory.mktemp("store")
    report = ingest([folder], Settings(store_dir=store_dir), manifest=folder / "manifest.csv", progress=False)
    assert report.ok and len(report.added) == 2, report.failures
    return store_dir


def app_env(monkeypatch: pytest.MonkeyPatch, store_dir: Path, **extra: str) -> None:
    """The app on `store_dir`, answering extractively, with sign-in off unless `extra` configures it (the
    checkout's own users.json or .streamlit/secrets.toml, if a developer made them, are not read)."""
    monkeypatch.setenv("BRIEFING_STORE_DIR", str(store_dir))
    monkeypatch.setenv("BRIEFING_LLM", "extractive")
    monkeypatch.setenv("BRIEFING_USERS_FILE", str(store_dir / "no-users.json"))
    monkeypatch.setenv("BRIEFING_AUTH_FILE", str(store_dir / "no-auth.toml"))
    for k, v in extra.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, filled_store: Path) -> AppTest:
    app_env(monkeypatch, filled_store)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def page_html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def page_text(at: AppTest) -> str:
    parts = [
        str(getattr(e, "value", ""))
        for kind in ("markdown", "caption", "error", "info", "success", "warning", "title", "subheader")
        for e in at.get(kind)
    ]
    return "\n".join(parts) + "\n" + page_html(at)


def upload(at: AppTest, *files: tuple[str, bytes], table: dict[str, dict] | None = None) -> AppTest:
    """Drop `files` on the Library's uploader, change the upload table's cells (`table`: file name ->
    column -> value), and add them."""
    at.file_uploader[0].set_value([(n, data, "text/plain") for n, data in files]).run()
    if table:
        proposal = at.session_state["upload_proposal"]
        row = {r["file"]: i for i, r in enumerate(proposal.rows)}
        edits = {row[name]: cells for name, cells in table.items()}
        at.session_state[f"upload_table_{proposal.key}"] = {
            "edited_rows": edits,
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
    at.button(key="add_uploads").click().run()
    assert not at.exception, at.exception
    return at
