"""The Streamlit app: the only part of briefing that imports Streamlit.

`state.py` holds what lives in a session or a server process (settings, the shared store and answerer,
error boxes) and starts the page navigation; `render.py` turns answers and briefs into safe HTML and has
no Streamlit in it; `chat.py`, `uploads.py` and `briefs.py` are what the pages do, written against the
core; `pages/` draws the widgets. `main.py` is the script `briefing app` hands to `streamlit run`.
"""

from pathlib import Path

APP_DIR = Path(__file__).resolve().parent
ENTRY = APP_DIR / "main.py"
PAGES_DIR = APP_DIR / "pages"
