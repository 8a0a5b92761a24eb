"""`briefing users add|remove|list|passwd|role`: the team's users and their roles, for the app's sign-in by
password or through the identity provider. They join the `briefing` group when cli.py imports this module
(at its end)."""

from __future__ import annotations

import json
import sys

import click

from briefing.cli import _store_options, main
from briefing.config import Settings
from briefing.users import ROLES, UserError, Users


def _password(new: bool) -> str:
    """From a terminal, asked twice and never echoed; piped, one line of standard input (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("New password" if new else "Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _users(settings: Settings) -> Users:
    return Users(settings.users_file)


def _run(step):  # noqa: ANN001, ANN202 (a small wrapper: a UserError is a message and exit code 2)
    try:
        return step()
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.group("users")
def users_cmd() -> None:
    """Who may sign in to the app, and their roles, in the users file (setting users_file)."""


@users_cmd.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True)
@click.option(
    "--idp",
    is_flag=True,
    help="Signs in through the identity provider, no password: as --subject at --issuer, or (without them) "
    "as the first account whose verified email is NAME, which it is then bound to.",
)
@click.option("--issuer", help="The identity provider's issuer URL (the `iss` of its ID tokens); with --idp.")
@click.option(
    "--subject", help="The user's subject at that provider (the `sub` of their ID token); with --idp."
)
@_store_options
def add_cmd(
    settings: Settings, name: str, role: str, idp: bool, issuer: str | None, subject: str | None
) -> None:
    """Add a user; the password is asked for (or read from standard input) unless --idp."""
    if (issuer or subject) and not idp:
        click.echo("error: --issuer and --subject name an identity-provider user: add --idp", err=True)
        sys.exit(2)
    user = _run(lambda: _users(settings).add(name, None if idp else _password(True), role, issuer, subject))
    via = f" (identity provider: {subject} at {issuer})" if subject else " (identity provider)" if idp else ""
    click.echo(f"added {user.name} ({user.role}){via} to {settings.users_file}")


@users_cmd.command("passwd")
@click.argument("name")
@_store_options
def passwd_cmd(settings: Settings, name: str) -> None:
    """Set a user's password."""
    _run(lambda: _users(settings).passwd(name, _password(True)))
    click.echo(f"password of {name} changed")


@users_cmd.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--notebook", help="Give the role in this notebook only.")
@_store_options
def role_cmd(settings: Settings, name: str, role: str, notebook: str | None) -> None:
    """Set a user's role, everywhere or in one notebook."""
    user = _run(lambda: _users(settings).set_role(name, role, notebook))
    click.echo(f"{user.name}: {role}" + (f" in {notebook}" if notebook else ""))


@users_cmd.command("remove")
@click.argument("name")
@_store_options
def remove_cmd(settings: Settings, name: str) -> None:
    _run(lambda: _users(settings).remove(name))
    click.echo(f"removed {name}")


@users_cmd.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (never the hashes).")
@_store_options
def list_cmd(settings: Settings, as_json: bool) -> None:
    users = _run(lambda: _users(settings).all())
    rows = [
        {"name": u.name, "role": u.role, "notebooks": u.notebooks, "sign_in": "password" if u.hash else "idp"}
        | ({"issuer": u.issuer, "subject": u.subject} if u.subject else {})
        for u in users.values()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo(f"no users in {settings.users_file}; add one with `briefing users add NAME --role admin`")
    for r in rows:
        extra = "".join(f", {role} in {nb}" for nb, role in r["notebooks"].items())
        via = f" (identity provider: {r['subject']} at {r['issuer']})" if "subject" in r else ""
        if r["sign_in"] == "idp" and not via:
            via = " (identity provider, bound at its first sign-in with this verified email)"
        click.echo(f"{r['name']}: {r['role']}{extra}{via}")
