"""`streamlit run app.py` from a checkout: the same app that `briefing app` starts (briefing/app/)."""

from briefing.app.state import navigate

navigate()
