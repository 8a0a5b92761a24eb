"""The team's users: argon2 hashes, never a password; identity-provider users with none; roles per notebook;
which role each action needs, and a refusal that names it; the identity providers a secrets file configures."""

from __future__ import annotations

import multiprocessing
import stat
import time
from pathlib import Path

import pytest

from briefing.users import (
    ACTIONS,
    Refused,
    SignIns,
    UserError,
    Users,
    allowed,
    check,
    identity_providers,
    member,
    vouched,
)

PASSWORD = "correct horse battery"


def test_a_user_signs_in_with_their_password_only_and_no_password_is_stored(tmp_path: Path) -> None:
    users = Users(tmp_path / "users.json")
    users.add("alice", PASSWORD, "editor")
    assert users.verify("alice", PASSWORD).role == "editor"
    assert users.verify("alice", "wrong password!") is None and users.verify("bob", PASSWORD) is None
    text = users.path.read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    users.passwd("alice", "a new long password")
    assert users.verify("alice", PASSWORD) is None and users.verify("alice", "a new long password")


def test_roles_per_notebook_and_refusals(tmp_path: Path) -> None:
    users = Users(tmp_path / "users.json")
    users.add("bob", PASSWORD)
    bob = users.set_role("bob", "editor", notebook="ferries")
    assert (
        bob.may("editor", "ferries") and not bob.may("editor", "articles") and not bob.may("admin", "ferries")
    )
    with pytest.raises(UserError, match="at least 10 characters"):
        users.add("carol", "short")
    with pytest.raises(UserError, match="unknown role"):
        users.add("carol", PASSWORD, "owner")
    with pytest.raises(UserError, match="exists"):
        users.add("bob", PASSWORD)
    users.remove("bob")
    assert users.all() == {}


def test_an_identity_provider_user_has_no_password_to_guess(tmp_path: Path) -> None:
    users = Users(tmp_path / "users.json")
    edna = users.add("edna@example.org", None, "editor")
    assert edna.hash is None and users.all()["edna@example.org"].role == "editor"
    assert users.verify("edna@example.org", "") is None
    assert users.verify("edna@example.org", "not a password of anyone's") is None  # not even the dummy's


def test_each_action_needs_its_role_in_its_notebook_and_a_refusal_names_it(tmp_path: Path) -> None:
    users = Users(tmp_path / "users.json")
    rita = users.add("rita", PASSWORD, "reader")
    ed = users.set_role(users.add("ed", PASSWORD, "reader").name, "editor", notebook="ferries")
    ada = users.add("ada", PASSWORD, "admin")
    assert [a for a in ACTIONS if allowed(rita, a, "ferries", gated=True)] == []
    assert {a for a in ACTIONS if allowed(ed, a, "ferries", gated=True)} == {
        "upload", "edit", "remove", "feeds", "refresh", "brief", "note", "notebook"
    }  # fmt: skip
    assert not allowed(ed, "upload", "bridges", gated=True)  # an editor in ferries only
    assert all(allowed(ada, a, "bridges", gated=True) for a in ACTIONS)
    assert all(allowed(None, a, "bridges", gated=False) for a in ACTIONS)  # sign-in off: the operator
    assert not allowed(None, "upload", "bridges", gated=True)  # sign-in on: nobody signed in, nothing
    with pytest.raises(Refused, match=r"remove needs the editor role \(rita is reader in ferries\)"):
        check(rita, "remove", "ferries", gated=True)
    with pytest.raises(Refused, match="nobody is signed in"):
        check(None, "brief", "ferries", gated=True)


def test_the_identity_providers_a_secrets_file_configures(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    assert identity_providers(secrets) == []  # no file: none
    secrets.write_text('[auth]\nredirect_uri = "http://x/oauth2callback"\ncookie_secret = "c"\n')
    assert identity_providers(secrets) == []  # shared settings only: no provider yet
    secrets.write_text(
        secrets.read_text() + 'client_id = "a"\nserver_metadata_url = "https://idp/.well-known/x"\n'
        '[auth.microsoft]\nclient_id = "b"\nserver_metadata_url = "https://ms/.well-known/x"\n'
    )
    assert identity_providers(secrets) == [None, "microsoft"]
    secrets.write_text("[auth\n")
    with pytest.raises(UserError, match="secrets.toml: cannot read the sign-in configuration"):
        identity_providers(secrets)


def test_whom_the_identity_provider_vouches_for_and_for_how_long(tmp_path: Path) -> None:
    now = 1_900_000_000
    iss = "https://login.example.org"
    edna = vouched({"iss": iss, "sub": "x1", "email": "edna@example.org", "email_verified": True, "iat": now})
    assert (edna.issuer, edna.subject, edna.email, edna.label) == (
        iss,
        "x1",
        "edna@example.org",
        "edna@example.org",
    )
    assert edna.fresh(2, now + 3600) and not edna.fresh(2, now + 3 * 3600)
    unverified = vouched({"iss": iss, "sub": "x2", "email": "ada@example.org", "iat": now})
    assert unverified.email is None and unverified.label == "x2"  # an email not verified names nobody
    assert (
        vouched({"iss": iss, "sub": "x2", "email": "a@b", "email_verified": "true", "iat": now}).email is None
    )
    assert vouched({"email": "edna@example.org", "email_verified": True, "iat": now}) is None  # no subject
    assert vouched({"iss": iss, "sub": "x1"}) is None  # no issue time: its age is unknown


def test_an_identity_provider_user_is_their_issuer_and_subject_never_an_email_alone(tmp_path: Path) -> None:
    """The "nOAuth" attack: another account carrying the admin's email is not the admin."""
    users = Users(tmp_path / "users.json")
    iss, now = "https://login.example.org", 1_900_000_000
    users.add("ada@example.org", None, "admin", issuer=iss, subject="ada-1")
    users.add("edna@example.org", None, "editor")  # listed by email: bound at her first verified sign-in
    users.add("rita@example.org", PASSWORD, "reader")  # a password user: never signed in by an email

    def who(sub: str, email: str, verified: bool, role: str | None = None, issuer: str = iss) -> str | None:
        claims = {"iss": issuer, "sub": sub, "email": email, "email_verified": verified, "iat": now}
        user = member(vouched(claims), users.all(), role)
        return user and user.name

    assert who("ada-1", "", False) == "ada@example.org"
    assert who("mallory", "ada@example.org", False) is None
    assert who("mallory", "ada@example.org", True) is None  # verified, but ada is bound to ada-1
    assert who("ada-1", "ada@example.org", True, issuer="https://other.example") is None  # another issuer
    assert who("mallory", "edna@example.org", False) is None  # not verified: does not bind
    assert who("mallory", "rita@example.org", True) is None
    assert who("edna-1", "edna@example.org", True) == "edna@example.org"
    users.bind("edna@example.org", iss, "edna-1")
    assert who("edna-2", "edna@example.org", True) is None  # bound: the email alone no longer names her
    assert who("edna-1", "", False) == "edna@example.org"
    with pytest.raises(UserError, match="cannot be bound"):
        users.bind("edna@example.org", iss, "edna-2")
    with pytest.raises(UserError, match="already signs in as ada-1"):
        users.add("eve", None, issuer=iss, subject="ada-1")
    # idp_role lets in everyone else, under a name that is none of the listed users'
    assert who("stranger", "stranger@example.org", True, "reader") == "stranger@example.org"
    assert who("mallory", "ada@example.org", True, "reader") == f"mallory@{iss}"
    assert users.all()["ada@example.org"].hash is None


def test_a_sign_in_kept_for_reloads_lasts_its_hours_and_ends_at_sign_out(tmp_path: Path) -> None:
    now = 1_900_000_000.0
    sign_ins = SignIns(tmp_path / "users.json", hours=2)
    token = sign_ins.start("rita", now)
    other = sign_ins.start("ada", now - 3 * 3600)  # already past its hours
    assert sign_ins.find(token, now + 3600) == ("rita", now)
    assert sign_ins.find(other, now) is None and sign_ins.find("made-up", now) is None
    assert sign_ins.find(token, now + 2 * 3600 + 1) is None  # expired
    kept = sign_ins.path.read_text()
    assert token not in kept and stat.S_IMODE(sign_ins.path.stat().st_mode) == 0o600  # only its digest
    sign_ins.end(token, now + 60)
    assert sign_ins.find(token, now + 120) is None  # a copy of the cookie signs nobody in after sign-out
    sign_ins.path.write_text("{not json")
    assert sign_ins.find(token, now) is None  # a damaged file lets nobody in


def test_a_users_file_that_is_a_directory_a_dangling_link_or_open_to_others_is_an_error(
    tmp_path: Path,
) -> None:
    """Never read as "nobody listed", which turns sign-in off."""
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(UserError, match="dir.json: not a file"):
        Users(tmp_path / "dir.json").all()
    (tmp_path / "dangling.json").symlink_to(tmp_path / "gone.json")
    with pytest.raises(UserError, match="dangling.json: a link to .*gone.json, which does not exist"):
        Users(tmp_path / "dangling.json").all()
    users = Users(tmp_path / "users.json")
    users.add("ada", PASSWORD, "admin")
    users.path.chmod(0o644)
    with pytest.raises(UserError, match=r"others may read or change it \(mode 644\).*chmod 600"):
        users.all()
    assert Users(tmp_path / "none.json").all() == {}  # no file yet: nobody listed, as before


def test_a_write_through_a_linked_users_file_changes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    target = tmp_path / "etc" / "users.json"
    Users(target).add("ada", PASSWORD, "admin")
    (tmp_path / "users.json").symlink_to(target)
    linked = Users(tmp_path / "users.json")
    linked.add("rita", PASSWORD)
    assert (tmp_path / "users.json").is_symlink() and set(Users(target).all()) == {"ada", "rita"}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_six_sign_ins_at_once_are_all_kept(tmp_path: Path) -> None:
    """Each sign-in is a read-modify-write of one file: without its lock, simultaneous ones lose others."""
    sign_ins = SignIns(tmp_path / "users.json", hours=12)
    with multiprocessing.get_context("fork").Pool(6) as pool:
        tokens = pool.starmap(_sign_in_many, [(sign_ins, f"user{i}") for i in range(6)])
    assert len(sign_ins.read()) == 6 * 20
    assert all(sign_ins.find(t, time.time()) for batch in tokens for t in batch)


def _sign_in_many(sign_ins: SignIns, name: str) -> list[str]:
    return [sign_ins.start(name, time.time()) for _ in range(20)]
