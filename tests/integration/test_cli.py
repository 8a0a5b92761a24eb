"""The `briefing` command end to end, in process (click's runner), on an embedded store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from briefing import activity
from briefing.cli import main
from briefing.config import Settings
from briefing.store import Store
from tests.store_fixtures import SEEDS


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ingest_list_search_remove(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    code, out, err = run("ingest", str(SEEDS), "--manifest", str(SEEDS / "manifest.csv"), "--store", store)
    assert code == 0, err
    assert "5 articles added" in out and "0 failed" in out

    code, out, _ = run("articles", "--json", "--store", store)
    listed = json.loads(out)
    assert {a["source"] for a in listed} >= {"Al Jazeera", "South China Morning Post"}
    assert all({"id", "title", "source", "published", "chunks", "duplicate_of"} <= a.keys() for a in listed)

    code, out, _ = run("search", "Pierre-Richard Prosper human rights", "-k", "2", "--json", "--store", store)
    hits = json.loads(out)
    assert code == 0 and [h["rank"] for h in hits] == [1, 2]
    assert {
        "rank",
        "score",
        "chunk_id",
        "article_id",
        "title",
        "outlet",
        "published",
        "url",
        "path",
        "text",
    } <= hits[0].keys()
    assert "Prosper" in hits[0]["text"]

    code, out, _ = run(
        "search", "Prosper", "--source", "al jazeera", "--until", "2019-05-22", "--store", store
    )
    assert code == 0 and "Al Jazeera" in out

    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "a", "query": "Nick Marro EIU"})
        + "\n"
        + json.dumps({"id": "b", "query": "Hikvision", "since": "2020-01-01"})
        + "\n"
    )
    code, out, _ = run("search", "--batch", str(queries), "-k", "3", "--json", "--store", store)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], len(r["hits"])) for r in lines] == [("a", 3), ("b", 0)]

    gone = listed[0]["id"]
    code, out, _ = run("remove", gone, "--store", store)
    assert code == 0 and f"removed {gone}" in out
    code, out, _ = run("stats", "--json", "--store", store)
    assert json.loads(out)["articles"] == 4
    code, _, err = run("remove", gone, "--store", store)
    assert code == 2 and "no article with id" in err


def test_failures_give_exit_code_1_and_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Dam opens\n\nThe new dam opened on Tuesday after years of delay.\n")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    code, out, err = run(
        "ingest", str(tmp_path), "--store", str(tmp_path / "store"), "--source", "Local Paper"
    )
    assert code == 1
    assert "bad.pdf" in err and "1 articles added" in out
    assert Store(Settings(store_dir=tmp_path / "store")).article_records()[0].article.source == "Local Paper"


def test_search_on_an_empty_store_says_how_to_fill_it(tmp_path: Path) -> None:
    code, _, err = run("search", "anything", "--store", str(tmp_path / "empty"))
    assert code == 2 and "briefing ingest" in err


def test_bad_date_names_the_option(tmp_path: Path) -> None:
    code, _, err = run("search", "x", "--since", "22/05/2019", "--store", str(tmp_path / "s"))
    assert code == 2 and "22/05/2019" in err


def test_a_manifest_row_applies_only_to_the_file_it_names(tmp_path: Path) -> None:
    """Two different articles called a.txt: the row names the one beside the manifest; the other is an
    error naming both files, not a second article silently given the same title, outlet and date."""
    for folder, body in (
        ("x", "The Kessel bridge toll rises to four euros in May, the council said."),
        ("y", "Valdoria's harbour dredging contract went to a Dutch firm on Monday."),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text(f"Headline {folder}\n\n{body} " * 3)
    manifest = tmp_path / "x" / "manifest.csv"
    manifest.write_text("file,title,source,published\na.txt,Toll rises,Kessel Courier,2024-03-05\n")
    store = str(tmp_path / "store")
    code, out, err = run(
        "ingest",
        str(tmp_path / "x" / "a.txt"),
        str(tmp_path / "y" / "a.txt"),
        "--manifest",
        str(manifest),
        "--source",
        "Other",
        "--store",
        store,
    )
    assert code == 1
    assert "1 articles added" in out and "1 failed" in out
    assert str(tmp_path / "y" / "a.txt") in out + err and str(tmp_path / "x" / "a.txt") in out + err
    listed = json.loads(run("articles", "--json", "--store", store)[1])
    assert [(a["title"], a["source"]) for a in listed] == [("Toll rises", "Kessel Courier")]


def test_oversized_inputs_are_refused_by_name_and_the_rest_goes_on(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "huge.txt").write_bytes(b"word " * 250_000)  # 1.2 MB, one line
    (folder / "long.txt").write_text("Headline\n\n" + "The council met again. " * 8_000)  # 32,000 words
    (folder / "fine.txt").write_text(
        "Toll rises\n\n" + "The Kessel bridge toll rises to four euros in May. " * 3
    )
    monkeypatch.setenv("BRIEFING_MAX_FILE_MB", "1")
    code, out, err = run("ingest", str(folder), "--source", "Kessel Courier", "--store", str(tmp_path / "s"))
    assert code == 1 and "1 articles added" in out and "2 failed" in out
    said = out + err
    assert (
        f"{folder / 'huge.txt'}: 1.2 MB is over the 1 MB limit for an article file (setting max_file_mb)"
        in said
    )
    assert f"{folder / 'long.txt'}: 32,000 words is over the limit of 30,000 per article" in said


def test_the_limits_are_settings(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\n" + "The council met again. " * 30)  # 120 words
    monkeypatch.setenv("BRIEFING_MAX_ARTICLE_WORDS", "100")
    code, out, err = run("ingest", str(tmp_path / "a.txt"), "--source", "K", "--store", str(tmp_path / "s"))
    assert code == 1 and "120 words is over the limit of 100 per article" in out + err


def test_a_misspelt_setting_is_named_with_its_likely_meaning(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BRIEFING_STORE", str(tmp_path / "meant"))
    code, out, err = run("stats", "--store", str(tmp_path / "s"))
    assert "warning: BRIEFING_STORE is not a briefing setting (did you mean BRIEFING_STORE_DIR?)" in err


def test_briefs_are_kept_listed_and_reopened(seeded, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seeded[0].store_dir, store)  # the shared store stays read-only
    code, out, err = run(
        "brief", "US blacklisting of Hikvision", "--llm", "extractive", "--store", str(store)
    )
    assert code == 0 and out.startswith("# Policy brief: US blacklisting of Hikvision") and "kept as " in err
    code, listed, _ = run("briefs", "--store", str(store))
    assert (
        code == 0
        and listed.startswith("[1] ")
        and "topic  Policy brief: US blacklisting of Hikvision" in listed
    )
    assert run("briefs", "--show", "1", "--store", str(store))[1] == out
    (entry,) = json.loads(run("briefs", "--json", "--store", str(store))[1])
    assert entry["kind"] == "topic" and Path(entry["path"]).read_text() == out
    code, _, err = run("briefs", "--show", "2", "--store", str(store))
    assert code == 2 and "there are 1 briefs" in err


def test_the_guide_says_what_the_store_holds_and_what_to_ask(seeded, tmp_path: Path) -> None:
    code, out, _ = run("guide", "--store", str(seeded[0].store_dir), "--json")
    guide = json.loads(out)
    assert code == 0 and guide["articles"] == 5 and len(guide["leads"]) == 5
    assert guide["questions"][0] == "What did Hikvision say?" and len(guide["questions"]) >= 3  # quoted most
    # What the seeds are about (issue 27): each of the first three asks about one of their main actors.
    main_actors = ("Hikvision", "administration", "Commerce Department", "Foreign Ministry", "lawmakers")
    assert all(any(a in q for a in main_actors) for q in guide["questions"][:3]), guide["questions"]


def test_the_app_is_not_served_beyond_this_machine_without_sign_in(tmp_path: Path) -> None:
    code, _, err = run("app", "--store", str(tmp_path / "store"), "--server.address", "0.0.0.0")
    assert code == 2 and "not serving on 0.0.0.0 without sign-in" in err and "briefing users add" in err
    assert "identity provider" in err  # the other way to sign in


def test_changes_go_into_the_activity_log_and_reads_do_not(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (tmp_path / "a.txt").write_text(
        "Ports reopen\n\nThe harbour authority said ships may dock again from Monday."
    )
    assert run("ingest", str(tmp_path / "a.txt"), "--store", str(store), "--source", "Local Paper")[0] == 0
    run("articles", "--store", str(store))
    run("feeds", "add", "http://127.0.0.1:9/rss.xml", "--store", str(store))
    entries = activity.recent(Settings(store_dir=store))
    assert [e["action"] for e in entries] == ["feeds add", "ingest"]
    assert entries[1]["who"] == activity.operator() and entries[1]["source"] == "Local Paper"


def test_as_user_logs_the_team_member_beside_the_machines_user(tmp_path: Path) -> None:
    store, users = tmp_path / "store", tmp_path / "users.json"
    env = {"BRIEFING_USERS_FILE": str(users)}
    (tmp_path / "a.txt").write_text(
        "Ports reopen\n\nThe harbour authority said ships may dock again from Monday."
    )
    result = CliRunner(env=env).invoke(main, ["users", "add", "edna@example.org", "--idp", "--role", "editor",
                                              "--store", str(store)])  # fmt: skip
    assert result.exit_code == 0 and "(identity provider)" in result.stdout, result.stderr
    ingest_a = ["ingest", str(tmp_path / "a.txt"), "--store", str(store), "--source", "Local Paper"]
    refused = CliRunner(env=env).invoke(main, [*ingest_a, "--as", "nobody"])
    assert refused.exit_code == 2 and "--as nobody: no such user" in refused.stderr
    assert CliRunner(env=env).invoke(main, [*ingest_a, "--as", "edna@example.org"]).exit_code == 0
    entries = activity.recent(Settings(store_dir=store))
    assert [(e["who"], e["action"]) for e in entries] == [
        ("edna@example.org", "ingest"),
        (activity.operator(), "users add"),
    ]
    assert entries[0]["operator"] == activity.operator() and "operator" not in entries[1]
