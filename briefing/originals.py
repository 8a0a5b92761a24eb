"""Uploaded originals: the files the app saves under a notebook's uploads folder as its articles' files.

They are written owner-only, and none outlives the articles made from it: the store's writers remove every
original no article refers to (a deleted article's, a duplicate's, or what a crashed upload left) while
they hold the write lock, under which an upload also saves its files, so no upload's files are taken for
strays between being saved and being committed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from briefing.config import Settings

UPLOADS_DIR = "uploads"  # under the notebook's folder (the store folder for the default notebook)
NAME_MAX = 255  # bytes in one file name on the usual filesystems (ext4, XFS, btrfs, APFS)


def uploads_dir(settings: Settings) -> Path:
    """Absolute, so the articles' paths name their originals whatever the working directory later is."""
    return settings.notebook_dir.absolute() / UPLOADS_DIR


def save(path: Path, data: bytes) -> None:
    """Write a new original readable by its owner only (its folders too); an existing file is an error."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def prune(settings: Settings, article_paths: Iterable[str | None]) -> list[Path]:
    """Delete the originals under the uploads folder that no article path names (a record of a multi-article
    file is `FILE:N`), and the folders left empty; make the rest owner-only (older versions wrote them 0644).
    Call it holding the store's write lock. Returns what went."""
    folder = uploads_dir(settings)
    if not folder.is_dir():
        return []
    named: set[str] = set()
    for path in filter(None, article_paths):
        # An older article may hold its original's path relative to a working directory the app no
        # longer runs in: its part under the uploads folder names the original too.
        under = path.rpartition(f"{UPLOADS_DIR}{os.sep}")[2] if f"{UPLOADS_DIR}{os.sep}" in path else None
        for full in {os.path.abspath(path), *([str(folder / under)] if under else [])}:
            named.add(full)
            named.update(full[:i] for i, c in enumerate(full) if c == ":")
    found = list(folder.rglob("*"))
    folders = {p for p in found if p.is_dir() and not p.is_symlink()}
    gone = [p for p in found if p not in folders and str(p) not in named]
    for p in gone:
        p.unlink(missing_ok=True)
    for sub in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()
    for p in [folder, *(p for p in found if p.exists() and not p.is_symlink())]:
        p.chmod(0o700 if p == folder or p in folders else 0o600)
    return gone
