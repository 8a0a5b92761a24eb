"""A browser's own conversations where nobody signs in: the id its cookie carries is accepted only in the
shape briefing makes (it names a folder), each browser's list is its own under conversations/browsers/,
and the deployment's earlier list stays readable for every browser without any of them changing it."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from briefing.app import browser
from briefing.app.conversations import Conversation, Conversations, Exchange
from briefing.config import Settings


def _asked(question: str) -> Conversation:
    conv = Conversation.new()
    conv.exchanges.append(Exchange(question, text="It said so [1]."))
    return conv


def test_only_an_id_of_the_shape_briefing_makes_is_accepted() -> None:
    made = browser.new_id()
    assert browser.valid_id(made) == made and len(made) == 43 and browser.new_id() != made
    for bad in (None, 42, "", made[:-1], made + "A", "../" + made[3:], made[:-1] + ".", made[:-1] + "/",
                made[:-1] + "%", made[:-1] + "\n", "users/rita", " " + made[1:]):  # fmt: skip
        assert browser.valid_id(bad) is None, bad
    script = browser.cookie_script(browser.COOKIE, made, browser.MAX_AGE)
    assert f"briefing_browser={made}; Max-Age=31536000; Path=/; SameSite=Lax" in script
    with pytest.raises(ValueError):
        browser.cookie_script(browser.COOKIE, "x'; alert(1); '", browser.MAX_AGE)


def test_a_browsers_conversations_are_its_own_and_never_under_users(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "store")
    one, other = browser.new_id(), browser.new_id()
    mine, theirs = Conversations(settings, browser=one), Conversations(settings, browser=other)
    assert mine.folder == settings.store_dir / "conversations" / "browsers" / one
    conv = _asked("What did the council say?")
    mine.save(conv)
    assert [c.id for c in mine.list()] == [conv.id] and theirs.list() == [] and theirs.load(conv.id) is None
    assert Conversations(settings, owner="rita").list() == []  # a signed-in user's list is apart
    for bad in ("../../users/rita", "", "rita", one[:-1] + "/"):
        with pytest.raises(ValueError):
            Conversations(settings, browser=bad)


def test_the_deployments_earlier_conversations_are_offered_to_every_browser_read_only(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "store")
    earlier = _asked("How much will the toll rise?")
    Conversations(settings).save(earlier)  # kept before each browser had its own list
    mine, theirs = (
        Conversations(settings, browser=browser.new_id()),
        Conversations(settings, browser=browser.new_id()),
    )
    (listed,) = mine.list()
    assert listed.id == earlier.id and listed.shared and listed.label.endswith(" · shared")
    opened = mine.load(earlier.id)
    assert opened.shared and opened.exchanges[0].question == "How much will the toll rise?"

    opened.exchanges.append(Exchange("And when?", text="In April [1]."))
    mine.save(opened)  # a follow-up: this browser's own copy, under a new id
    assert opened.id != earlier.id and not opened.shared
    assert {(c.id, c.shared) for c in mine.list()} == {(earlier.id, True), (opened.id, False)}
    assert len(Conversations(settings).load(earlier.id).exchanges) == 1  # the original as it was
    assert [c.id for c in theirs.list()] == [earlier.id]  # the copy is not another browser's to see
    mine.delete(earlier.id)
    assert Conversations(settings).load(earlier.id) is not None  # a browser cannot remove it
    assert Conversations(settings, owner="rita").list() == []  # signed-in users: their own list, as before


class _FakeStreamlit(SimpleNamespace):
    """The few parts of Streamlit browser_id uses: the connection's cookies, session state, st.html."""

    def __init__(self, cookies: dict[str, str]):
        super().__init__(context=SimpleNamespace(cookies=cookies), session_state={}, shown=[])

    def html(self, body: str, unsafe_allow_javascript: bool = False) -> None:
        self.shown.append(body)

    def container(self, key: str) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()


def test_the_cookies_id_is_used_and_a_missing_or_forged_one_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = browser.new_id()
    st = _FakeStreamlit({browser.COOKIE: kept})
    monkeypatch.setattr(browser, "st", st)
    assert browser.browser_id() == kept
    assert any(f"{browser.COOKIE}={kept};" in shown for shown in st.shown)  # kept another year
    assert not any("location.reload()" in shown for shown in st.shown)  # its own id: nothing to take up
    st.shown.clear()
    assert browser.browser_id() == kept and st.shown == []  # the browser has it: once a visit is enough

    for cookies in ({}, {browser.COOKIE: "../../users/rita"}):
        st = _FakeStreamlit(cookies)
        monkeypatch.setattr(browser, "st", st)
        made = browser.browser_id()
        assert browser.valid_id(made) and made != kept
        assert browser.browser_id() == made  # the same for the rest of this session
        assert any(
            f"{browser.COOKIE}={made};" in shown and "location.reload()" in shown for shown in st.shown
        )
