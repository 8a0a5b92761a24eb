"""Sign-in faults (issue 24, items 2, 9, 10, 11): each case attacks the sign-in code as the hostile afternoon
did and prints `held` or `FAILED` with what it saw. Run through bench/faults.py (`--cases idp-email,...`).

- idp-email: ID-token claims with the admin's email, email_verified false and another subject; then the
  editor's verified email from a second account after the first bound it.
- revocation: the app (AppTest) with a tab open on a copied sign-in cookie: its next click after the
  victim's sign-out, and a tab's next click after a `passwd`; an identity-provider sign-in signed out.
- guessing: 30 password guesses for one name through the app's form as fast as it answers, then the right
  password; and a 1 MB typed name: what the activity log keeps of it.
- notebook-replay: a reader's session replays the notebook picker with a name never offered.
- users-file: users_file a directory, a link to nothing, a file others may read: the app opens to whom?
  And a write through a linked users file: is the link kept?
- signin-race: six processes signing in at once, 20 times each: sign-ins kept.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from briefing.app import signin
from briefing.config import Settings
from briefing.store import Store, notebooks
from briefing.throttle import FREE, delay
from briefing.users import SignIns, Users, member, vouched

APP = Path(__file__).resolve().parents[1] / "briefing" / "app" / "main.py"

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


def _app_env(work: Path, users_file: Path) -> None:
    """The app as `briefing app` would run it on `work`, extractive, with this users file."""
    for key in [k for k in os.environ if k.startswith(("BRIEFING_", "OPENAI_"))]:
        del os.environ[key]
    os.environ.update(
        BRIEFING_STORE_DIR=str(work / "store"), BRIEFING_LLM="extractive", BRIEFING_USERS_FILE=str(users_file),
        BRIEFING_AUTH_FILE=str(work / "no-auth.toml"), BRIEFING_CONFIG=str(work / "none.toml"),
    )  # fmt: skip


def _tab(token: str) -> AppTest:
    """A browser tab already signed in by the cookie holding `token`."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state[signin.KEY_TOKEN] = token
    return at.run()


def _still_in(tab: AppTest) -> bool:
    """Whether the tab's next click is still signed in."""
    tab.run()
    return signin.KEY_TOKEN in tab.session_state


def revocation(work: Path) -> None:
    users = Users(work / "revocation" / "users.json")
    users.add("rita", PASSWORD, "reader")
    users.add("ed", PASSWORD, "editor")
    _app_env(work / "revocation", users.path)
    sign_ins = SignIns(users.path, 12)
    victim = _tab(sign_ins.start("rita", time.time()))
    thief = _tab(victim.session_state[signin.KEY_TOKEN])
    victim.sidebar.button(key="sign_out").click().run()
    after_sign_out = _still_in(thief)
    eds = _tab(sign_ins.start("ed", time.time()))
    time.sleep(0.01)  # the passwd after the sign-in on the clock
    users.passwd("ed", "another password 1")
    after_passwd = _still_in(eds)
    claims = {"iss": ISSUER, "sub": "edna-1", "iat": time.time()}
    sign_ins.end_identity(vouched(claims), time.time())
    idp_ended = sign_ins.ended(vouched(claims))
    _verdict(
        "revocation",
        not after_sign_out and not after_passwd and idp_ended,
        f"copied cookie's open tab signed in after the sign-out: {after_sign_out}; after passwd: "
        f"{after_passwd}; provider sign-in recorded as ended: {idp_ended}",
    )


def _form(name: str, password: str) -> AppTest:
    """One try in the sign-in form, from a new session (a guessing script need not keep one)."""
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value(password)
    return at.button[0].click().run()


def guessing(work: Path) -> None:
    users = Users(work / "guessing" / "users.json")
    users.add("rita", PASSWORD, "reader")
    _app_env(work / "guessing", users.path)
    start = time.monotonic()
    answers = [_form("rita", f"guess number {i}").session_state["signin_failed"] for i in range(30)]
    checked = sum(a.startswith("That name") for a in answers)
    seconds = time.monotonic() - start
    allowed = FREE + sum(1 for n in range(FREE, FREE + 30) if sum(map(delay, range(FREE, n + 1))) <= seconds)
    right = signin.KEY_TOKEN in _form("rita", PASSWORD).session_state
    _form("x" * 1_000_000, "a guess")
    log = (work / "guessing" / "store" / "activity.jsonl").read_text()
    longest = max(len(json.loads(line)["who"]) for line in log.splitlines())
    _verdict(
        "guessing",
        checked <= allowed and not right and longest <= 40 and len(log) < 10_000,
        f"{len(answers)} guesses in {seconds:.1f} s: {checked} checked (the delays allow {allowed}), the rest "
        "told to wait; right password "
        f"during the wait signed in: {right}; longest logged name {longest} chars, log {len(log)} bytes",
    )


def notebook_replay(work: Path) -> None:
    users = Users(work / "replay" / "users.json")
    users.add("rita", PASSWORD, "reader")
    _app_env(work / "replay", users.path)
    reader = _tab(SignIns(users.path, 12).start("rita", time.time()))
    picker = reader.sidebar.selectbox(key="notebook_pick")
    picker.options.append("readers-own")  # what a replayed message can name
    picker.set_value("readers-own").run()
    made = "readers-own" in notebooks(Store(Settings(store_dir=work / "replay" / "store")).client)
    _verdict("notebook-replay", not made, f"the reader's replayed name became a notebook: {made}")


def users_file(work: Path) -> None:
    folder = work / "users-file"
    folder.mkdir()
    (folder / "dir.json").mkdir()
    (folder / "dangling.json").symlink_to(folder / "gone.json")
    Users(folder / "open.json").add("ada", PASSWORD, "admin")
    (folder / "open.json").chmod(0o644)
    opened = []
    for name in ("dir.json", "dangling.json", "open.json"):
        _app_env(folder, folder / name)
        at = AppTest.from_file(str(APP), default_timeout=120).run()
        if at.chat_input or not at.error:
            opened.append(name)
    Users(folder / "target.json").add("ada", PASSWORD, "admin")
    (folder / "link.json").symlink_to(folder / "target.json")
    Users(folder / "link.json").add("rita", PASSWORD)
    kept = (folder / "link.json").is_symlink() and "rita" in Users(folder / "target.json").all()
    _verdict(
        "users-file",
        not opened and kept,
        f"opened or silent with: {', '.join(opened) or 'none'}; a write through a link kept it: {kept}",
    )


def _sign_in_many(sign_ins: SignIns, name: str) -> int:
    for _ in range(20):
        sign_ins.start(name, time.time())
    return 20


def signin_race(work: Path) -> None:
    sign_ins = SignIns(work / "race" / "users.json", 12)
    with multiprocessing.get_context("fork").Pool(6) as pool:
        made = sum(pool.starmap(_sign_in_many, [(sign_ins, f"user{i}") for i in range(6)]))
    kept = len(sign_ins.read())
    _verdict("signin-race", kept == made, f"{made} sign-ins at once by 6 processes, {kept} kept")


CASES: dict[str, Callable[[Path], None]] = {
    "idp-email": idp_email,
    "revocation": revocation,
    "guessing": guessing,
    "notebook-replay": notebook_replay,
    "users-file": users_file,
    "signin-race": signin_race,
}
