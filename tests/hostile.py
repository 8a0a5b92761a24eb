"""Hostile inputs the tests and the fault benchmark (bench/faults_fetch.py) share."""

from __future__ import annotations

import zipfile
from pathlib import Path


def docx_bomb(path: Path, unpacked_mb: int) -> Path:
    """A real Word file whose document.xml holds `unpacked_mb` paragraphs of 1 MB of repeated words: a few
    hundred KB on disk."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("seed")
    plain = path.with_suffix(".plain.docx")
    doc.save(str(plain))
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
                continue
            head, tail = src.read(info).split(b"seed")
            with out.open("word/document.xml", "w") as xml:
                xml.write(head)
                for _ in range(unpacked_mb):
                    xml.write(b"word " * (2**20 // 5) + b"</w:t></w:r></w:p><w:p><w:r><w:t>")
                xml.write(tail)
    return path
