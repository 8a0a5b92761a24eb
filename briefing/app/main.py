"""The app's entry script, run by `briefing app` (and by `streamlit run app.py` in a checkout)."""

from briefing.app.state import navigate

navigate()
