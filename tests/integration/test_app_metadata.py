"""An article's outlet, date and title in the app: proposed per file before adding (from the file, or from a
manifest CSV dropped beside it), corrected in the upload table, and mended afterwards in the Library's edit
form, driven by AppTest on an empty store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing import activity
from briefing.config import Settings
from briefing.store import Store
from tests.integration.app_helpers import APP, ARTICLES, TIMEOUT, app_env, upload
from tests.store_fixtures import SEEDS

FERRY = ARTICLES["kessel-ferry.txt"][2]


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AppTest]:
    app_env(monkeypatch, tmp_path / "store")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/library.py").run()
    assert not at.exception
    yield at


def _articles(store: Store) -> set[tuple]:
    return {
        (a.id, a.source, a.published, a.title, a.text)
        for a in (store.get_article(r.article.id) for r in store.article_records())
    }


def test_the_seed_files_dropped_with_their_manifest_are_the_articles_make_demo_ingests(
    library: AppTest, seeded: tuple[Settings, Store], tmp_path: Path
) -> None:
    """`seeded` is `briefing ingest SEEDS --manifest SEEDS/manifest.csv`, as `make demo` runs it."""
    upload(library, *[(p.name, p.read_bytes()) for p in sorted(SEEDS.iterdir())])
    assert not library.exception and not library.error
    rows = library.session_state["upload_proposal"].rows
    assert {r["file"] for r in rows} == {p.name for p in SEEDS.glob("*.txt")}  # the manifest is no article
    nikkei = next(r for r in rows if r["file"].startswith("003_"))
    assert (nikkei["title"], nikkei["outlet"], nikkei["published"]) == (
        "China's Hikvision braces for inclusion on US export blacklist",  # not its section label, "Trade war"
        "Nikkei Asian Review (Financial Times)",
        date(2019, 5, 22),
    )
    assert _articles(Store(Settings(store_dir=tmp_path / "store"))) == _articles(seeded[1])


def test_each_files_title_outlet_and_date_are_set_in_the_upload_table(
    library: AppTest, tmp_path: Path
) -> None:
    wire = "\n".join(
        json.dumps({"title": f"Ferry day {n}", "body": f"The ferry carried {n}00 passengers on day {n}."})
        for n in (1, 2)
    )
    table = {
        "ferry.txt": {"title": "Ferries run again", "outlet": "Silesian Wire", "published": "2031-05-20"},
        "wire.jsonl": {"outlet": "Oder Wire", "published": "2031-05-21"},
    }
    upload(library, ("ferry.txt", FERRY.encode()), ("wire.jsonl", wire.encode()), table=table)
    proposed = library.session_state["upload_proposal"].rows
    assert [(r["file"], r["articles"], r["title"], r["outlet"], r["published"]) for r in proposed] == [
        ("ferry.txt", 1, "Ferry service returns while Kessel bridge is repaired", "", None),
        ("wire.jsonl", 2, "", "", None),
    ]
    stored = {
        (r.article.title, r.article.source, r.article.published)
        for r in Store(Settings(store_dir=tmp_path / "store")).article_records()
    }
    assert stored == {
        ("Ferries run again", "Silesian Wire", date(2031, 5, 20)),
        ("Ferry day 1", "Oder Wire", date(2031, 5, 21)),
        ("Ferry day 2", "Oder Wire", date(2031, 5, 21)),
    }


def test_an_articles_outlet_date_and_title_are_mended_in_the_library(
    library: AppTest, tmp_path: Path
) -> None:
    upload(library, ("ferry.txt", FERRY.encode()))
    (aid,) = library.dataframe[0].value["id"]
    chunks = library.metric[2].value
    library.selectbox(key="edit_choice").set_value(aid).run()
    assert library.text_input(key=f"edit_outlet_{aid}").value == "unknown outlet"
    library.text_input(key=f"edit_outlet_{aid}").set_value("Silesian Wire")
    library.date_input(key=f"edit_date_{aid}").set_value(date(2031, 5, 20))
    library.button(key="edit_save").click().run()
    assert not library.exception and not library.error
    shown = library.success[0].value.replace("\\", "")
    assert (
        shown == f"edited {aid}: source 'unknown outlet' → 'Silesian Wire'; published '(none)' → '2031-05-20'"
    )
    table = library.dataframe[0].value
    assert (table["outlet"][0], table["published"][0]) == ("Silesian Wire", date(2031, 5, 20))
    assert library.metric[2].value == chunks and library.metric[3].value == "1"
    entry = activity.recent(Settings(store_dir=tmp_path / "store"))[0]
    assert (entry["who"], entry["action"], entry["article_id"]) == ("app", "edit", aid)
    assert (entry["old"], entry["new"]) == (
        {"source": "unknown outlet", "published": ""},
        {"source": "Silesian Wire", "published": "2031-05-20"},
    )
    library.switch_page("views/chat.py").run()
    assert library.multiselect(key="filter_outlets").options == ["Silesian Wire"]
