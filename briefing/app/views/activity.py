"""Activity: who changed what in this store, newest first (admins only where sign-in is on)."""

import streamlit as st

from briefing import activity
from briefing.app import state as sup

settings = sup.page_setup("Activity", "activity")
entries = activity.recent(settings)
if not entries:
    st.info("Nothing yet: uploads, removals, briefs, feeds, settings and sign-ins are listed here.")
    st.stop()
st.caption(f"The last {len(entries)} entries of {activity.log_path(settings)}")
st.dataframe(
    [
        {k: e.get(k, "") for k in ("at", "who", "notebook", "action")}
        | {"what": {k: v for k, v in e.items() if k not in ("at", "who", "notebook", "action")}}
        for e in entries
    ],  # fmt: skip
    hide_index=True,
    width="stretch",
)
