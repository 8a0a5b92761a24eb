"""`briefing weekly` over two weeks, then `briefing stories`, end to end on invented articles: the packaged
embedder with the default thresholds, an embedded Chroma store and the extractive writer."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from briefing.cli import main
from briefing.config import Settings
from briefing.ingest import ingest
from tests.recorded import write_articles
from tests.two_weeks import ARTICLES, ROUNDUP_TITLE


def _cli(store: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--store", str(store)])
    return result.exit_code, result.stdout, result.stderr


def test_weekly_briefs_file_their_stories_and_stories_lists_them(tmp_path: Path) -> None:
    store = tmp_path / "store"
    folder = write_articles(tmp_path / "articles", ARTICLES)
    assert ingest([folder], Settings(store_dir=store), manifest=folder / "manifest.csv", progress=False).ok
    code, out, err = _cli(store, "stories")
    assert code == 0 and "no stories kept yet" in out
    for week in ("2031-W10", "2031-W11"):
        code, out, err = _cli(store, "weekly", "--week", week, "--llm", "extractive")
        assert code == 0, err
    assert "## Since last week" in out and "(continuing since 2031-W10)" in out

    code, out, err = _cli(store, "stories", "--json")
    assert code == 0, err
    kept = json.loads(out)
    rail = next(k for k in kept if "freight" in k["title"].lower())
    assert (rail["first_week"], rail["last_week"]) == ("2031-W10", "2031-W11")
    assert [w["week"] for w in rail["weeks"]] == ["2031-W10", "2031-W11"]
    assert {o for w in rail["weeks"] for o in w["outlets"]} == {"Ostrava Post", "Silesian Wire"}
    assert all(len(w["articles"]) == 2 for w in rail["weeks"])
    assert not any(ROUNDUP_TITLE == w["title"] for k in kept for w in k["weeks"])
    assert len(kept) == 3  # the strike, the harbour (week 1), the museum (week 2)

    code, out, _ = _cli(store, "stories", "--since", "2031-03-12")
    assert code == 0 and "Gdansk" not in out and f"{rail['id']}  " in out
    assert "    2031-W10: 2 article(s); " in out
