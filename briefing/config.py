"""One configuration object for the whole tool, read once and passed down.

Precedence, highest first: explicit arguments (CLI flags), environment variables `BRIEFING_*`
(and `OPENAI_API_KEY` / `OPENAI_BASE_URL`), the TOML file named by `BRIEFING_CONFIG` or `./briefing.toml`,
then the defaults below.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

LLMBackend = Literal["openai", "local", "extractive"]
BACKENDS: tuple[str, ...] = get_args(LLMBackend)


def config_file() -> Path:
    """The TOML file settings are read from (it need not exist)."""
    return Path(os.environ.get("BRIEFING_CONFIG", "briefing.toml"))


class Settings(BaseSettings):
    """Every knob of briefing. Field docs double as the README's configuration reference."""

    model_config = SettingsConfigDict(env_prefix="BRIEFING_", extra="ignore", populate_by_name=True)

    # --- store ---
    store_dir: Path = Field(
        Path("vectorstore"), description="Embedded Chroma store and its indexes (relative: to the current folder)."
    )
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (e.g. http://127.0.0.1:8000); when set, the store lives there."
    )
    collection: str = Field("articles", description="Chroma collection name.")

    # --- ingest limits: a bigger input is a mistake (a data dump, a book, a mis-saved page), refused by name ---
    max_file_mb: float = Field(20, gt=0, description="Largest file holding one article (text, HTML, PDF, Word).")
    max_collection_mb: float = Field(500, gt=0, description="Largest file holding many articles (JSON, JSON Lines, feed).")
    max_article_words: int = Field(30000, ge=100, description="Longest article, in words, before cleaning.")

    # --- feeds (briefing refresh) ---
    feed_timeout: float = Field(10.0, gt=0, description="Seconds before a feed or page request is abandoned.")
    feed_retries: int = Field(2, ge=0, description="Further attempts after a server error or timeout.")
    feed_host_pause: float = Field(1.0, ge=0, description="Seconds between two requests to the same host.")

    # --- embeddings ---
    embedding: str = Field(
        "minilm",
        description="Embedding model: a packaged local model name, or 'openai:<model>' for OpenAI embeddings.",
    )
    embedding_batch_size: int = Field(8, ge=1, description="Chunks per embedding call (see embeddings.py).")

    # --- chunking ---
    chunk_words: int = Field(180, ge=20, description="Target words per chunk.")
    chunk_overlap_words: int = Field(40, ge=0, description="Words of overlap between neighbouring chunks.")

    # --- retrieval ---
    top_k: int = Field(8, ge=1, description="Search hits when -k is not given.")

    # --- evidence (answers): tuned on the seed questions and RealTime QA dev, bench/answers.py ---
    evidence_passages: int = Field(8, ge=1, description="Passages retrieved per question, whose sentences are ranked.")
    evidence_windows: int = Field(3, ge=1, description="Sentence windows the writer is shown per answer.")
    evidence_min_score: float = Field(
        0.3, ge=0, le=1, description="Below this best evidence score the answer is 'not in the sources'."
    )
    brief_passages: int = Field(12, ge=1, description="Passages retrieved per query when gathering a brief's claims.")
    extract_windows: int = Field(3, ge=1, description="Windows quoted by an extractive answer.")

    # --- language model ---
    llm: LLMBackend | None = Field(
        None,
        description="openai | local | extractive; unset picks openai when a key or base URL is set, else local "
        "when the model is installed, else extractive.",
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("BRIEFING_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("BRIEFING_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url")
    )
    openai_model: str = Field("gpt-4o-mini")
    local_model_path: Path | None = Field(None, description="GGUF file for the local backend; default: the packaged one.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds before a model call is abandoned.")
    llm_max_tokens: int = Field(512, ge=16, description="Longest answer the model may write, in tokens.")
    llm_max_retries: int = Field(2, ge=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied (CLI flags that were given)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return type(self)(**{**self.model_dump(), **given}) if given else self  # validated, unlike model_copy


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """`BRIEFING_*` variables that set nothing, each with the setting it most likely meant: a misspelt
    name (`BRIEFING_STORE` for `BRIEFING_STORE_DIR`) would otherwise be ignored without a word."""
    known = [name.upper() for name in Settings.model_fields] + ["CONFIG"]
    found = []
    for name in sorted(environ if environ is not None else os.environ):
        if name.startswith("BRIEFING_") and name[9:] not in known:
            guess = difflib.get_close_matches(name[9:], known, n=1, cutoff=0.6)
            found.append(f"{name} is not a briefing setting"
                         + (f" (did you mean BRIEFING_{guess[0]}?)" if guess else ""))
    return found


def load_settings(**overrides: Any) -> Settings:
    """Read environment and config file, then apply explicit overrides."""
    return Settings().with_overrides(**overrides)
