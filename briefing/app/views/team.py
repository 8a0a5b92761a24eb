"""Team: the users who may sign in, and their roles (admins only; the same as `briefing users`)."""

import streamlit as st

from briefing.app import signin
from briefing.app import state as sup
from briefing.app.forms import confirmed
from briefing.app.render import escape_markdown
from briefing.users import MIN_PASSWORD, ROLES, Users

settings = sup.page_setup("Team", "users")
users = Users(settings.users_file)
me = signin.current_user(settings)


def act(action: str, step, flash: str, **what: object) -> None:  # noqa: ANN001 (a zero-argument callable)
    """Do one change to the users file, as an admin, logged; a refusal or a bad request is a message."""
    try:
        signin.require(settings, "users")
        step()
    except Exception as exc:
        st.error(sup.error_message(exc))
    else:
        signin.record(settings, action, **what)
        st.session_state["team_flash"] = flash
        st.rerun()


if flash := st.session_state.pop("team_flash", None):
    st.success(escape_markdown(flash))

team = sup.or_stop(users.all)
if team:
    st.dataframe(
        [
            {"name": u.name, "role": u.role, "sign-in": "password" if u.hash else "identity provider"}
            | {"other notebooks": ", ".join(f"{r} in {nb}" for nb, r in u.notebooks.items())}
            for u in team.values()
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.info("Nobody can sign in yet. The first user you add turns sign-in on: make them an admin.")

st.subheader("Add a user")
with st.form("team_add", clear_on_submit=True):
    name_col, role_col = st.columns([3, 1])
    name = name_col.text_input(
        "Name (the email, for someone who signs in through the identity provider)", key="team_name"
    )
    role = role_col.selectbox("Role", ROLES, index=0 if team else ROLES.index("admin"), key="team_role")
    via_idp = st.checkbox(
        "Signs in through the organisation's identity provider (no password here)", key="team_idp"
    )
    password = st.text_input(
        f"Password (at least {MIN_PASSWORD} characters)", type="password", key="team_password"
    )
    if st.form_submit_button("Add user", type="primary"):
        act(
            "users add", lambda: users.add(name, None if via_idp else password, role),
            f"Added {name.strip()} ({role}).", name=name.strip(), role=role, idp=via_idp,
        )  # fmt: skip

others = {
    n: f"{n} ({u.role})" for n, u in team.items() if not me or n != me.name
}  # not yourself: no lock-out
if others:
    st.subheader("Change a role")
    with st.form("team_role"):
        who_col, role_col, where_col = st.columns([2, 1, 2])
        who = who_col.selectbox("User", list(others), format_func=others.__getitem__)
        new_role = role_col.selectbox("Role", ROLES)
        where = where_col.radio("Where", ["everywhere", f"in {settings.collection} only"], horizontal=True)
        if st.form_submit_button("Change role"):
            notebook = None if where == "everywhere" else settings.collection
            act(
                "users role", lambda: users.set_role(who, new_role, notebook),
                f"{who}: {new_role}" + (f" in {notebook}" if notebook else ""),
                name=who, role=new_role, notebook=notebook or "",
            )  # fmt: skip

    st.subheader("Remove a user")
    gone = confirmed(
        "User", others, "Yes, remove them (they are signed out at their next click)", "Remove user",
        keys=("team_remove", "team_remove_sure", "team_remove_go"),
    )  # fmt: skip
    if gone:
        for key in ("team_remove", "team_remove_sure"):
            st.session_state.pop(key, None)
        act("users remove", lambda: users.remove(gone), f"Removed {gone}.", name=gone)
st.caption(
    escape_markdown(f"Kept in {settings.users_file}. Passwords are changed with `briefing users passwd`.")
)
