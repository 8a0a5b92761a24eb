"""`briefing app`'s server: `streamlit run` with the upload guard (upload_guard.py) in place of Streamlit's
upload store, and a session's uploaded files released as soon as its browser disconnects. `streamlit run
app.py` in a checkout runs without it (README, Limitations)."""

from __future__ import annotations

import sys
from typing import Any

from streamlit.runtime import Runtime
from streamlit.web import cli
from streamlit.web.server import server

from briefing.app.upload_guard import GuardedUploads


class _ReleasingRuntime(Runtime):
    """Streamlit's runtime, dropping a disconnected session's uploads (and its right to upload) instead of
    holding them for a reconnect that an attacker never makes."""

    def disconnect_session(self, session_id: str, *, client: Any = None) -> None:
        super().disconnect_session(session_id, client=client)
        uploads = self.uploaded_file_mgr
        if isinstance(uploads, GuardedUploads) and not self.is_active_session(session_id):
            uploads.release(session_id)


def main() -> None:
    """Run `streamlit run` with this process's arguments, guarded."""
    server.MemoryUploadedFileManager = GuardedUploads  # type: ignore[misc]  (Server() builds these two)
    server.Runtime = _ReleasingRuntime  # type: ignore[misc]
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
