"""Editing a stored article's outlet, date and title in place: the record, its passages, the notes it left on
passages it reprints and the search indexes all follow, and nothing is re-chunked or re-embedded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pytest
from click.testing import CliRunner

from briefing import activity
from briefing.cli import main
from briefing.config import Settings
from briefing.edit import edit_article
from briefing.ingest import ingest
from briefing.retrieve import Filters, Retriever
from briefing.store import Store
from tests.store_fixtures import SEEDS

OLD, NEW = "Al Jazeera", "Al Jazeera English"
QUESTION = "Hikvision human rights concerns"


def _found(settings: Settings, filters: Filters) -> set[str]:
    return {h.chunk.article_id for h in Retriever(Store(settings), settings).search(QUESTION, 20, filters)}


def test_an_edited_outlet_date_and_title_reach_every_copy_of_the_metadata_and_the_search_filters(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert ingest([SEEDS], settings, manifest=SEEDS / "manifest.csv", progress=False).ok
    store = Store(settings)
    aid = next(r.article.id for r in store.article_records() if r.article.source == OLD)
    before = store.chunks.get(include=["embeddings", "documents"])
    assert aid in _found(settings, Filters(outlets=(OLD,)))

    edit = edit_article(aid, settings, source=NEW, published=date(2019, 5, 23), title="Hikvision answers")
    assert edit.old == {
        "source": OLD,
        "published": "2019-05-22",
        "title": store.article_record(aid).article.title,
    }
    assert edit.new == {"source": NEW, "published": "2019-05-23", "title": "Hikvision answers"}

    fresh = Store(settings)  # what another process reads: from Chroma and the rebuilt index cache
    after = fresh.chunks.get(include=["embeddings", "documents"])
    assert after["ids"] == before["ids"] and after["documents"] == before["documents"]
    assert np.array_equal(after["embeddings"], before["embeddings"])  # not re-embedded
    record = fresh.article_record(aid)
    assert (record.article.source, record.article.published, record.article.title) == (
        NEW, date(2019, 5, 23), "Hikvision answers",
    )  # fmt: skip
    assert record.chunks == len(fresh.article_chunks(aid)) == store.article_record(aid).chunks
    assert {(c.source, c.published, c.title) for c in fresh.article_chunks(aid)} == {
        (NEW, date(2019, 5, 23), "Hikvision answers")
    }
    # Al Jazeera reprints a passage the Nikkei piece holds: that passage now names the new outlet.
    reprinted = [c for r in fresh.article_records() for c in fresh.article_chunks(r.article.id) if c.carriers]
    carried = [c for c in reprinted if any(x.article_id == aid for x in c.carriers)]
    assert carried and all(NEW in c.outlets and OLD not in c.outlets for c in carried)
    assert fresh.outlets().count(NEW) == 1 and OLD not in fresh.outlets()

    assert aid in _found(settings, Filters(outlets=(NEW,)))
    assert aid not in _found(settings, Filters(outlets=(OLD,)))
    assert _found(settings, Filters(since=date(2019, 5, 23))) == {aid}
    assert aid not in _found(settings, Filters(until=date(2019, 5, 22)))


def test_an_edit_that_changes_nothing_leaves_the_store_alone_and_bad_edits_are_refused(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert ingest([SEEDS / "004_7429f206eed36188.txt"], settings, source=OLD, progress=False).ok
    store = Store(settings)
    aid = store.article_records()[0].article.id
    generation = store.generation
    assert edit_article(aid, settings, source=f" {OLD} ").summary() == f"{aid}: nothing to change"
    assert Store(settings).generation == generation
    with pytest.raises(KeyError):
        edit_article("0123456789abcdef", settings, source=NEW)
    with pytest.raises(ValueError, match="outlet cannot be empty"):
        edit_article(aid, settings, source="  ")


def test_the_file_added_again_under_its_edited_outlet_is_the_stored_article_not_a_copy(
    make_settings: Callable[..., Settings],
) -> None:
    """The id was made from the outlet the article was stored under: after an edit, the same file with the
    new outlet gives another id, and must still be seen as the article already stored."""
    settings = make_settings()
    file = SEEDS / "004_7429f206eed36188.txt"
    assert ingest([file], settings, progress=False).ok  # no outlet: "unknown outlet"
    aid = Store(settings).article_records()[0].article.id
    edit_article(aid, settings, source=OLD)
    again = ingest([file], settings, source=OLD, progress=False)
    assert not again.added and [s.stored_as for s in again.skipped] == [aid]


def test_briefing_edit_changes_the_article_logs_old_and_new_and_refuses_clearly(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert ingest([SEEDS / "004_7429f206eed36188.txt"], settings, progress=False).ok
    aid = Store(settings).article_records()[0].article.id
    where = ["--store", str(settings.store_dir), "--collection", settings.collection]
    cli = CliRunner(env={"BRIEFING_EMBEDDING": settings.embedding})

    done = cli.invoke(main, ["edit", aid, "--source", OLD, "--date", "2019-05-22", *where])
    assert done.exit_code == 0, done.stderr
    assert done.stdout.strip() == (
        f"edited {aid}: source 'unknown outlet' → 'Al Jazeera'; published '(none)' → '2019-05-22'"
    )
    article = Store(settings).article_record(aid).article
    assert (article.source, article.published) == (OLD, date(2019, 5, 22))
    (entry,) = activity.recent(settings)
    assert (entry["action"], entry["article_id"], entry["exit"]) == ("edit", aid, 0)
    assert entry["old"] == {"source": "unknown outlet", "published": ""}
    assert entry["new"] == {"source": OLD, "published": "2019-05-22"}

    unknown = cli.invoke(main, ["edit", "0123456789abcdef", "--title", "x", *where])
    assert unknown.exit_code == 2 and "no article with id 0123456789abcdef" in unknown.stderr
    bad_date = cli.invoke(main, ["edit", aid, "--date", "22/05/2019", *where])
    assert bad_date.exit_code == 2 and "'22/05/2019' is not a date like 2019-05-22" in bad_date.stderr
    nothing = cli.invoke(main, ["edit", aid, *where])
    assert nothing.exit_code == 2 and "give at least one of --source, --date and --title" in nothing.stderr
    empty = cli.invoke(main, ["edit", aid, "--title", " ", *where])
    assert empty.exit_code == 2 and "the title cannot be empty" in empty.stderr
