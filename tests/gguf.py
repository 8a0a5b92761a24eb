"""A fake GGUF file: a header with a few key-values, enough for the checks made before a model is loaded."""

from __future__ import annotations

import struct
from pathlib import Path


def fake_gguf(path: Path, name: str = "Tiny Test Model", extra: bytes = b"") -> Path:
    """A GGUF header with a few KVs (a string, an array, general.name), enough for header checks."""

    def s(text: str) -> bytes:
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    kvs = [
        s("general.architecture") + struct.pack("<I", 8) + s("qwen2"),
        s("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, 3) + struct.pack("<3f", 0.1, 0.2, 0.3),
        s("general.name") + struct.pack("<I", 8) + s(name),
    ]
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs) + extra)
    return path
