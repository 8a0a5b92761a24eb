"""The team's users: names, roles and, for password sign-in, salted argon2 hashes in one JSON file (never a
password), managed with `briefing users add|remove|list|passwd|role`. A user who signs in through the
organisation's identity provider has no hash: they are known by the provider's (issuer, subject) pair, never
by an email alone (an email a provider's user can edit would let anyone become anyone). One listed by email
only is bound to the first (issuer, subject) whose ID token carries that email with `email_verified` true.

A role is reader (ask, read, export), editor (also add and remove articles and feeds, write briefs and
notes) or admin (also users, settings and the activity log); a user may have another role in named
notebooks. `ACTIONS` says which role each change needs; `check` is the one place that refuses.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
import stat
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from briefing.files import locked, write_json

ROLES = ("reader", "editor", "admin")
# The least role each action needs, in the notebook it acts on. The app offers a page or button only to
# a role that may use it, and the action itself calls `check`, so a hidden button is not the only guard.
ACTIONS = {
    "upload": "editor", "edit": "editor", "remove": "editor", "feeds": "editor", "refresh": "editor",
    "brief": "editor", "note": "editor", "notebook": "editor", "settings": "admin", "users": "admin",
    "activity": "admin",
}  # fmt: skip
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id, the library's recommended parameters, a random salt per hash


class UserError(ValueError):
    """A user request that cannot be done: an unknown user, a bad role, a short password."""


class Refused(PermissionError):
    """The signed-in user's role does not allow this action here."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    hash: str | None  # None: signs in through the identity provider only
    notebooks: dict[str, str] = field(default_factory=dict)  # notebook -> role there
    issuer: str | None = None  # the identity provider's issuer and subject this user signs in as
    subject: str | None = None
    valid_from: float | None = None  # sign-ins begun before this (the user's addition, a passwd) are ended

    def role_in(self, notebook: str) -> str:
        return self.notebooks.get(notebook, self.role)

    def may(self, needed: str, notebook: str) -> bool:
        """Whether this user's role in `notebook` is `needed` or above."""
        return ROLES.index(self.role_in(notebook)) >= ROLES.index(needed)


def allowed(user: User | None, action: str, notebook: str, gated: bool) -> bool:
    """Whether `user` may do `action` in `notebook`. Where sign-in is off (`gated` false: the app on
    127.0.0.1 with nobody listed) the operator may do anything; where it is on, nobody signed in may
    do nothing."""
    if not gated:
        return True
    return user is not None and user.may(ACTIONS[action], notebook)


def check(user: User | None, action: str, notebook: str, gated: bool) -> None:
    """Raise Refused, naming the role needed, unless `allowed`."""
    if not allowed(user, action, notebook, gated):
        who = f"{user.name} is {user.role_in(notebook)} in {notebook}" if user else "nobody is signed in"
        raise Refused(f"not allowed: {action} needs the {ACTIONS[action]} role ({who})")


def _locked(change: Callable[..., Any]) -> Callable[..., Any]:
    """Run a change of the users file (a read-modify-write) under its lock: the CLI and the Team page at
    the same moment do not lose one another's change."""

    @functools.wraps(change)
    def run(self: Users, *args: Any, **kwargs: Any) -> Any:
        with locked(self.path):
            return change(self, *args, **kwargs)

    return run


class Users:
    """The users file. Written whole through a temporary file, readable by its owner only. A file that
    others may read or write, or a users_file that is a directory or a link to nothing, is an error, never
    "nobody listed" (which would turn sign-in off)."""

    def __init__(self, path: Path):
        self.path = path

    def all(self) -> dict[str, User]:
        if not self.path.exists() and not self.path.is_symlink():
            return {}  # none yet: nobody listed
        if not self.path.exists():
            raise UserError(f"{self.path}: a link to {os.readlink(self.path)}, which does not exist")
        if not self.path.is_file():
            raise UserError(f"{self.path}: not a file; users_file names the users file (e.g. users.json)")
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            raise UserError(
                f"{self.path}: others may read or change it (mode {mode:o}); it holds password hashes and "
                f"roles: `chmod 600 {self.path}`"
            )
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {name: User(name, **u) for name, u in data["users"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{self.path}: not a users file ({exc})") from None

    @_locked
    def add(
        self,
        name: str,
        password: str | None,
        role: str = "reader",
        issuer: str | None = None,
        subject: str | None = None,
    ) -> User:
        """Add a user; with no password, one who signs in through the identity provider: as `subject` at
        `issuer` when given, else as the first provider user whose verified email is `name`."""
        name = name.strip()
        if not name or any(c.isspace() for c in name):
            raise UserError("a user name is one word")
        if (issuer is None) != (subject is None):
            raise UserError("an identity-provider user is named by --issuer and --subject together")
        users = self.all()
        if name in users:
            raise UserError(f"{name!r} exists; change the password with `briefing users passwd {name}`")
        if subject is not None and _holder(users, issuer, subject):
            raise UserError(f"{_holder(users, issuer, subject)!r} already signs in as {subject} at {issuer}")
        hashed = None if password is None else _hash(password)
        user = User(name, _role(role), hashed, {}, issuer, subject, time.time())
        self._write({**users, name: user})  # valid_from: a removed user's old sign-ins do not come back
        return user

    @_locked
    def bind(self, name: str, issuer: str, subject: str) -> User:
        """Tie a user listed by email only to the provider's (issuer, subject) that first proved it: from
        then on that pair, and no other, signs in as them."""
        users = self.all()
        user = users.get(name)
        if user is None or user.subject is not None or _holder(users, issuer, subject):
            raise UserError(f"{name!r} cannot be bound to {subject} at {issuer}")
        user = replace(user, issuer=issuer, subject=subject)
        self._write({**users, name: user})
        return user

    @_locked
    def passwd(self, name: str, password: str) -> None:
        """Set the password; every sign-in of the user so far ends (a stolen cookie included)."""
        user = replace(self._get(name), hash=_hash(password), valid_from=time.time())
        self._write({**self.all(), name: user})

    @_locked
    def set_role(self, name: str, role: str, notebook: str | None = None) -> User:
        """Set a role everywhere or in one notebook. Sign-ins go on: the app reads the role again at every
        click, so the new one holds from the next."""
        user = self._get(name)
        if notebook:
            user = replace(user, notebooks={**user.notebooks, notebook: _role(role)})
        else:
            user = replace(user, role=_role(role))
        self._write({**self.all(), name: user})
        return user

    @_locked
    def remove(self, name: str) -> None:
        self._get(name)
        self._write({n: u for n, u in self.all().items() if n != name})

    def verify(self, name: str, password: str) -> User | None:
        """The user, when the password is theirs; None otherwise (an unknown name costs a hash too, so
        timing does not tell which names exist)."""
        user = self.all().get(name.strip())
        try:
            _hasher.verify(user.hash if user and user.hash else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return user if user and user.hash else None

    def _get(self, name: str) -> User:
        user = self.all().get(name)
        if user is None:
            raise UserError(f"no user {name!r}; see `briefing users list`")
        return user

    def _write(self, users: dict[str, User]) -> None:
        data = {
            "users": {
                n: {k: v for k, v in asdict(u).items() if k != "name" and (v is not None or k == "hash")}
                for n, u in users.items()
            }
        }
        write_json(self.path.resolve(), data, private=True, indent=2)  # through a link: its target


class SignIns:
    """Sign-ins that outlive a reload of the page, checked on every click. For a password sign-in the
    browser keeps a random token in a cookie and this file its sha256 (never the token) with who signed in
    and when; an identity-provider sign-in that was signed out is kept here as ended until it would have
    expired anyway. A sign-out ends a sign-in here, so a copied cookie, even in a tab already open, signs
    nobody in after; one past `hours` is refused and dropped at the next write. Every change is a
    read-modify-write under a lock, so sign-ins at the same moment do not lose one another."""

    def __init__(self, users_file: Path, hours: float):
        self.path = users_file.with_name(users_file.stem + ".signins.json")
        self.hours = hours

    def start(self, name: str, now: float) -> str:
        token = secrets.token_urlsafe(32)
        self._change(now, lambda held: {**held, _digest(token): {"name": name, "since": now}})
        return token

    def find(self, token: str, now: float, held: Mapping[str, Any] | None = None) -> tuple[str, float] | None:
        """Who the token signed in, and when, while that sign-in lasts (`held`: the file, already read)."""
        entry = (self.read() if held is None else held).get(_digest(token))
        if not entry or entry.get("ended") or now - entry["since"] > self.hours * 3600:
            return None
        return entry["name"], entry["since"]

    def end(self, token: str, now: float) -> None:
        self._change(now, lambda held: {k: v for k, v in held.items() if k != _digest(token)})

    def end_identity(self, identity: Identity, now: float) -> None:
        """Record an identity provider's sign-in as signed out: its ID token, copied or not, is refused."""
        entry = {"name": identity.label, "since": identity.issued, "ended": True}
        self._change(now, lambda held: {**held, _idp_key(identity): entry})

    def ended(self, identity: Identity, held: Mapping[str, Any] | None = None) -> bool:
        return _idp_key(identity) in (self.read() if held is None else held)

    def read(self) -> dict[str, dict[str, Any]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or damaged: everyone signs in again, nobody gets in who should not

    def _change(
        self, now: float, step: Callable[[dict[str, dict[str, Any]]], dict[str, dict[str, Any]]]
    ) -> None:
        with locked(self.path):
            live = {k: v for k, v in self.read().items() if now - v["since"] <= self.hours * 3600}
            write_json(self.path, step(live), private=True)


def _idp_key(identity: Identity) -> str:
    """One identity-provider sign-in: the account and when the provider issued its token."""
    return "idp:" + _digest(f"{identity.issuer}\n{identity.subject}\n{identity.issued}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password has at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _holder(users: Mapping[str, User], issuer: str | None, subject: str | None) -> str | None:
    """The user who signs in as `subject` at `issuer`, if any."""
    return next((u.name for u in users.values() if (u.issuer, u.subject) == (issuer, subject)), None)


@dataclass(frozen=True)
class Identity:
    """Who an identity provider's ID token says signed in: its issuer and subject (the provider's own,
    stable name for the account) and, only when the provider verified it, their email."""

    issuer: str
    subject: str
    email: str | None
    issued: float

    @property
    def label(self) -> str:
        """How to show this person: their verified email, else the subject."""
        return self.email or self.subject

    def fresh(self, hours: float, now: float) -> bool:
        return now - self.issued <= hours * 3600


def vouched(claims: Mapping[str, Any]) -> Identity | None:
    """The identity in ID-token claims; None without an issuer, a subject or an issue time (an OpenID
    Connect ID token always carries all three)."""
    issuer, subject, issued = (str(claims.get(k) or "").strip() for k in ("iss", "sub", "iat"))
    if not (issuer and subject and issued):
        return None
    email = str(claims.get("email") or "").strip() if claims.get("email_verified") is True else ""
    return Identity(issuer, subject, email or None, float(issued))


def member(identity: Identity, team: Mapping[str, User], default_role: str | None) -> User | None:
    """The team member this identity is: the user bound to its (issuer, subject); else the identity-provider
    user listed by its verified email who is bound to nobody yet (the caller then binds them); else, where
    the deployment lets in everyone the provider signs in, a user with `default_role`, named so as to be
    none of the listed users."""
    if holder := _holder(team, identity.issuer, identity.subject):
        return team[holder]
    listed = team.get(identity.email or "")
    if listed is not None and listed.hash is None and listed.subject is None:
        return listed
    if default_role is None:
        return None
    name = identity.label if identity.label not in team else f"{identity.subject}@{identity.issuer}"
    return None if name in team else User(name, default_role, None, {}, identity.issuer, identity.subject)


def identity_providers(auth_file: Path) -> list[str | None]:
    """The OIDC providers the Streamlit secrets file configures for `st.login`: None for the unnamed one
    (client_id and server_metadata_url in [auth] itself), a name for each [auth.NAME] table."""
    try:
        auth = tomllib.loads(auth_file.read_text(encoding="utf-8")).get("auth", {})
    except FileNotFoundError:
        return []
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{auth_file}: cannot read the sign-in configuration ({exc})") from None
    named = [k for k, v in auth.items() if isinstance(v, dict) and "server_metadata_url" in v]
    return ([None] if "server_metadata_url" in auth else []) + named


_DUMMY = _hasher.hash("not a password of anyone's")
