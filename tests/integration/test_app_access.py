"""Who may do what in the app, driven by AppTest: a visitor sees only the sign-in page; a sign-in lasts
session_hours; a reader is offered no Library and is refused there and behind it (a page script run other
than by the entry script's navigation draws nothing, and a click after the role was lowered is refused);
an editor uploads; an admin adds a user on the Team page. Signing in and out, by password and through an identity provider, run in real Chromium
(tests/e2e/test_signin_e2e.py): AppTest does not replay a page whose entry script declared the pages but ran
none, so these tests start a session already signed in.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from briefing import activity
from briefing.app import VIEWS_DIR, signin, state
from briefing.config import Settings
from briefing.files import write_json
from briefing.store import Store, notebooks
from briefing.users import SignIns, Users
from tests.integration import app_helpers
from tests.integration.app_helpers import APP, ARTICLES, TIMEOUT, app_env, page_text, upload

filled_store = app_helpers.filled_store  # the invented articles' store, a fixture

PASSWORD = "team password 1"


@pytest.fixture
def team(tmp_path: Path) -> Users:
    accounts = Users(tmp_path / "users.json")
    for name, role in (("rita", "reader"), ("ed", "editor"), ("ada", "admin")):
        accounts.add(name, PASSWORD, role)
    return accounts


def _signed_in(script: str, name: str, since: float | None = None) -> AppTest:
    """A session of a tab already signed in as `name` (a real sign-in in the sign-ins file)."""
    at = AppTest.from_file(script, default_timeout=TIMEOUT)
    sign_ins = SignIns(Settings().users_file, Settings().session_hours)
    at.session_state[signin.KEY_TOKEN] = sign_ins.start(name, time.time() if since is None else since)
    return at.run()


def test_with_users_a_visitor_sees_only_the_sign_in_form(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path, tmp_path: Path
) -> None:
    accounts = Users(tmp_path / "users.json")
    accounts.add("rita", "reader password 1", "reader")
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(accounts.path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert [t.value for t in at.title] == ["Sign in"] and not at.chat_input and not at.sidebar.selectbox
    assert "Kessel" not in page_text(at)  # nothing of the library


def test_a_sign_in_lasts_session_hours(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path, tmp_path: Path
) -> None:
    accounts = Users(tmp_path / "users.json")
    accounts.add("rita", "reader password 1", "reader")
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(accounts.path), BRIEFING_SESSION_HOURS="1")
    added = json.loads(accounts.path.read_text())
    added["users"]["rita"]["valid_from"] -= 3 * 3600  # rita was added three hours ago
    write_json(accounts.path, added, private=True)
    fresh = _signed_in(APP, "rita", time.time() - 600)
    assert [t.value for t in fresh.title] == ["Chat"] and fresh.chat_input
    stale = _signed_in(APP, "rita", time.time() - 2 * 3600)
    assert [t.value for t in stale.title] == ["Sign in"] and not stale.chat_input
    accounts.add("ada", "admin password 1", "admin")
    accounts.remove("rita")  # a removed user is signed out at once
    assert [t.value for t in _signed_in(APP, "rita").title] == ["Sign in"]


def test_a_sign_out_elsewhere_a_passwd_or_a_removal_ends_a_tab_already_open_at_its_next_click(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path, team: Users
) -> None:
    """A copied cookie's tab, open before the victim signed out, is signed out at its next click; so is
    every tab of a user whose password changed, or who was removed and added again. (After a sign-out the
    entry script draws the sign-in page, which AppTest does not show: the session's state tells.)"""
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(team.path))
    sign_ins = SignIns(team.path, Settings().session_hours)

    def ended(at: AppTest) -> bool:
        token = at.session_state[signin.KEY_TOKEN]
        at.run()
        return signin.KEY_TOKEN not in at.session_state and at.session_state[signin.KEY_MISSED] == token

    victim = _signed_in(APP, "rita")
    thief = AppTest.from_file(APP, default_timeout=TIMEOUT)
    thief.session_state[signin.KEY_TOKEN] = victim.session_state[signin.KEY_TOKEN]  # the copied cookie
    assert [t.value for t in thief.run().title] == ["Chat"]
    victim.sidebar.button(key="sign_out").click().run()
    assert sign_ins.read() == {}
    assert ended(thief)  # its next click
    before_passwd = _signed_in(APP, "ed")
    assert [t.value for t in before_passwd.title] == ["Chat"]
    time.sleep(0.01)  # the passwd comes after the sign-in on the clock (timestamps, not timing)
    team.passwd("ed", "a new long password")
    assert ended(before_passwd)
    readded = _signed_in(APP, "ada")
    assert [t.value for t in readded.title] == ["Chat"]
    team.remove("ada")
    time.sleep(0.01)
    team.add("ada", PASSWORD, "admin")  # a new account of the same name: the old sign-in is not theirs
    assert ended(readded)
    assert sign_ins.read() == {}  # each ended sign-in is dropped from the file


def test_a_reader_is_offered_no_library_and_is_refused_there_and_behind_it(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path, team: Users
) -> None:
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(team.path))
    reader = _signed_in(APP, "rita")
    assert [t.value for t in reader.title] == ["Chat"]
    with pytest.raises(ValueError, match="Known pages") as offered:
        reader.switch_page("views/library.py")  # not among a reader's pages
    known = str(offered.value).split("Known pages:")[1]
    assert [p for p in ("chat", "notes", "briefs", "library", "team", "settings") if f"/{p}.py" in known] == [
        "chat", "notes", "briefs"
    ]  # fmt: skip
    behind = _signed_in(str(VIEWS_DIR / "library.py"), "rita")  # the page's script run some other way
    assert not behind.title and not behind.file_uploader and not behind.button  # draws nothing at all
    reader.switch_page("views/briefs.py").run()
    assert "Drafting briefs needs the editor role" in page_text(reader)
    assert not [b for b in reader.button if b.label == "Draft brief"]


def test_an_editor_uploads_and_a_click_after_the_role_was_lowered_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, team: Users
) -> None:
    app_env(monkeypatch, tmp_path / "store", BRIEFING_USERS_FILE=str(team.path))
    editor = _signed_in(APP, "ed")
    editor.switch_page("views/library.py").run()
    editor.text_input(key="upload_outlet").set_value("Silesian Wire")
    editor.date_input(key="upload_date").set_value(date(2031, 5, 20))
    upload(editor, ("ferry.txt", ARTICLES["kessel-ferry.txt"][2].encode()))
    assert "added" in editor.success[0].value
    (entry,) = activity.recent(Settings(store_dir=tmp_path / "store"))
    assert (entry["who"], entry["action"]) == ("ed", "upload")
    (article_id,) = editor.dataframe[0].value["id"]
    editor.selectbox(key="delete_choice").set_value(article_id).run()
    editor.checkbox(key="delete_sure").check().run()
    team.set_role("ed", "reader")  # an admin lowers the role while the page is open
    editor.button(key="delete_article").click().run()
    assert [t.value for t in editor.title] == ["Chat"]  # the Library is no longer run for a reader
    assert len(Store(Settings(store_dir=tmp_path / "store")).article_records()) == 1  # nothing deleted
    assert [e["action"] for e in activity.recent(Settings(store_dir=tmp_path / "store"))] == ["upload"]


def test_an_admin_adds_a_user_on_the_team_page_and_others_may_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, team: Users
) -> None:
    app_env(monkeypatch, tmp_path / "store", BRIEFING_USERS_FILE=str(team.path))
    behind = _signed_in(str(VIEWS_DIR / "team.py"), "ada")  # even an admin's, run not by the navigation
    assert not behind.title and not behind.text_input and not behind.dataframe
    admin = _signed_in(APP, "ada")
    admin.switch_page("views/team.py").run()
    assert not admin.exception and list(admin.dataframe[0].value["name"]) == ["rita", "ed", "ada"]
    admin.text_input(key="team_name").set_value("nina")
    admin.selectbox(key="team_role").set_value("editor")
    admin.text_input(key="team_password").set_value("nina's password 1")
    next(b for b in admin.button if b.label == "Add user").click().run()
    assert not admin.exception and "Added nina (editor)." in page_text(admin).replace("\\", "")
    assert Users(team.path).verify("nina", "nina's password 1").role == "editor"
    (entry,) = activity.recent(Settings(store_dir=tmp_path / "store"))
    assert (entry["who"], entry["action"], entry["name"], entry["role"]) == (
        "ada",
        "users add",
        "nina",
        "editor",
    )
    assert "nina's password 1" not in activity.log_path(Settings(store_dir=tmp_path / "store")).read_text()
    admin.selectbox(key="team_remove").set_value("nina").run()
    admin.checkbox(key="team_remove_sure").check().run()
    admin.button(key="team_remove_go").click().run()
    assert "nina" not in Users(team.path).all() and "Removed nina." in page_text(admin).replace("\\", "")


def test_a_deployment_where_nobody_can_sign_in_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, filled_store: Path
) -> None:
    Users(tmp_path / "users.json").add("edna@example.org", None, "admin")  # no provider configured
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(tmp_path / "users.json"),
         BRIEFING_AUTH_FILE=str(tmp_path / "none.toml"))  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert [t.value for t in at.title] == ["Sign in"] and "Nobody can sign in" in at.error[0].value


def test_a_visit_through_a_proxy_is_refused_only_while_neither_the_app_nor_the_proxy_signs_in(
    tmp_path: Path, team: Users
) -> None:
    """The headers Streamlit hands a page (st.context.headers), as nginx's README block forwards them; the
    chain itself runs in tests/e2e/test_deployment_e2e.py."""
    forwarded = {"Host": "briefing.example.org", "X-Forwarded-For": "203.0.113.7"}
    direct = {"Host": "127.0.0.1:8501"}
    open_app = Settings(users_file=tmp_path / "nobody.json", auth_file=tmp_path / "none.toml")
    assert signin.open_through_a_proxy(open_app, forwarded)
    assert signin.open_through_a_proxy(open_app, {"forwarded": "for=203.0.113.7"})  # any case
    assert not signin.open_through_a_proxy(open_app, direct)
    assert not signin.open_through_a_proxy(open_app.model_copy(update={"proxy_signs_in": True}), forwarded)
    gated = open_app.model_copy(update={"users_file": team.path})
    assert not signin.open_through_a_proxy(gated, forwarded)  # the sign-in page takes over


def test_password_guesses_are_slowed_and_a_typed_name_is_logged_cut(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path, team: Users
) -> None:
    """Five wrong passwords for rita, each from a new session: the sixth try, with her right password, is
    refused without being checked (a wait, kept beside the users file); a 100,000-character name is logged
    cut to 40."""
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(team.path))

    def attempt(name: str, password: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        at.text_input(key="signin_name").set_value(name)
        at.text_input(key="signin_password").set_value(password)
        return at.button[0].click().run()

    for _ in range(5):
        assert signin.KEY_TOKEN not in attempt("rita", "not her password").session_state
    refused = attempt("rita", PASSWORD)
    assert signin.KEY_TOKEN not in refused.session_state
    assert [e.value[:39] for e in refused.error] == ["Too many failed sign-ins: try again in "]
    log = activity.recent(Settings(store_dir=filled_store))
    assert [e["action"] for e in log[:6][::-1]] == ["sign-in refused"] * 4 + [
        "sign-in throttled",
        "sign-in refused",
    ]
    # the fifth started the wait; the sixth was not checked, nor logged
    attempt("x" * 100_000, "a guess")
    assert activity.recent(Settings(store_dir=filled_store))[0]["who"] == "x" * 40


@pytest.mark.parametrize("broken", ["directory", "dangling link", "open to others"])
def test_a_broken_users_file_keeps_the_app_shut_with_a_message(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path, tmp_path: Path, broken: str
) -> None:
    """Not "nobody listed", which would open the app to every visitor with sign-in off."""
    users_file = tmp_path / "users.json"
    if broken == "directory":
        users_file.mkdir()
    elif broken == "dangling link":
        users_file.symlink_to(tmp_path / "moved-away.json")
    else:
        Users(users_file).add("ada", PASSWORD, "admin")
        users_file.chmod(0o644)
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(users_file))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.chat_input and "Kessel" not in page_text(at)
    assert str(users_file) in at.error[0].value


def test_a_reader_replaying_the_notebook_picker_with_a_new_name_starts_no_notebook(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path, team: Users
) -> None:
    """The picker's value comes from the browser, which can send any name, not only an offered one."""
    app_env(monkeypatch, filled_store, BRIEFING_USERS_FILE=str(team.path))
    reader = _signed_in(APP, "rita")
    picker = reader.sidebar.selectbox(key="notebook_pick")
    picker.options.append("readers-own")  # what a replayed message can name
    picker.set_value("readers-own").run()
    assert "readers-own" not in notebooks(Store(Settings(store_dir=filled_store)).client)
    assert state.KEY_NOTEBOOK not in reader.session_state  # still in the configured notebook
    editor = _signed_in(APP, "ed")  # a role that may start a notebook does, under a name Chroma accepts
    picker = editor.sidebar.selectbox(key="notebook_pick")
    picker.options.append("Editors Own!")
    picker.set_value("Editors Own!").run()
    assert editor.session_state[state.KEY_NOTEBOOK] == "editors-own"
