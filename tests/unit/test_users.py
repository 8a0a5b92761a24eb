"""Users for password sign-in: argon2 hashes, never a password; roles per notebook; a clear refusal."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from briefing.users import UserError, Users

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
