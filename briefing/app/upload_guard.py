"""Who may push files into the server's memory, and how much: Streamlit holds every uploaded file in memory
for its session, from any session that asks for an upload URL, signed in or not, with no count limit, and
keeps them after the visitor left (a disconnected session waits for a reconnect). `briefing app` (serve.py)
installs `GuardedUploads` in place of Streamlit's manager and releases a session's files when it
disconnects; the app's navigation says which sessions may upload (`allow`).

No Streamlit page code here: this runs in the server's request handlers."""

from __future__ import annotations

import threading

from starlette.exceptions import HTTPException
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from briefing.config import load_settings

_lock = threading.Lock()
_allowed: set[str] = set()  # session ids whose visitor may upload now


def allow(session_id: str, may_upload: bool) -> None:
    """Record whether the session `session_id` may upload: set on every run of the app, so a sign-out or a
    lowered role takes the right away at the next run."""
    with _lock:
        (_allowed.add if may_upload else _allowed.discard)(session_id)


def allowed(session_id: str) -> bool:
    with _lock:
        return session_id in _allowed


class GuardedUploads(MemoryUploadedFileManager):
    """Streamlit's in-memory upload store, refusing a file (HTTP 403) from a session that may not upload,
    and (HTTP 413) one that would take the session past `upload_held_files` files or `upload_held_mb` MB."""

    def __init__(self, upload_endpoint: str) -> None:
        super().__init__(upload_endpoint)
        settings = load_settings()
        self.max_files = settings.upload_held_files
        self.max_bytes = int(settings.upload_held_mb * 1024 * 1024)

    def add_file(self, session_id: str, file: UploadedFileRec) -> None:
        if not allowed(session_id):
            raise HTTPException(status_code=403, detail="Sign in as an editor to upload.")
        with self._lock:
            held = {k: f for k, f in self.file_storage.get(session_id, {}).items() if k != file.file_id}
            if len(held) >= self.max_files or sum(len(f.data) for f in held.values()) + len(file.data) > (
                self.max_bytes
            ):
                raise HTTPException(
                    status_code=413,
                    detail=f"This session holds its limit of uploads ({self.max_files} files, "
                    f"{self.max_bytes // 2**20} MB): add the chosen ones first.",
                )
        super().add_file(session_id, file)

    def held(self) -> tuple[int, int]:
        """(files, bytes) held for all sessions: for tests and the faults bench."""
        with self._lock:
            return self._file_count, self._total_bytes

    def release(self, session_id: str) -> None:
        """Drop a session's files and its right to upload: called when its browser disconnects."""
        self.remove_session_files(session_id)
        allow(session_id, False)
