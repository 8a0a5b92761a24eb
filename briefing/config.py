"""One configuration object for the whole tool, read once and passed down.

Precedence, highest first: explicit arguments (CLI flags), environment variables `BRIEFING_*`
(and `OPENAI_API_KEY` / `OPENAI_BASE_URL`), the TOML file named by `BRIEFING_CONFIG` or `./briefing.toml`,
then the defaults below.

The values chosen by measurement live here too, in groups (`retrieval`, `checker`, `extract`, `briefs`, `topics`), so
that an audit record can say which of them produced an answer or a brief, and a run can try others without
editing code: `BRIEFING_CHECKER__SUPPORT_THRESHOLD=0.5`, or a `[checker]` table in briefing.toml.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

LLMBackend = Literal["openai", "local", "extractive"]
BACKENDS: tuple[str, ...] = get_args(LLMBackend)


class RetrievalTuning(BaseModel):
    """How many candidates each ranker hands to fusion, and the fusion itself (`retrieve.py`): weights of
    the four rankers in reciprocal-rank fusion, its k (larger k flattens rank differences), and the
    freshness prior, tuned on the RealTime QA dev questions (`bench/retrieval.py --tune`). The weights stay
    equal: the dev grid favoured vectors (0.5/2/1/2 lifted week Hit@1 from .68 to .81 on 41 questions), but
    those weights lost the right top article on two of the four seed questions that name a source ("what
    did the executive tell Reuters", "how many companies did Bloomberg say"), which is how analysts ask.

    Freshness: a question with no date window is usually about current news, so an article's fused score
    is scaled by (1 - recency) + recency * 0.5 ** (age / half_life), its age counted back from the newest
    article in the store (not today, so an archive keeps its shape) and only beyond `grace_days`, so the
    prior pushes down years-old coverage without reordering this season's articles (fused scores of
    neighbouring ranks differ by ~2%, which any age penalty would override). A date window turns it off:
    then the analyst has said which time they mean."""

    candidates: int = Field(
        100, ge=1, description="Passages each passage ranker (keyword, vector) returns before fusion. Tuned."
    )
    article_candidates: int = Field(
        50, ge=1, description="Articles each article ranker (keyword, vector) returns before fusion. Tuned."
    )
    chunk_keyword: float = Field(
        1.0, ge=0, description="Fusion weight of the passage keyword (BM25) ranker. Tuned."
    )
    chunk_vector: float = Field(1.0, ge=0, description="Fusion weight of the passage vector ranker. Tuned.")
    article_keyword: float = Field(
        1.0, ge=0, description="Fusion weight of the article keyword ranker. Tuned."
    )
    article_vector: float = Field(1.0, ge=0, description="Fusion weight of the article vector ranker. Tuned.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank fusion's k. Tuned.")
    recency: float = Field(
        0.6, ge=0, le=1, description="Share of a fused score the freshness prior scales. Tuned."
    )
    half_life_days: float = Field(180.0, gt=0, description="Age at which the freshness prior halves. Tuned.")
    grace_days: float = Field(90.0, ge=0, description="Age before the freshness prior starts. Tuned.")


class CheckerTuning(BaseModel):
    """How the citation checker scores support (`cite.py`): (w_cosine * cosine + w_recall * recall +
    w_names * names) / their sum, minus the negation penalty, times the hard-fail factor on a hard failure.
    Tuned on cases built from queries_dev.jsonl by bench/citations.py, never on heldout: dev balanced
    accuracy 0.84 (cosine alone 0.75)."""

    support_threshold: float = Field(
        0.48,
        ge=0,
        le=1,
        description="Support below which a cited sentence is flagged unsupported. Tuned by bench/citations.py.",
    )
    w_cosine: float = Field(
        0.7,
        ge=0,
        description="Weight of the cosine between the claim and its best passage window of 1-2 sentences. "
        "Tuned by bench/citations.py.",
    )
    w_recall: float = Field(
        0.2,
        ge=0,
        description="Weight of the share of the claim's content words the passage holds. "
        "Tuned by bench/citations.py.",
    )
    w_names: float = Field(
        0.1,
        ge=0,
        description="Weight of the share of the claim's names the passage holds. Tuned by bench/citations.py.",
    )
    negation_penalty: float = Field(
        0.3,
        ge=0,
        description="Subtracted when the claim and its best window disagree on not/no/never. "
        "Tuned by bench/citations.py.",
    )
    names_hard: bool = Field(
        True,
        description="A name the passage does not hold fails the claim, like a number. "
        "Tuned by bench/citations.py.",
    )
    hard_fail_factor: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Multiplies the score on a missing number, quote or name, so the support shown "
        "reflects the failure. Tuned by bench/citations.py.",
    )


class ExtractTuning(BaseModel):
    """How evidence sentences are scored for a question or a brief's topic (`evidence.py`), chosen on the
    seed questions and the RealTime QA dev questions (bench/answers.py)."""

    w_cosine: float = Field(
        0.5, ge=0, description="Weight of the sentence's cosine with the query. Tuned by bench/answers.py."
    )
    w_keywords: float = Field(
        0.5,
        ge=0,
        description="Weight of the share of the query's rarity-weighted words the sentence holds. "
        "Tuned by bench/answers.py.",
    )
    w_rank: float = Field(
        0.1,
        ge=0,
        description="Bonus for a sentence of the first retrieved passage, w_rank / 2 for the second, and "
        "so on. Tuned by bench/answers.py.",
    )
    w_speech: float = Field(
        0.1,
        ge=0,
        description="Bonus for reported speech when the question asks what someone said. "
        "Tuned by bench/answers.py.",
    )
    w_asked: float = Field(
        0.15,
        ge=0,
        description="Bonus for a sentence holding what the question asks (a statement by the asked speaker, "
        "a cause for 'why', the asked figure; asked.py). Tuned by bench/answers.py.",
    )
    min_words: int = Field(
        4,
        ge=1,
        description="A shorter line (a caption, 'Source: Al Jazeera') is no evidence unless it holds a number. "
        "Tuned by bench/answers.py.",
    )


class BriefTuning(BaseModel):
    """How a brief gathers, merges and places its claims (`brief/`)."""

    claim_min_words: int = Field(
        6, ge=1, description="Fewest words of an evidence window that makes a claim. Tuned."
    )
    claim_min_score: float = Field(
        0.1,
        ge=0,
        description="Evidence score against the topic below which a sentence of a retrieved passage is off it. "
        "Tuned.",
    )
    same_claim_cosine: float = Field(
        0.9, ge=-1, le=1, description="Cosine at which two windows are one claim. Tuned."
    )
    same_claim_overlap: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of the shorter window's content words the longer holds at which they are one claim. "
        "Tuned.",
    )
    min_fit: float = Field(
        0.55,
        description="Least fit (best cosine with a section's queries + relevance to the topic) for a claim "
        "to be placed in a section. Tuned.",
    )
    redundant: float = Field(
        0.8,
        ge=-1,
        le=1,
        description="Cosine at which a claim says what a placed one says, and is left out. Tuned.",
    )
    corroboration_bonus: float = Field(
        0.05, ge=0, description="Bottom-line bonus per further independent outlet carrying a claim. Tuned."
    )
    claims_per_actor: int = Field(
        3, ge=1, description="Most claims of one actor in the positions section. Tuned."
    )
    said_overlap: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Share of a sentence's content words an earlier sentence of the brief holds at which it is "
        "not stated again. Tuned.",
    )
    story_threshold: float = Field(
        0.62,
        ge=-1,
        le=1,
        description="Cosine above which two article vectors are one story in a weekly brief. "
        "Tuned on RealTime QA by bench/briefs.py.",
    )
    story_match: float = Field(
        0.72,
        ge=-1,
        le=1,
        description="Cosine between a week's story centroid and a kept story's latest earlier centroid at which "
        "they are one story, kept week to week (the best pairs first, one to one); below it the story is new. "
        "Chosen on consecutive RealTime QA dev weeks: same-event pairs mostly .73-.97, other pairs up to .72.",
    )


class TopicTuning(BaseModel):
    """When a stored article matches a saved topic (`topics.py`), chosen on the RealTime QA dev questions
    by bench/topics.py: each question a topic, its gold article what should match among its week's. 0.55
    had the best F1 (.41: precision .29, a lower bound since other outlets' reports of the same event count
    as misses, recall .74); in refresh-sized sets it matched 2% of the other articles, where the fused rank
    score at its best week threshold matched 15%."""

    match_threshold: float = Field(
        0.55,
        ge=-1,
        le=1,
        description="Best cosine of an article (or one of its passages) with the topic at which it matches. "
        "Tuned by bench/topics.py.",
    )


def config_file() -> Path:
    """The TOML file settings are read from (it need not exist)."""
    return Path(os.environ.get("BRIEFING_CONFIG", "briefing.toml"))


class Settings(BaseSettings):
    """Every knob of briefing. Field docs double as the README's configuration reference."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFING_", env_nested_delimiter="__", extra="ignore", populate_by_name=True
    )

    # --- store ---
    store_dir: Path = Field(
        Path("vectorstore"),
        description="Embedded Chroma store and its indexes (relative: to the current folder).",
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000); when set, the store lives there.",
    )
    collection: str = Field("articles", description="Chroma collection name.")

    # --- ingest limits: a bigger input is a mistake (a data dump, a book, a mis-saved page), refused by name ---
    max_file_mb: float = Field(
        20, gt=0, description="Largest file holding one article (text, HTML, PDF, Word)."
    )
    max_collection_mb: float = Field(
        500, gt=0, description="Largest file holding many articles (JSON, JSON Lines, feed)."
    )
    upload_held_files: int = Field(
        200,
        ge=1,
        description="Most uploaded files the app holds for one browser session before they are added.",
    )
    upload_held_mb: float = Field(
        200,
        gt=0,
        description="Most MB of uploaded files the app holds for one browser session (`briefing app`).",
    )
    max_article_words: int = Field(30000, ge=100, description="Longest article, in words, before cleaning.")

    # --- feeds (briefing refresh) ---
    feed_timeout: float = Field(10.0, gt=0, description="Seconds before a feed or page request is abandoned.")
    feed_retries: int = Field(2, ge=0, description="Further attempts after a server error or timeout.")
    feed_host_pause: float = Field(1.0, ge=0, description="Seconds between two requests to the same host.")
    feed_max_entries: int = Field(
        200,
        ge=1,
        description="Entries read from one feed per refresh, newest first; older ones are left unread.",
    )
    fetch_allow_hosts: list[str] = Field(
        [],
        description="Hosts fetched although they are or resolve to internal addresses (loopback, private, "
        "link-local): every other feed, page or URL to ingest must resolve to public addresses only.",
    )

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
    evidence_passages: int = Field(
        8, ge=1, description="Passages retrieved per question, whose sentences are ranked."
    )
    evidence_windows: int = Field(3, ge=1, description="Sentence windows the writer is shown per answer.")
    evidence_min_score: float = Field(
        0.3, ge=0, le=1, description="Below this best evidence score the answer is 'not in the sources'."
    )
    users_file: Path = Field(
        Path("users.json"),
        description="Users for password sign-in (names, roles, argon2 hashes): `briefing users add`. When it "
        "lists anyone, the app asks every visitor to sign in.",
    )
    auth_file: Path = Field(
        Path(".streamlit/secrets.toml"),
        description="Streamlit secrets file whose [auth] table configures sign-in through the organisation's "
        "identity provider (OIDC); `briefing app` serves with it.",
    )
    idp_role: Literal["reader", "editor", "admin"] | None = Field(
        None,
        description="Role of someone the identity provider signs in who is not in users_file; unset: such a "
        "visitor is refused until an admin adds them (`briefing users add EMAIL --idp`).",
    )
    session_hours: float = Field(12, gt=0, description="Hours a sign-in lasts before the app asks again.")
    proxy_signs_in: bool = Field(
        False,
        description="The reverse proxy in front signs people in itself (an SSO gateway such as oauth2-proxy). "
        "Unset, a visitor the proxy forwards is refused while the app has no sign-in configured.",
    )
    behind_proxy: bool = Field(
        False,
        description="The app is reached only through the README's nginx, which appends the client's address "
        "to X-Forwarded-For: sign-in throttling counts that address. Unset, the connection's own.",
    )
    docx_paper: Literal["A4", "Letter"] = Field(
        "A4", description="Page size of Word briefs: A4, or Letter for North American offices."
    )
    outlet_reliability: dict[str, Literal["A", "B", "C", "D", "E", "F"]] = Field(
        default_factory=dict,
        description="The team's reliability grade of each outlet, A (reliable) to F (cannot be judged), e.g. "
        '{"Reuters": "A", "Daily Example": "D"}: a brief then grades each claim like the Admiralty code '
        "(letter of the outlet stated, digit from its corroboration). Empty: no grade is shown.",
    )
    brief_passages: int = Field(
        12, ge=1, description="Passages retrieved per query when gathering a brief's claims."
    )
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
    local_model_path: Path | None = Field(
        None, description="GGUF file for the local backend; default: the packaged one."
    )
    llm_timeout: float = Field(
        120.0,
        gt=0,
        description="Seconds an openai-backend call may take from its turn's start before it is abandoned.",
    )
    llm_stall_timeout: float = Field(
        60.0,
        gt=0,
        description="Seconds the local model may go without progress (no token written, no batch of the "
        "prompt read) before its call is abandoned; waiting for a turn at the model is not a stall.",
    )
    llm_total_timeout: float = Field(
        900.0,
        gt=0,
        description="Seconds a local-model call may take in all from its turn's start, however steadily it "
        "progresses: a generous bound, since a loaded machine makes a call slow, not stuck.",
    )
    llm_queue_wait: float = Field(
        3600.0,
        gt=0,
        description="Seconds a request may wait for its turn at the model (one generation at a time per "
        "model, in the order asked) before it fails as busy.",
    )
    llm_parallel: int = Field(
        1,
        ge=1,
        description="Generations at once per model on the openai backend (a server with several slots, or a "
        "hosted API, can take more); the local backend always runs one.",
    )
    llm_max_tokens: int = Field(512, ge=16, description="Longest answer the model may write, in tokens.")
    llm_max_retries: int = Field(2, ge=0)

    # --- tuned values, by group: BRIEFING_<GROUP>__<FIELD>, or a [<group>] table in briefing.toml ---
    retrieval: RetrievalTuning = Field(default_factory=RetrievalTuning, description="Candidates per ranker.")
    checker: CheckerTuning = Field(default_factory=CheckerTuning, description="Citation support scoring.")
    extract: ExtractTuning = Field(default_factory=ExtractTuning, description="Evidence sentence scoring.")
    briefs: BriefTuning = Field(default_factory=BriefTuning, description="Claims and sections of a brief.")
    topics: TopicTuning = Field(default_factory=TopicTuning, description="Saved topics' matching.")

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

    @property
    def notebook_dir(self) -> Path:
        """Where this notebook (collection) keeps its files beside the store: briefs, conversations and
        uploads. The default notebook keeps them in the store folder itself, as before notebooks."""
        return (
            self.store_dir
            if self.collection == "articles"
            else self.store_dir / "notebooks" / self.collection
        )

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied (CLI flags that were given)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return type(self)(**{**self.model_dump(), **given}) if given else self  # validated, unlike model_copy

    def record(self, names: Iterable[str]) -> dict[str, Any]:
        """The named settings as JSON values, for an audit record (a group whole). Only named fields go in,
        so the API key never does."""
        return self.model_dump(mode="json", include=set(names))


def unknown_settings(environ: Mapping[str, str] | None = None, config: Path | None = None) -> list[str]:
    """`BRIEFING_*` variables and briefing.toml keys that set nothing, each with the setting it most likely
    meant: a misspelt name (`BRIEFING_STORE` for `BRIEFING_STORE_DIR`, `BRIEFING_CHECKER_SUPPORT_THRESHOLD`
    for `BRIEFING_CHECKER__SUPPORT_THRESHOLD`, `chroma_uri` or `[checker] suport_threshold` in the file)
    would otherwise be ignored without a word."""
    groups = {
        name: list(info.annotation.model_fields)
        for name, info in Settings.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    }
    known = ["CONFIG"] + [name.upper() for name in Settings.model_fields]  # a group too, as JSON
    known += [f"{group}__{field}".upper() for group, fields in groups.items() for field in fields]
    found = [
        f"{name} is not a briefing setting" + _guess(name[9:], known, "BRIEFING_")
        for name in sorted(environ if environ is not None else os.environ)
        if name.startswith("BRIEFING_") and name[9:] not in known
    ]
    path = config or config_file()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return found  # a missing file is no mistake; an unreadable one fails loudly when settings load
    fields = list(Settings.model_fields)
    for key, value in table.items():
        if key not in Settings.model_fields:
            found.append(f"{path}: {key} is not a briefing setting" + _guess(key, fields))
        elif key in groups and isinstance(value, dict):
            found += [
                f"{path}: [{key}] {field} is not a setting of {key}" + _guess(field, groups[key])
                for field in value
                if field not in groups[key]
            ]
    return found


def _guess(name: str, known: list[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {prefix}{close[0]}?)" if close else ""


def load_settings(**overrides: Any) -> Settings:
    """Read environment and config file, then apply explicit overrides."""
    return Settings().with_overrides(**overrides)
