"""Saved conversations on disk: written whole, listed newest first, a damaged file skipped, and never a
path built from what a URL names."""

from __future__ import annotations

from pathlib import Path

from briefing.app.conversations import Conversation, Conversations, Exchange, to_markdown
from briefing.config import Settings


def _kept(tmp_path: Path) -> Conversations:
    return Conversations(Settings(store_dir=tmp_path / "store"))


def test_saved_listed_reopened_and_deleted(tmp_path: Path) -> None:
    kept = _kept(tmp_path)
    conv = Conversation.new()
    conv.exchanges.append(Exchange("What did the council say?", text="The toll rises [1].", filters="all articles",
                                   sources=[{"n": 1, "title": "Toll", "outlets": ["Post"], "quote": "q",
                                             "url": None, "published": "2031-04-02"}]))  # fmt: skip
    kept.save(conv)
    (kept.folder / "damaged.json").write_text("{")
    assert [c.title for c in kept.list()] == ["What did the council say?"]  # named by its first question
    back = kept.load(conv.id)
    assert back.exchanges[0].text == "The toll rises [1]." and back.exchanges[0].answer is None
    assert "[1] Toll. Post, 2031-04-02." in to_markdown(back)
    assert not list(kept.folder.glob("*.tmp"))
    kept.delete(conv.id)
    assert kept.load(conv.id) is None


def test_a_conversation_id_from_a_url_never_names_another_file(tmp_path: Path) -> None:
    kept = _kept(tmp_path)
    secret = tmp_path / "store" / "secret.json"
    secret.parent.mkdir(parents=True)
    secret.write_text('{"id": "x", "title": "t", "created": "", "updated": "", "exchanges": []}')
    assert kept.load("../secret") is None and kept.load("secret") is None


def test_a_signed_in_users_conversations_are_their_own(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "store")
    mine, theirs = Conversations(settings, owner="rita"), Conversations(settings, owner="ed")
    conv = Conversation.new()
    conv.exchanges.append(Exchange("What did the council say?", text="It said so [1]."))
    mine.save(conv)
    assert [c.id for c in mine.list()] == [conv.id] and theirs.list() == [] and theirs.load(conv.id) is None
    assert (
        Conversations(settings, owner="../../x").folder.parent
        == settings.store_dir / "conversations" / "users"
    )
