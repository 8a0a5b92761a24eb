"""Sign-in faults (issue 24, items 2, 9, 10, 11): each case attacks the sign-in code as the hostile afternoon
did and prints `held` or `FAILED` with what it saw. Run through bench/faults.py (`--cases idp-email,...`).

- idp-email: ID-token claims with the admin's email, email_verified false and another subject; then the
  editor's verified email from a second account after the first bound it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from briefing.users import Users, member, vouched

PASSWORD = "faults password 1"
ISSUER = "https://login.example.org"


def _verdict(case: str, held: bool, saw: str) -> None:
    print(f"{case}: {'held' if held else 'FAILED'} ({saw})")


def idp_email(work: Path) -> None:
    users = Users(work / "idp" / "users.json")
    users.add("ada@example.org", None, "admin")
    users.add("edna@example.org", None, "editor")
    team = users.all()

    def who(sub: str, email: str, verified: bool) -> str | None:
        claims = {"iss": ISSUER, "sub": sub, "email": email, "email_verified": verified, "iat": time.time()}
        user = member(vouched(claims), users.all(), None)
        return user and user.name

    forged = who("mallory", "ada@example.org", False)
    first = who("edna-1", "edna@example.org", True)
    users.bind("edna@example.org", ISSUER, "edna-1")
    second = who("edna-2", "edna@example.org", True)
    _verdict(
        "idp-email",
        forged is None and first == "edna@example.org" and second is None and len(team) == 2,
        f"unverified admin email signs in as {forged}; verified edna first as {first}, "
        f"another account with her email as {second}",
    )


CASES: dict[str, Callable[[Path], None]] = {"idp-email": idp_email}
