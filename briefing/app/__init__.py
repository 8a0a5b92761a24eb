"""The Streamlit app: the only part of briefing that imports Streamlit.

`state.py` holds what lives in a session or a server process (settings, the shared store and answerer,
error boxes) and starts the page navigation; `render.py` turns answers and briefs into safe HTML and has
no Streamlit in it; `chat.py`, `uploads.py` and `briefs.py` are what the pages do, written against the
core; `views/` draws the widgets (not `pages/`: that name beside the entry script starts Streamlit's
legacy pages mode, which runs a requested page without the entry script and so without sign-in).
`main.py` is the script `briefing app` hands to Streamlit.
"""

from pathlib import Path

APP_DIR = Path(__file__).resolve().parent
ENTRY = APP_DIR / "main.py"
VIEWS_DIR = APP_DIR / "views"
