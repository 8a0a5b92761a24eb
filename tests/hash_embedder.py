"""A deterministic embedder for the unit tests: no model file, no network, instant.

Words (lower-cased) and word pairs are hashed into 256 dimensions (feature hashing) and the vector is
L2-normalised, so texts sharing words are near each other: enough for the store's bookkeeping, dedupe and
fusion to behave as with a real model, never for judging retrieval quality (that is the integration tier's,
with the packaged MiniLM)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from briefing.embeddings import register

NAME = "test-hash"
DIM = 256
_WORD = re.compile(r"\w+")


class HashEmbedder:
    name = f"{NAME}-{DIM}"
    dim = DIM

    def __init__(self, batch_size: int = 8) -> None:
        self.batch_size = batch_size

    def _one(self, text: str) -> np.ndarray:
        words = _WORD.findall(text.lower())
        v = np.zeros(DIM, dtype=np.float32)
        for feature in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
            digest = hashlib.blake2b(feature.encode(), digest_size=4).digest()
            v[int.from_bytes(digest, "little") % DIM] += 1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def embed_documents(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


def install() -> None:
    """Make `Settings(embedding=NAME)` select the hash embedder."""
    register(NAME, HashEmbedder)
