"""The packaged embedding model, run for real: these are the properties retrieval relies on."""

from __future__ import annotations

import numpy as np
import pytest

from briefing.config import Settings
from briefing.embeddings import EmbeddingError, get_embedder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder():
    return get_embedder(Settings(embedding="minilm", embedding_batch_size=3, _env_file=None))


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_shape_dtype_and_unit_norm(embedder) -> None:
    vecs = embedder.embed_documents(["Parliament passed the budget.", "Floods hit the coast."])
    assert vecs.shape == (2, embedder.dim)
    assert vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    q = embedder.embed_query("budget vote")
    assert q.shape == (embedder.dim,) and q.dtype == np.float32
    assert abs(np.linalg.norm(q) - 1.0) < 1e-5


def test_order_preserved_with_mixed_lengths_and_small_batches(embedder) -> None:
    texts = [
        "The central bank raised interest rates by half a point to fight inflation. " * 12,
        "Rain.",
        "A storm closed schools across the region on Tuesday.",
        "",
        "The striker scored twice in the final minutes to win the cup. " * 5,
        "Shares fell.",
        "Officials said the new bridge would open next spring after years of delay.",
    ]
    together = embedder.embed_documents(texts)  # batch size 3 < 7 texts, reordered internally by length
    one_by_one = np.stack([embedder.embed_documents([t])[0] for t in texts])
    assert together.shape == (len(texts), embedder.dim)
    # int8 kernels and padding differ slightly between batch shapes; each row must still be its own text.
    assert np.all(np.sum(together * one_by_one, axis=1) > 0.99)
    sims = together @ one_by_one.T
    assert np.array_equal(sims.argmax(axis=1), np.arange(len(texts)))


def test_paraphrase_is_closer_than_unrelated(embedder) -> None:
    a, para, other = embedder.embed_documents(
        [
            "The government announced new sanctions against the company.",
            "New sanctions on the firm were unveiled by the administration.",
            "The recipe calls for two cups of flour and an egg.",
        ]
    )
    assert cos(a, para) > cos(a, other) + 0.2


def test_query_and_document_of_same_text_are_close(embedder) -> None:
    text = "Why is the US considering blacklisting Hikvision?"
    assert cos(embedder.embed_query(text), embedder.embed_documents([text])[0]) > 0.9


def test_cached_per_process(embedder) -> None:
    assert get_embedder(Settings(embedding="minilm", embedding_batch_size=3, _env_file=None)) is embedder


def test_unknown_model_name_is_a_clear_error() -> None:
    with pytest.raises(EmbeddingError, match="unknown embedding model 'no-such-model'.*minilm"):
        get_embedder(Settings(embedding="no-such-model", _env_file=None))
