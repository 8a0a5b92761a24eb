"""Sign-in in real Chromium: `briefing app` with a users file shows a visitor only the sign-in form; a wrong
password is refused; a reader gets the chat but no Library, not even by its address; a reload keeps the
sign-in; sign-out ends it and drops the cookie, which signs nobody in after (a tab already open with a
copy is signed out at its next click, a browser that still sends it is told to drop it); a page asked for by its URL while signed out shows the sign-in form instead; an
admin adds an editor on the Team page. Through a real OpenID Connect provider: an editor listed by email
signs in with that email verified (and is bound to that account) and out; another account with the
admin's or the editor's email, unverified or not bound, signs in as neither; someone the team does not
list is told so and offered nothing; and the app serves beyond 127.0.0.1 with it configured."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from briefing.users import Users
from tests.e2e.harness import CHROMIUM, FLAGS, WAIT_MS, cookie_gone
from tests.store_fixtures import free_port, serving

PASSWORD = "reader password 1"
ADMIN_PASSWORD = "admin password 1"


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("signin")
    Users(tmp / "users.json").add("rita", PASSWORD, "reader")
    Users(tmp / "users.json").add("ada", ADMIN_PASSWORD, "admin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFING_", "OPENAI_"))}
    env |= {"BRIEFING_LLM": "extractive", "BRIEFING_CONFIG": str(tmp / "none.toml"),
            "BRIEFING_USERS_FILE": str(tmp / "users.json")}  # fmt: skip
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("briefing")), "app", "--server.headless", "true",
           "--server.port", str(port)]  # fmt: skip
    with serving(cmd, port, "/_stcore/health", tmp / "streamlit.log", cwd=tmp, env=env) as url:
        yield url


def test_sign_in_out_and_a_readers_pages(signed_app: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page()
        page.goto(signed_app)
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # no pages offered
        page.get_by_label("Name", exact=True).fill("rita")
        page.get_by_label("Password", exact=True).fill("not her password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("That name and password do not match.")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("h1")).to_have_text(["Sign in"])
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("h1")).to_have_text(["Chat"], timeout=WAIT_MS)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Chat", exact=True)).to_be_visible()
        expect(nav.get_by_text("Library", exact=True)).to_have_count(0)  # a reader: no uploads or deletes
        expect(page.get_by_text("Signed in as rita (reader)")).to_be_visible()
        page.reload()  # a new session: the sign-in cookie names the sign-in
        expect(page.get_by_text("Signed in as rita (reader)")).to_be_visible(timeout=WAIT_MS)
        copied = [c for c in browser.cookies() if c["name"] == "briefing_signin"]
        assert copied and copied[0]["path"] == "/"
        page.goto(f"{signed_app}/library")  # the reader asks for the Library by its address
        expect(page.get_by_role("dialog")).to_contain_text("Page not found", timeout=WAIT_MS)
        expect(page.locator("h1")).to_have_text(["Chat"], timeout=WAIT_MS)  # the main page instead
        expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
        with tempfile.TemporaryDirectory() as open_profile:  # a tab open with the copied cookie before...
            open_tab = p.chromium.launch_persistent_context(
                open_profile, executable_path=str(CHROMIUM), args=FLAGS
            )
            open_tab.add_cookies(copied)
            held = open_tab.new_page()
            held.goto(signed_app)
            expect(held.get_by_text("Signed in as rita (reader)")).to_be_visible(timeout=WAIT_MS)
            page.get_by_role("button", name="Sign out").click()  # ...the victim signs out
            expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
            held.get_by_test_id("stSidebarNav").get_by_text("Notes", exact=True).click()  # its next click
            expect(held.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
            open_tab.close()
        assert cookie_gone(browser, "briefing_signin")  # forgotten
        page.goto(f"{signed_app}/library")
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        with tempfile.TemporaryDirectory() as other_profile:  # the cookie copied before the sign-out
            thief = p.chromium.launch_persistent_context(
                other_profile, executable_path=str(CHROMIUM), args=FLAGS
            )
            thief.add_cookies(copied)
            stolen = thief.new_page()
            stolen.goto(signed_app)
            expect(stolen.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
            assert cookie_gone(thief, "briefing_signin")  # an ended sign-in's cookie is dropped, not kept
            thief.close()

        # An admin adds an editor on the Team page, who can then sign in and reach the Library.
        _sign_in(page, "ada", ADMIN_PASSWORD)
        page.get_by_test_id("stSidebarNav").get_by_text("Team", exact=True).click()
        expect(page.locator("h1")).to_have_text(["Team"], timeout=WAIT_MS)
        page.get_by_label("Name (the email", exact=False).fill("nina")
        page.get_by_test_id("stForm").first.get_by_test_id("stSelectbox").click()  # the new user's role
        page.get_by_role("option", name="editor").click()
        page.get_by_label("Password (at least", exact=False).fill("nina password 1")
        page.get_by_role("button", name="Add user").click()
        expect(page.get_by_text("Added nina (editor).")).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("button", name="Sign out").click()
        _sign_in(page, "nina", "nina password 1")
        expect(page.get_by_text("Signed in as nina (editor)")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav").get_by_text("Library", exact=True)).to_be_visible()
        browser.close()


def _sign_in(page: object, name: str, password: str) -> None:
    expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name} (")).to_be_visible(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def idp_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """`briefing app` signing people in through a real OpenID Connect provider on localhost (the
    oidc-provider-mock package: discovery, authorisation form, signed ID tokens with the claims set for
    each of its users, end of session); yields the app's URL, its folder and the provider's URL."""
    tmp = tmp_path_factory.mktemp("idp")
    Users(tmp / "users.json").add("edna@example.org", None, "editor")
    Users(tmp / "users.json").add("ada@example.org", None, "admin")
    idp_port, port = free_port(), free_port()
    idp = [sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port)]
    (tmp / "auth.toml").write_text(
        f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\ncookie_secret = "{"s3cret" * 8}"\n'
        f'client_id = "briefing"\nclient_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFING_", "OPENAI_"))}
    env |= {
        "BRIEFING_LLM": "extractive",
        "BRIEFING_CONFIG": str(tmp / "none.toml"),
        "BRIEFING_USERS_FILE": str(tmp / "users.json"),
        "BRIEFING_AUTH_FILE": str(tmp / "auth.toml"),
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }  # fmt: skip  (the provider here speaks plain HTTP)
    cmd = [
        str(Path(sys.executable).with_name("briefing")),
        "app",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "0.0.0.0",
    ]  # fmt: skip  (served: sign-in is on)
    with (
        serving(idp, idp_port, "/.well-known/openid-configuration", tmp / "idp.log", env=env) as idp_url,
        serving(cmd, port, "/_stcore/health", tmp / "streamlit.log", cwd=tmp, env=env) as url,
    ):
        yield url, tmp, idp_url


def _provider_user(idp_url: str, sub: str, **claims: object) -> None:
    """Give the provider's account `sub` these ID-token claims (the mock's own PUT /users/<sub>)."""
    put = urllib.request.Request(
        f"{idp_url}/users/{sub}",
        json.dumps(claims).encode(),
        {"Content-Type": "application/json"},
        method="PUT",
    )
    urllib.request.urlopen(put, timeout=10).read()


def _through_provider(page: object, url: str, sub: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in with your organisation's account").click()
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_an_email_the_provider_did_not_verify_or_bind_signs_in_as_nobody(
    idp_app: tuple[str, Path, str],
) -> None:
    """The "nOAuth" attack: an account whose email claim is the admin's, unverified, is not the admin; and
    once edna's verified email bound her account, another account claiming that email is not edna."""
    from playwright.sync_api import sync_playwright

    url, tmp, idp_url = idp_app
    _provider_user(idp_url, "mallory", email="ada@example.org", email_verified=False)
    _provider_user(idp_url, "edna-1", email="edna@example.org", email_verified=True)
    _provider_user(idp_url, "edna-2", email="edna@example.org", email_verified=True)
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page()
        _through_provider(page, url, "mallory")
        expect(
            page.get_by_text("mallory signed in through the identity provider but is not a user")
        ).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        _through_provider(page, url, "edna-1")
        expect(page.get_by_text("Signed in as edna@example.org (editor)")).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()
        _through_provider(page, url, "edna-2")  # the same verified email, another account
        expect(
            page.get_by_text("edna@example.org signed in through the identity provider but is not a user")
        ).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("--subject edna-2")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        browser.close()
    bound = Users(tmp / "users.json").all()
    assert (bound["edna@example.org"].issuer, bound["edna@example.org"].subject) == (idp_url, "edna-1")
    assert bound["ada@example.org"].subject is None


def test_sign_in_through_the_identity_provider(idp_app: tuple[str, Path, str]) -> None:
    from playwright.sync_api import sync_playwright

    url, tmp, idp_url = idp_app
    Users(tmp / "users.json").add("ed@example.org", None, "editor", issuer=idp_url, subject="ed-7")
    _provider_user(idp_url, "ed-7", email="ed@example.org")  # bound by subject: no email needed at all
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page()
        page.goto(url)
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        expect(page.get_by_label("Password", exact=True)).to_have_count(0)  # nobody here has a password
        _through_provider(page, url, "ed-7")
        expect(page.locator("h1")).to_have_text(["Chat"], timeout=WAIT_MS)
        expect(page.get_by_text("Signed in as ed@example.org (editor)")).to_be_visible()
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Library", exact=True)).to_be_visible()  # an editor adds articles
        expect(nav.get_by_text("Settings", exact=True)).to_have_count(0)  # but is no admin
        copied = browser.cookies()  # Streamlit's signed cookie holding the provider's ID token
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()  # the provider's own end-of-session form
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        with tempfile.TemporaryDirectory() as other_profile:  # that cookie, copied before the sign-out
            thief = p.chromium.launch_persistent_context(
                other_profile, executable_path=str(CHROMIUM), args=FLAGS
            )
            thief.add_cookies(copied)
            stolen = thief.new_page()
            stolen.goto(url)
            expect(stolen.get_by_text("Your sign-in has expired or was ended")).to_be_visible(timeout=WAIT_MS)
            expect(stolen.get_by_test_id("stSidebarNav")).to_have_count(0)
            thief.close()

        # Someone the provider knows but the team does not: told so, and offered nothing.
        page.get_by_role("button", name="Sign in with your organisation's account").click()
        page.locator("input[name=sub]").fill("stranger@example.org")
        page.get_by_role("button", name="Authorize").click()
        expect(
            page.get_by_text("stranger@example.org signed in through the identity provider but is not a user")
        ).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("h1")).to_have_text(["Sign in"])
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        browser.close()
    entries = [json.loads(line) for line in (tmp / "vectorstore" / "activity.jsonl").read_text().splitlines()]
    assert [(e["who"], e["action"]) for e in entries][-3:] == [
        ("ed@example.org", "sign-in"), ("ed@example.org", "sign-out"), ("stranger@example.org", "sign-in refused")
    ]  # fmt: skip
